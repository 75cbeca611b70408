"""Receivables as of any date, set based.

Vocabulary
----------
*Item*: a journal item of a posted move on a receivable account
(``asset_receivable``): an invoice's installment, a credit note, a payment,
an exchange difference, a miscellaneous entry. *Residual on D*: what was
still open of an item on the evening of date D.

Method
------
The residual on D is never read from today's ``amount_residual``. It is
rebuilt from the journal: the item's balance (and amount in its currency),
minus the partial reconciliations (``account.partial.reconcile``) that
matched it on or before D. A partial belongs to the later of its two
items' dates (its stored ``max_date``, the date Odoo's own aged reports use
for it); it lowers the debit item and the credit item by its ``amount`` in
company currency, and each by its ``debit_amount_currency`` /
``credit_amount_currency`` in that item's currency. This is the very
formula Odoo computes ``amount_residual`` with, restricted to partials
dated on or before D: on today's date both agree.

Why the total is the general ledger's: a partial counted on D has both its
items dated on or before D (max_date), and lowers one by what it raises on
the other, so the residuals on D of the items dated on or before D add up to
their balances: the balance of the receivable accounts in the general ledger
on D, whatever was paid, reconciled or unreconciled since.

Exchange differences: a foreign-currency invoice paid at another rate leaves
a difference in company currency that Odoo books as a separate move (an item
on the receivable account, amount in currency zero, dated when the
difference arose, usually the payment's date) reconciled with the item left
open in company currency. That move is an item like any other: before its
date neither it nor the payment exists on D and the invoice is open at its
booked rate; from its date on, invoice, payment and difference are matched
and nothing is left. Residuals in company currency are therefore at the
rates *booked* on D (as the ledger), not revalued at D's rate: the exposure
engine (:mod:`.exposure`) revalues, this one reconstructs.

Only items that may be open on D are read: those not fully reconciled today
(Odoo's partial index on unreconciled items) and those matched by a partial
dated after D. An item fully reconciled today by partials all dated on or
before D has a residual of zero on D; skipping it changes no total.

Use
---
``open_items_query(as_of(companies, date))`` gives one row per item open on
the date; ``aged_query(...)`` sums them per company, commercial partner and
aging bucket. The monthly history calls them with each month's last day;
nothing here depends on today. Rows are restricted by an optional SQL
condition on the items (``allowed``, see :func:`rule_condition`): the report
passes the ORM's record rules of ``account.move.line`` for its user, so
nobody reads an item through this engine that they could not read in Odoo.
"""

import itertools
from contextlib import contextmanager
from dataclasses import dataclass

from odoo import fields
from odoo.tools import SQL

# Aging bases: the date an item's age counts from.
BASES = [("due", "Due Date"), ("invoice", "Invoice Date")]
DEFAULT_BOUNDS = (30, 60, 90, 120)
MAX_BOUNDS = 6


@dataclass(frozen=True)
class AsOf:
    """Companies, date and restrictions of an as-of query; build it with
    :func:`as_of`."""

    company_ids: tuple
    date: object
    receivable_account_ids: tuple
    partner_ids: tuple = ()  # commercial partners; empty means all
    # SQL condition on the table ``account_move_line`` (the user's record
    # rules), or None: applied in the scan of the items.
    allowed: object = None
    basis: str = "due"

    def reference_date(self):
        """SQL of the date an item's age counts from."""
        if self.basis == "invoice":
            return SQL("COALESCE(aml.invoice_date, aml.date)")
        return SQL("COALESCE(aml.date_maturity, aml.date)")


def as_of(companies, date=None, partner_ids=(), allowed=None, basis="due"):
    date = fields.Date.to_date(date or fields.Date.context_today(companies))
    accounts = companies.env.execute_query(
        SQL("SELECT id FROM account_account WHERE account_type = 'asset_receivable'")
    )
    return AsOf(
        tuple(companies.ids),
        date,
        tuple(account_id for (account_id,) in accounts),
        tuple(partner_ids),
        allowed,
        basis,
    )


def rule_condition(lines):
    """SQL condition on the table ``account_move_line`` that keeps the
    journal items ``lines`` (a recordset, with its user) may read through
    their record rules; None when no rule applies. Inlined when the rules
    read the table alone, a semi-join otherwise."""
    lines.check_access("read")
    query = lines._search([])
    if not query.where_clause.code:
        return None
    if query.from_clause.code == SQL.identifier("account_move_line").code:
        return query.where_clause
    return SQL("account_move_line.id IN %s", query.subselect())


def parse_bounds(text):
    """``"30,60,90,120"`` → ``(30, 60, 90, 120)``; raises ValueError unless
    they are 1 to MAX_BOUNDS increasing positive whole numbers of days."""
    bounds = tuple(int(part) for part in (text or "").replace(" ", "").split(",") if part)
    if not bounds or len(bounds) > MAX_BOUNDS:
        raise ValueError(text)
    if bounds[0] <= 0 or any(a >= b for a, b in itertools.pairwise(bounds)):
        raise ValueError(text)
    return bounds


def bucket_labels(bounds, not_due_label, over_label):
    """Column titles: not due, ``1-30``, …, ``> 120``."""
    labels = [not_due_label]
    low = 1
    for bound in bounds:
        labels.append(f"{low}-{bound}")
        low = bound + 1
    labels.append(over_label % bounds[-1])
    return labels


def open_items_query(asof):
    """One row per item open on ``asof.date``: ``id, move_id, company_id,
    partner_id`` (commercial partner, NULL for items without partner),
    ``account_id, currency_id, date, date_maturity, invoice_date,
    residual`` (company currency), ``residual_currency`` (item's currency),
    ``days`` (age on the date from the basis' reference date; positive is
    overdue).

    One scan of the journal items (those not fully reconciled today, and
    those a later partial matched), each item's partials dated on or before
    the date read through the partial indexes (``max_date - date <= 0``
    rather than ``max_date <= date``: an item's partials are found by the
    item, never by scanning every partial up to the date)."""
    partner = SQL()
    if asof.partner_ids:
        partner = SQL(
            "AND aml.partner_id IN "
            "(SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s))",
            list(asof.partner_ids),
        )
    return SQL(
        """
        SELECT aml.id, aml.move_id, aml.company_id, cp.commercial_partner_id AS partner_id,
               aml.account_id, aml.currency_id, aml.date, aml.date_maturity, aml.invoice_date,
               aml.balance - COALESCE(m.amount, 0) AS residual,
               aml.amount_currency - COALESCE(m.amount_currency, 0) AS residual_currency,
               %(date)s::date - %(reference)s AS days
          FROM (SELECT * FROM account_move_line WHERE %(allowed)s) aml
          LEFT JOIN res_partner cp ON cp.id = aml.partner_id
          CROSS JOIN LATERAL (
                SELECT SUM(x.amount) AS amount, SUM(x.amount_currency) AS amount_currency
                  FROM (SELECT p.amount, p.debit_amount_currency AS amount_currency
                          FROM account_partial_reconcile p
                         WHERE p.debit_move_id = aml.id AND p.max_date - %(date)s <= 0
                         UNION ALL
                        SELECT -p.amount, -p.credit_amount_currency
                          FROM account_partial_reconcile p
                         WHERE p.credit_move_id = aml.id AND p.max_date - %(date)s <= 0) x
          ) m
         WHERE aml.account_id = ANY(%(accounts)s) AND aml.company_id = ANY(%(companies)s)
           AND aml.parent_state = 'posted' AND aml.date <= %(date)s %(partner)s
           AND (aml.reconciled IS NOT TRUE
                OR aml.id IN (SELECT p.debit_move_id FROM account_partial_reconcile p
                               WHERE p.max_date > %(date)s
                               UNION ALL
                              SELECT p.credit_move_id FROM account_partial_reconcile p
                               WHERE p.max_date > %(date)s))
           AND (aml.balance - COALESCE(m.amount, 0) != 0
                OR aml.amount_currency - COALESCE(m.amount_currency, 0) != 0)
        """,
        companies=list(asof.company_ids),
        accounts=list(asof.receivable_account_ids),
        date=asof.date,
        reference=asof.reference_date(),
        partner=partner,
        allowed=asof.allowed or SQL("TRUE"),
    )


def bucket_case(bounds_by_company, days=None, company=None):
    """SQL of an item's bucket number: 0 not due (age 0 or less), 1 up to the
    first bound, …, ``len(bounds)`` past the last bound; bounds per company.
    ``days`` and ``company`` are SQL of the item's age and company."""
    days = days or SQL("i.days")
    company = company or SQL("i.company_id")

    def case(bounds):
        whens = SQL(" ").join(
            SQL("WHEN %s <= %s THEN %s", days, bound, index)
            for index, bound in enumerate(bounds, start=1)
        )
        return SQL("CASE WHEN %s <= 0 THEN 0 %s ELSE %s END", days, whens, len(bounds) + 1)

    by_company = SQL(" ").join(
        SQL("WHEN %s THEN %s", company_id, case(bounds))
        for company_id, bounds in bounds_by_company.items()
    )
    return SQL("CASE %s %s END", company, by_company)


def aged_query(asof, bounds_by_company, filters=None):
    """Per company and commercial partner: ``total`` and ``b0`` … ``b7``
    (residual in company currency per bucket, see :func:`bucket_case`),
    ``items`` (count) of the items open on the date. ``filters`` is an SQL
    condition on ``i`` (the item rows)."""
    sums = SQL(", ").join(
        SQL("COALESCE(SUM(i.residual) FILTER (WHERE i.bucket = %s), 0) AS %s", n, SQL(f"b{n}"))
        for n in range(MAX_BOUNDS + 2)
    )
    return SQL(
        """
        SELECT i.company_id, i.partner_id, SUM(i.residual) AS total, COUNT(*)::integer AS items,
               %s
          FROM (SELECT i.*, %s AS bucket FROM (%s) i WHERE %s) i
         GROUP BY i.company_id, i.partner_id
        """,
        sums,
        bucket_case(bounds_by_company),
        open_items_query(asof),
        filters or SQL("TRUE"),
    )


@contextmanager
def planner_settings(cr):
    """Settings for the queries run inside, for the transaction and restored
    after. No JIT compilation: the planner's cost of an as-of query over
    hundreds of thousands of items (an index probe per item) makes
    PostgreSQL compile it, which costs more than running it (2 s for a 2 s
    query in the bench). Memory to sort and group the items per customer
    without spilling to disk."""
    settings = {"jit": "off", "work_mem": "64MB"}
    cr.execute(
        SQL("SELECT %s", SQL(", ").join(SQL("current_setting(%s)", name) for name in settings))
    )
    previous = dict(zip(settings, cr.fetchone(), strict=True))
    for name, value in settings.items():
        cr.execute(SQL("SELECT set_config(%s, %s, true)", name, value))
    try:
        yield
    finally:
        for name, value in previous.items():
            cr.execute(SQL("SELECT set_config(%s, %s, true)", name, value))
