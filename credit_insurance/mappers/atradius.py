"""Atradius-style cover answers → :class:`.decision.Decision`.

``coverStatus`` is DECISION (decided: the first amount is what is covered,
0 means refused), REFERRED (with an underwriter), WITHDRAWN or EXPIRED; a
decision the insurer takes on its own says so in ``decisionType``
(REDUCTION, CANCELLATION).
"""

from .decision import Decision, amount_of, covered_answer


def cover(data):
    status = (data.get("coverStatus") or "").upper()
    decision = data.get("decision") or {}
    first = decision.get("firstAmount") or {}
    requested = amount_of(data.get("requestedAmount"))
    amount = amount_of(first)
    kind = (decision.get("decisionType") or "").upper()
    if status == "REFERRED":
        answer, amount = "referred", 0.0
    elif status in ("WITHDRAWN", "CANCELLED") or kind == "CANCELLATION":
        answer, amount = "withdrawn", 0.0
    elif status == "EXPIRED":
        answer, amount = "expired", 0.0
    elif status == "SUPERSEDED":
        answer = "superseded"
    elif status == "DECISION":
        answer = "reduced" if kind == "REDUCTION" and amount else covered_answer(amount, requested)
    else:
        raise ValueError(f"unknown cover status {status!r}")
    conditions = decision.get("conditions") or ""
    if isinstance(conditions, list):
        conditions = "\n".join(conditions)
    currency = first.get("currency") or (data.get("requestedAmount") or {}).get("currency") or ""
    return Decision(
        answer=answer,
        amount=amount,
        requested_amount=requested,
        currency=currency,
        insurer_cover_id=str(data.get("coverId") or ""),
        buyer_ref=str(data.get("buyerId") or ""),
        reference=str(decision.get("decisionId") or ""),
        decision_date=decision.get("decisionDate") or "",
        effective_date=decision.get("effectiveDate") or "",
        expiry_date=first.get("expiryDate") or "",
        conditions=conditions,
        raw=data,
    )
