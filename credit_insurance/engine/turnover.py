"""Turnover to declare to a credit insurer, per buyer country, in one query.

Vocabulary: a *period* is the declaration period of a policy (month,
quarter, half year or year, counted from the month the policy starts); the
*turnover* of a period is what the policy's company invoiced to customers in
the period (by invoice date), less the credit notes of the period: posted
customer invoices and credit notes only, intra-group sales (customers that
are companies of the database) left out, as insurers do not cover them.

Which customers count (the policy's ``declaration_scope``):

* ``countries``: every customer in the policy's countries (every country
  when the policy names none): the whole insurable turnover, what most
  whole-turnover policies ask and what the premium is computed on;
* ``buyers``: only customers the insurer covered under this policy on the
  invoice date (the decision in force on that date approved, partly
  approved or reduced the cover and had not expired: engine/decisions.py).

Amounts are tax included by default (``declaration_tax_included``): insurers
ask for the invoiced turnover, VAT included, on domestic sales; exports carry
no VAT anyway. They are in the policy's currency: an invoice in that currency
counts for its own amount; any other counts for its company-currency amount
as booked, converted at the rate of the invoice date by Odoo's rate rules
(``credit_management_ratio``), rounded per invoice.
"""

from datetime import date

from dateutil.relativedelta import relativedelta

from odoo.tools import SQL

from . import decisions

MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


def period_of(day, periodicity, anchor_month=1):
    """``(start, end)`` of the period of ``periodicity`` containing ``day``;
    periods start in ``anchor_month`` (the policy's first month)."""
    months = MONTHS[periodicity]
    offset = (day.month - anchor_month) % months
    start = date(day.year, day.month, 1) - relativedelta(months=offset)
    return start, start + relativedelta(months=months, days=-1)


def periods_ended(first_day, today, periodicity, anchor_month=1, last_day=None):
    """The periods from the one containing ``first_day`` that ended before
    ``today`` (and started by ``last_day`` when given), oldest first."""
    start, end = period_of(first_day, periodicity, anchor_month)
    periods = []
    while end < today and (not last_day or start <= last_day):
        periods.append((start, end))
        start, end = period_of(end + relativedelta(days=1), periodicity, anchor_month)
    return periods


def turnover_query(policy, date_start, date_end, *, tax_included, scope, country_ids):
    """SQL of ``country_id, invoice_count, credit_note_count, invoiced,
    credited`` for ``policy`` (a record) over the period, one row per buyer
    country with turnover (NULL country: customers without one, only when
    the policy names no country)."""
    currency = policy.currency_id
    own = SQL("m.amount_total") if tax_included else SQL("m.amount_untaxed")
    booked = (
        SQL("ABS(m.amount_total_signed)") if tax_included else SQL("ABS(m.amount_untaxed_signed)")
    )
    amount = SQL(
        """CASE WHEN m.currency_id = %(currency)s THEN %(own)s
                ELSE ROUND(%(booked)s / credit_management_ratio(%(currency)s, m.company_id,
                                                                 m.invoice_date), %(digits)s)
           END""",
        currency=currency.id,
        own=own,
        booked=booked,
        digits=currency.decimal_places,
    )
    filters = [SQL("TRUE")]
    if country_ids:
        filters.append(SQL("p.country_id = ANY(%s)", list(country_ids)))
    if scope == "buyers":
        filters.append(_insured_on_invoice_date(policy))
    return SQL(
        """
        WITH moves AS (
            SELECT p.country_id, m.move_type, %(amount)s AS amount
              FROM account_move m
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE m.company_id = %(company)s
               AND m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND m.invoice_date BETWEEN %(start)s AND %(end)s
               AND NOT EXISTS (SELECT 1 FROM res_company rc WHERE rc.partner_id = p.id)
               AND %(filters)s
        )
        SELECT country_id,
               COUNT(*) FILTER (WHERE move_type = 'out_invoice'),
               COUNT(*) FILTER (WHERE move_type = 'out_refund'),
               COALESCE(SUM(amount) FILTER (WHERE move_type = 'out_invoice'), 0),
               COALESCE(SUM(amount) FILTER (WHERE move_type = 'out_refund'), 0)
          FROM moves
         GROUP BY country_id
         ORDER BY country_id
        """,
        amount=amount,
        company=policy.company_id.id,
        start=date_start,
        end=date_end,
        filters=SQL(" AND ").join(filters),
    )


def _insured_on_invoice_date(policy):
    """The customer had a cover of ``policy`` in force on the invoice date
    (engine/decisions.py: the decision in force then covered and had not
    expired)."""
    return SQL(
        """EXISTS (
            SELECT 1 FROM credit_insurance_cover c
             WHERE c.policy_id = %(policy)s AND c.partner_id = p.id
               AND %(covered)s)""",
        policy=policy.id,
        covered=decisions.in_force(SQL("m.invoice_date"), decisions.COVERING),
    )
