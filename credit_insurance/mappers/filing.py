"""Insurer answers to turnover declarations and claims → :class:`Answer`
in the vocabulary of the declaration and claim states.

Allianz Trade style: ``status`` of the declaration or claim resource, the
indemnity in ``indemnity{paidAmount, currencyCode, paymentDate}``.
Atradius style: ``status`` of a declaration, ``claimStatus`` of a claim, the
settlement in ``settlement{amount{amount, currency}, date}``.
"""

from dataclasses import dataclass, field

from .decision import amount_of

DECLARATION_STATES = {
    "RECEIVED": "sent",
    "PENDING": "sent",
    "ACCEPTED": "accepted",
    "REJECTED": "rejected",
}
CLAIM_STATES = {
    # Allianz Trade style
    "SUBMITTED": "submitted",
    "ACKNOWLEDGED": "acknowledged",
    "UNDER_REVIEW": "under_review",
    "PAID": "paid",
    "PARTIALLY_PAID": "partially_paid",
    "REJECTED": "rejected",
    "WITHDRAWN": "withdrawn",
    # Atradius style
    "RECEIVED": "submitted",
    "REGISTERED": "acknowledged",
    "IN_ASSESSMENT": "under_review",
    "SETTLED": "paid",
    "PARTLY_SETTLED": "partially_paid",
    "DECLINED": "rejected",
}


@dataclass
class Answer:
    state: str
    reference: str = ""
    message: str = ""
    paid_amount: float = 0.0
    paid_currency: str = ""
    paid_date: str = ""
    raw: dict = field(default_factory=dict)


def _state(table, status):
    state = table.get((status or "").upper())
    if state is None:
        raise ValueError(f"unknown status {status!r}")
    return state


def declaration(data):
    return Answer(
        state=_state(DECLARATION_STATES, data.get("status")),
        reference=str(data.get("declarationId") or ""),
        message=str(data.get("message") or data.get("reason") or ""),
        raw=data,
    )


def claim(data):
    status = data.get("claimStatus") or data.get("status")
    paid = data.get("indemnity") or {}
    settlement = data.get("settlement") or {}
    if settlement:
        money = settlement.get("amount") or {}
        amount, currency, day = money, money.get("currency"), settlement.get("date")
    else:
        amount, currency, day = (
            paid.get("paidAmount"),
            paid.get("currencyCode"),
            paid.get("paymentDate"),
        )
    return Answer(
        state=_state(CLAIM_STATES, status),
        reference=str(data.get("claimId") or ""),
        message=str(data.get("message") or data.get("reason") or ""),
        paid_amount=amount_of(amount),
        paid_currency=currency or "",
        paid_date=day or "",
        raw=data,
    )
