"""Allianz Trade-style cover resources → :class:`.decision.Decision`.

A cover resource carries ``status`` (PENDING, APPROVED, PARTIALLY_APPROVED,
REFUSED, REDUCED, WITHDRAWN, EXPIRED, SUPERSEDED) and
``creditLimitDetails`` with the requested and decided amounts.
"""

from .decision import Decision, amount_of, covered_answer

STATUSES = {
    "PENDING": "referred",
    "UNDER_REVIEW": "referred",
    "APPROVED": "approved",
    "PARTIALLY_APPROVED": "partial",
    "REFUSED": "refused",
    "REDUCED": "reduced",
    "WITHDRAWN": "withdrawn",
    "CANCELLED": "withdrawn",
    "EXPIRED": "expired",
    "SUPERSEDED": "superseded",
}


def cover(data):
    details = data.get("creditLimitDetails") or {}
    amount = amount_of(details.get("amount"))
    requested = amount_of(details.get("requestedAmount"))
    status = (data.get("status") or "").upper()
    answer = STATUSES.get(status)
    if answer is None:
        raise ValueError(f"unknown cover status {status!r}")
    if answer in ("approved", "partial"):
        answer = covered_answer(amount, requested)
    conditions = data.get("conditions") or []
    return Decision(
        answer=answer,
        amount=amount if answer not in ("refused", "withdrawn", "expired") else 0.0,
        requested_amount=requested,
        currency=details.get("currencyCode") or "",
        insurer_cover_id=str(data.get("coverId") or ""),
        buyer_ref=str(data.get("companyId") or ""),
        reference=str(data.get("decisionId") or ""),
        decision_date=data.get("decisionDate") or "",
        effective_date=data.get("effectiveDate") or "",
        expiry_date=data.get("expiryDate") or "",
        conditions="\n".join(conditions) if isinstance(conditions, list) else str(conditions),
        raw=data,
    )
