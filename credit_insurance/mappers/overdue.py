"""Overdue notices in a neutral vocabulary, and the insurers' words for them.

Kinds of notice (what the policyholder tells the insurer about an unpaid
item): ``default`` (report a payment default, Allianz Trade's OVD, Atradius'
non-payment notice), ``extension`` (ask to extend a due date, EXP) and
``rescheduling`` (a payment arrangement spreading the debt, RES).

Answers: ``sent`` (received by the insurer, still examined), ``accepted``,
``refused``. An answer that cannot be read raises ``ValueError``.
"""

from dataclasses import dataclass, field

KINDS = [
    ("default", "Report a Default"),
    ("extension", "Extend a Due Date"),
    ("rescheduling", "Rescheduling"),
]
ALLIANZ_CODES = {"default": "OVD", "extension": "EXP", "rescheduling": "RES"}
ATRADIUS_TYPES = {
    "default": "NON_PAYMENT",
    "extension": "DUE_DATE_EXTENSION",
    "rescheduling": "PAYMENT_ARRANGEMENT",
}
ALLIANZ_STATUSES = {
    "REPORTED": "sent",
    "UNDER_REVIEW": "sent",
    "ACCEPTED": "accepted",
    "PROCESSED": "accepted",
    "REJECTED": "refused",
}
ATRADIUS_STATUSES = {"RECEIVED": "sent", "ACCEPTED": "accepted", "REJECTED": "refused"}


@dataclass
class Notice:
    """What goes to the insurer; dates as ISO strings, amounts in ``currency``."""

    kind: str
    key: str
    buyer_ref: str
    buyer_name: str = ""
    cover_ref: str = ""
    invoice: str = ""
    invoice_date: str = ""
    due_date: str = ""
    new_due_date: str = ""
    amount: float = 0.0
    currency: str = ""
    note: str = ""


@dataclass
class Answer:
    """The insurer's answer to a notice."""

    state: str
    reference: str = ""
    job_id: str = ""
    date: str = ""
    message: str = ""
    raw: dict = field(default_factory=dict)


def _answer(statuses, data, reference, date, message):
    status = str(data.get("status") or "").upper()
    if status not in statuses:
        raise ValueError(f"unknown notice status {status!r}")
    return Answer(
        state=statuses[status],
        reference=str(data.get(reference) or ""),
        date=str(data.get(date) or "")[:10],
        message=str(data.get(message) or ""),
        raw=data,
    )


def allianz(data):
    """An Allianz Trade-style overdue resource."""
    return _answer(ALLIANZ_STATUSES, data, "overdueId", "decisionDate", "statusReason")


def atradius(data):
    """An Atradius-style non-payment notification."""
    return _answer(ATRADIUS_STATUSES, data, "notificationId", "decisionDate", "reason")
