from dataclasses import dataclass, field


@dataclass
class Decision:
    """One insurer answer in the neutral vocabulary (:mod:`.edifact`).

    ``reference`` identifies the insurer's decision (a second copy of the same
    decision, from a webhook and from the daily sync, is recorded once);
    ``job_id`` is set while an answer is still to be polled.
    """

    answer: str
    amount: float = 0.0
    requested_amount: float = 0.0
    currency: str = ""
    insurer_cover_id: str = ""
    buyer_ref: str = ""
    reference: str = ""
    decision_date: str = ""
    effective_date: str = ""
    expiry_date: str = ""
    conditions: str = ""
    job_id: str = ""
    raw: dict = field(default_factory=dict)


def amount_of(value):
    """An amount from an answer: a number, a numeric string or ``{"amount": x}``."""
    if isinstance(value, dict):
        value = value.get("amount")
    if value in (None, ""):
        return 0.0
    return float(value)


def covered_answer(amount, requested):
    """approved, partial or refused from the decided and requested amounts."""
    if amount <= 0:
        return "refused"
    if requested and amount < requested:
        return "partial"
    return "approved"
