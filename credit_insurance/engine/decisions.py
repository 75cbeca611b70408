"""The decision of a cover in force on a given day, from its history.

A cover's *history* is its events (``credit_insurance_cover_event``). The
decision in force on a day is the latest event applied to the cover,
effective on that day (its effective date, else its decision date, else
the day it was recorded), leaving out:

* the answers that only wait (requested, referred): they change nothing;
* a refused increase or prolongation: the cover stays as decided before.

A decision (a cover or a refusal) past its expiry date on that day decides
nothing; an event without its own expiry date takes the cover's.

The overdue worklist (engine/overdue.py) and the turnover declared on
insured buyers (engine/turnover.py) use it in SQL; a claim counts its
cover so in Python (``credit.insurance.claim._cover_limit``).
"""

from odoo.tools import SQL

COVERING = ("approved", "partial", "reduced")
BLOCKING = ("refused", "withdrawn")
PENDING = ("requested", "referred")


def in_force(day, answers, cover="c"):
    """SQL condition: the decision in force on ``day`` (an SQL date
    expression) of the cover aliased ``cover`` is one of ``answers``."""
    alias = SQL.identifier(cover)
    effective = SQL("COALESCE(ev.effective_date, ev.decision_date, ev.create_date::date)")
    return SQL(
        """
        EXISTS (SELECT 1 FROM (
                    SELECT ev.answer, ev.expiry_date
                      FROM credit_insurance_cover_event ev
                     WHERE ev.cover_id = %(cover)s.id AND ev.applied
                       AND ev.answer NOT IN %(pending)s
                       AND %(effective)s <= %(day)s
                       AND NOT (ev.answer = 'refused'
                                AND COALESCE(ev.request_kind, (
                                        SELECT rq.request_kind
                                          FROM credit_insurance_cover_event rq
                                         WHERE rq.cover_id = ev.cover_id AND rq.id < ev.id
                                           AND rq.request_kind IS NOT NULL
                                         ORDER BY rq.id DESC LIMIT 1))
                                    IN ('increase', 'prolong'))
                     ORDER BY %(effective)s DESC, ev.id DESC LIMIT 1) dec
                 WHERE dec.answer IN %(answers)s
                   AND COALESCE(dec.expiry_date, %(cover)s.expiry_date, 'infinity') >= %(day)s)
        """,
        cover=alias,
        pending=PENDING,
        effective=effective,
        day=day,
        answers=tuple(answers),
    )
