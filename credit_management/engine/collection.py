"""Collections arithmetic: payments received against the items a promise or a
payment plan covers, installment status, and the worklist priority.

Payments are read from reconciliations, not from the payments themselves: a
promise is kept by money that actually settled the promised items. Only the
credit side of a payment or a bank statement line counts; a credit note or a
write-off settles an item without being a payment.
"""

import math
from dataclasses import dataclass

from odoo.tools import SQL


def paid_query(owner_table, relation, owner_column, owner_ids, start_column):
    """SQL of ``owner_id, paid``: what payments dated from the owner's
    ``start_column`` on settled on the items the owner covers, in company
    currency. ``relation`` is the many2many table between the owner (a row
    of ``owner_table``) and journal items."""
    return SQL(
        """
        SELECT owner.id AS owner_id, COALESCE(SUM(partial.amount), 0) AS paid
          FROM %(owner_table)s owner
          JOIN %(relation)s rel ON rel.%(owner_column)s = owner.id
          JOIN account_partial_reconcile partial ON partial.debit_move_id = rel.move_line_id
          JOIN account_move_line payment_line ON payment_line.id = partial.credit_move_id
          JOIN account_move payment_move ON payment_move.id = payment_line.move_id
         WHERE owner.id IN %(owner_ids)s
           AND (payment_move.origin_payment_id IS NOT NULL
                OR payment_move.statement_line_id IS NOT NULL)
           AND partial.max_date >= owner.%(start)s
         GROUP BY owner.id
        """,
        owner_table=SQL.identifier(owner_table),
        relation=SQL.identifier(relation),
        owner_column=SQL.identifier(owner_column),
        owner_ids=tuple(owner_ids) or (0,),
        start=SQL.identifier(start_column),
    )


def installments_status(installments, paid, rounding):
    """Allocates ``paid`` to ``installments`` (``(date, amount)`` in date
    order) oldest first. Returns ``[(paid_on_it, settled)]`` per installment."""
    result = []
    left = paid
    for _date, amount in installments:
        part = min(max(left, 0.0), amount)
        left -= part
        result.append((part, amount - part < rounding))
    return result


def first_missed(installments, statuses, cutoff):
    """Index of the first installment due before ``cutoff`` (today less the
    grace days) that is not settled, or None."""
    for index, ((date, _amount), (_paid, settled)) in enumerate(
        zip(installments, statuses, strict=True)
    ):
        if date < cutoff and not settled:
            return index
    return None


@dataclass(frozen=True)
class PriorityInput:
    overdue: float  # company currency
    days_late: int  # of the oldest overdue item
    risk_points: float  # the risk class's collection weight, 0-10
    broken_promises: int
    days_since_contact: int  # since the last contact, or since the case opened
    escalated: bool


def priority(values):
    """Worklist priority, 0-100: who to call first.

    - amount overdue: up to 35 points, logarithmic (1,000 → 17.5, 1,000,000 → 35);
    - days late of the oldest item: up to 25 points (100 days and more);
    - risk class: its collection weight, up to 10 points;
    - broken promises and plans: 10 points each, up to 20;
    - time since the last contact: up to 10 points (30 days and more).
    A broken payment plan escalates the case; escalated cases are pinned near
    the top by the 20 points of the broken plan and their overdue amount.
    """
    if values.overdue <= 0:
        return 0.0
    amount = min(35.0, 35.0 * math.log10(1.0 + values.overdue) / 6.0)
    late = min(25.0, 25.0 * max(values.days_late, 0) / 100.0)
    risk = min(10.0, max(values.risk_points, 0.0))
    broken = min(20.0, 10.0 * (values.broken_promises + (1 if values.escalated else 0)))
    silence = min(10.0, 10.0 * max(values.days_since_contact, 0) / 30.0)
    return round(amount + late + risk + broken + silence, 2)


def aging_buckets():
    """Days-late buckets of the statement: (label key, lowest, highest)."""
    return [
        ("not_due", None, 0),
        ("1_30", 1, 30),
        ("31_60", 31, 60),
        ("61_90", 61, 90),
        ("over_90", 91, None),
    ]
