"""Monthly receivables history, set based.

Vocabulary
----------
*Snapshot*: one row per company, commercial partner and month (dated the
month's last day, *D*) of ``credit_receivable_snapshot``. Amounts are in the
company's currency as the general ledger holds them on D (the residuals of
:mod:`.receivables`, at the rates booked on or before D).

- *AR*: the items open on D (:func:`.receivables.open_items_query`), split
  into *current* (not due on D) and the company's overdue buckets of the
  aged receivables (``res.company.credit_aging_days``).
- *Disputed*: open on D and in a dispute recorded on or before D and not
  resolved on D. *Promised*: promises recorded on or before D and not yet
  decided on D.
- *Credit sales*: posted customer invoices minus refunds, tax included,
  accounting date in the month (``amount_total_signed``); the credit notes
  that write an invoice off are write-offs, not refunds. *Invoiced*: the
  invoices alone; *sold on terms*: the invoices due after their invoice date.
- *Cash collected*: receivable items of entries in bank, cash and credit
  card journals dated in the month (sign turned: a refund paid out lowers
  it). *Written off*: receivable items of the write-off entries of
  collection cases dated in the month.
- *Invoices paid*: customer invoices whose receivable items became fully
  matched in the month (the last partial, by its ``max_date``, in the month;
  the matched total equal to the invoice's); weighted by their amount, the
  days from invoice date and from due date to that last partial.
- *Risk class and collector of the month*: the partner's risk class in the
  company and the collector and team of its collection case open on D. No
  history of either exists before the first snapshot: a month rebuilt keeps
  those its row recorded, a month written for the first time takes the
  class of the day it is written.

Writing a month deletes the company's rows of that month and inserts them
again in one statement, so rebuilding a month gives the same rows.
"""

import calendar
from datetime import date as Date

from dateutil.relativedelta import relativedelta

from odoo.tools import SQL

from . import receivables

# Overdue bucket columns of a snapshot (amount_1 ... amount_7).
OVERDUE_BUCKETS = range(1, receivables.MAX_BOUNDS + 2)


def month_end(day):
    return Date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def months(first, last):
    """Month ends from the month of ``first`` to the month of ``last``."""
    current = month_end(first)
    result = []
    while current <= last:
        result.append(current)
        current = month_end(current + relativedelta(days=1))
    return result


def first_item_date(env, company_ids):
    """Date of the earliest posted receivable item of the companies, or None."""
    rows = env.execute_query(
        SQL(
            """SELECT MIN(aml.date) FROM account_move_line aml
                JOIN account_account a ON a.id = aml.account_id
               WHERE a.account_type = 'asset_receivable' AND aml.parent_state = 'posted'
                 AND aml.company_id = ANY(%s)""",
            list(company_ids),
        )
    )
    return rows[0][0]


def write_month(companies, day):
    """Writes (or rewrites) the snapshots of ``companies`` for the month of
    ``day``; returns the number of rows written."""
    env = companies.env
    end = month_end(day)
    start = end.replace(day=1)
    asof = receivables.as_of(companies, end)
    bounds = companies._credit_aging_bounds()
    query = _insert_query(asof, bounds, start, env.uid)
    with receivables.planner_settings(env.cr):
        env.cr.execute(query)
        return env.cr.rowcount


def collectors_on(company_ids, day):
    """SQL of ``company_id, partner_id, user_id, team_id``: the collector and
    team of each customer's collection case open on ``day`` (the customer's
    own case before a case of one of its invoices, then the latest opened);
    the receivables history and the cash-in forecast name them so."""
    return SQL(
        """
        SELECT DISTINCT ON (c.company_id, c.partner_id)
               c.company_id, c.partner_id, c.user_id, c.team_id
          FROM credit_collection_case c
         WHERE c.company_id = ANY(%(companies)s) AND c.date_opened <= %(day)s
           AND (c.date_closed IS NULL OR c.date_closed > %(day)s)
         ORDER BY c.company_id, c.partner_id, c.kind = 'partner' DESC, c.date_opened DESC,
                  c.id DESC
        """,
        companies=list(company_ids),
        day=day,
    )


def _insert_query(asof, bounds, start, asof_uid):
    buckets = SQL(", ").join(
        SQL("COALESCE(SUM(i.residual) FILTER (WHERE i.bucket = %s), 0) AS %s", n, SQL(f"b{n}"))
        for n in OVERDUE_BUCKETS
    )
    bucket_columns = SQL(", ").join(SQL.identifier(f"amount_{n}") for n in OVERDUE_BUCKETS)
    bucket_values = SQL(", ").join(SQL(f"COALESCE(ar.b{n}, 0)") for n in OVERDUE_BUCKETS)
    params = {
        "companies": list(asof.company_ids),
        "accounts": list(asof.receivable_account_ids),
        "start": start,
        "end": asof.date,
    }
    return SQL(
        """
        WITH deleted AS (
            DELETE FROM credit_receivable_snapshot
             WHERE company_id = ANY(%(companies)s) AND date = %(end)s
         RETURNING id, company_id, partner_id, risk_class_id, user_id, team_id
        ),
        old AS (
            -- One per customer, even after a partner merge moved another's rows to it.
            SELECT DISTINCT ON (company_id, partner_id) *
              FROM deleted ORDER BY company_id, partner_id, id
        ),
        items AS (
            SELECT i.*, %(bucket)s AS bucket FROM (%(open_items)s) i
        ),
        ar AS (
            SELECT i.company_id, i.partner_id, SUM(i.residual) AS total,
                   COALESCE(SUM(i.residual) FILTER (WHERE i.bucket = 0), 0) AS cur,
                   COALESCE(SUM(i.residual * i.days) FILTER (WHERE i.bucket > 0), 0) AS days_due,
                   %(buckets)s
              FROM items i GROUP BY i.company_id, i.partner_id
        ),
        disputed AS (
            SELECT i.company_id, i.partner_id, SUM(i.residual) AS amount
              FROM items i
             WHERE i.id IN (SELECT r.move_line_id FROM credit_collection_dispute_item_rel r
                              JOIN credit_collection_dispute d ON d.id = r.dispute_id
                             WHERE d.date_recorded <= %(end)s
                               AND (d.state = 'open' OR d.date_resolved > %(end)s))
             GROUP BY i.company_id, i.partner_id
        ),
        promised AS (
            SELECT p.company_id, p.partner_id, SUM(p.amount) AS amount
              FROM credit_collection_promise p
             WHERE p.company_id = ANY(%(companies)s) AND p.date_recorded <= %(end)s
               AND p.state != 'cancelled'
               AND (p.state = 'open' OR p.date_decided > %(end)s)
             GROUP BY p.company_id, p.partner_id
        ),
        sales AS (
            SELECT m.company_id, m.commercial_partner_id AS partner_id,
                   SUM(m.amount_total_signed) AS credit_sales,
                   COALESCE(SUM(m.amount_total_signed)
                            FILTER (WHERE m.move_type = 'out_invoice'), 0) AS invoiced,
                   COALESCE(SUM(m.amount_total_signed)
                            FILTER (WHERE m.move_type = 'out_invoice'
                                      AND m.invoice_date_due > m.invoice_date), 0) AS term_sales
              FROM account_move m
             WHERE m.company_id = ANY(%(companies)s) AND m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND m.credit_writeoff_case_id IS NULL
               AND m.date BETWEEN %(start)s AND %(end)s
             GROUP BY m.company_id, m.commercial_partner_id
        ),
        moves AS (
            SELECT aml.company_id, cp.commercial_partner_id AS partner_id,
                   -COALESCE(SUM(aml.balance)
                             FILTER (WHERE j.type IN ('bank', 'cash', 'credit')), 0) AS cash,
                   -COALESCE(SUM(aml.balance)
                             FILTER (WHERE m.credit_writeoff_case_id IS NOT NULL), 0) AS written_off
              FROM account_move_line aml
              JOIN account_move m ON m.id = aml.move_id
              JOIN account_journal j ON j.id = aml.journal_id
              LEFT JOIN res_partner cp ON cp.id = aml.partner_id
             WHERE aml.company_id = ANY(%(companies)s) AND aml.account_id = ANY(%(accounts)s)
               AND aml.parent_state = 'posted' AND aml.date BETWEEN %(start)s AND %(end)s
               AND (j.type IN ('bank', 'cash', 'credit') OR m.credit_writeoff_case_id IS NOT NULL)
             GROUP BY aml.company_id, cp.commercial_partner_id
        ),
        touched AS (
            SELECT DISTINCT aml.move_id
              FROM account_partial_reconcile p
              JOIN account_move_line aml ON aml.id = p.debit_move_id
             WHERE p.max_date BETWEEN %(start)s AND %(end)s
               AND aml.company_id = ANY(%(companies)s) AND aml.account_id = ANY(%(accounts)s)
        ),
        invoices AS (
            SELECT m.company_id, m.commercial_partner_id AS partner_id, m.invoice_date,
                   m.invoice_date_due, SUM(aml.balance) AS total,
                   SUM(x.matched) AS matched, MAX(x.last_date) AS paid_date
              FROM touched t
              JOIN account_move m ON m.id = t.move_id
              JOIN account_move_line aml
                ON aml.move_id = m.id AND aml.account_id = ANY(%(accounts)s)
              CROSS JOIN LATERAL (
                    SELECT COALESCE(SUM(p.amount), 0) AS matched, MAX(p.max_date) AS last_date
                      FROM account_partial_reconcile p
                     WHERE p.debit_move_id = aml.id AND p.max_date <= %(end)s) x
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
             GROUP BY m.id
        ),
        paid AS (
            SELECT v.company_id, v.partner_id, COUNT(*) AS paid_count, SUM(v.total) AS paid_amount,
                   SUM(v.total * (v.paid_date - v.invoice_date)) AS paid_days_to_pay,
                   SUM(v.total * GREATEST(v.paid_date - v.invoice_date_due, 0)) AS paid_days_late
              FROM invoices v
             WHERE v.total > 0 AND v.matched >= v.total AND v.paid_date >= %(start)s
             GROUP BY v.company_id, v.partner_id
        ),
        keys AS (
            SELECT company_id, partner_id FROM ar
             UNION SELECT company_id, partner_id FROM promised
             UNION SELECT company_id, partner_id FROM sales
             UNION SELECT company_id, partner_id FROM moves
             UNION SELECT company_id, partner_id FROM paid
        ),
        cases AS (%(cases)s)
        INSERT INTO credit_receivable_snapshot (
            company_id, partner_id, date, days, risk_class_id, user_id, team_id,
            ar_total, ar_current, ar_overdue, overdue_days_amount, %(bucket_columns)s,
            disputed, promised, credit_sales, invoiced, term_sales, cash_collected,
            written_off, paid_count, paid_amount, paid_days_to_pay, paid_days_late,
            create_uid, create_date, write_uid, write_date)
        SELECT k.company_id, k.partner_id, %(end)s, %(days)s,
               CASE WHEN o.company_id IS NOT NULL THEN o.risk_class_id
                    ELSE (SELECT rc.id FROM credit_risk_class rc
                           WHERE rc.id = (rp.credit_risk_class_id ->> k.company_id::text)::integer)
               END,
               CASE WHEN o.company_id IS NOT NULL THEN o.user_id ELSE cs.user_id END,
               CASE WHEN o.company_id IS NOT NULL THEN o.team_id ELSE cs.team_id END,
               COALESCE(ar.total, 0), COALESCE(ar.cur, 0),
               COALESCE(ar.total, 0) - COALESCE(ar.cur, 0), COALESCE(ar.days_due, 0),
               %(bucket_values)s,
               COALESCE(d.amount, 0), COALESCE(pr.amount, 0), COALESCE(s.credit_sales, 0),
               COALESCE(s.invoiced, 0), COALESCE(s.term_sales, 0), COALESCE(mv.cash, 0),
               COALESCE(mv.written_off, 0), COALESCE(pd.paid_count, 0),
               COALESCE(pd.paid_amount, 0), COALESCE(pd.paid_days_to_pay, 0),
               COALESCE(pd.paid_days_late, 0),
               %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
          FROM keys k
          LEFT JOIN res_partner rp ON rp.id = k.partner_id
          LEFT JOIN old o ON o.company_id = k.company_id
                         AND o.partner_id IS NOT DISTINCT FROM k.partner_id
          LEFT JOIN cases cs ON cs.company_id = k.company_id AND cs.partner_id = k.partner_id
          LEFT JOIN ar ON ar.company_id = k.company_id
                                 AND ar.partner_id IS NOT DISTINCT FROM k.partner_id
          LEFT JOIN disputed d ON d.company_id = k.company_id
                              AND d.partner_id IS NOT DISTINCT FROM k.partner_id
          LEFT JOIN promised pr ON pr.company_id = k.company_id AND pr.partner_id = k.partner_id
          LEFT JOIN sales s ON s.company_id = k.company_id AND s.partner_id = k.partner_id
          LEFT JOIN moves mv ON mv.company_id = k.company_id
                            AND mv.partner_id IS NOT DISTINCT FROM k.partner_id
          LEFT JOIN paid pd ON pd.company_id = k.company_id AND pd.partner_id = k.partner_id
        """,
        bucket=receivables.bucket_case(bounds),
        open_items=receivables.open_items_query(asof),
        cases=collectors_on(asof.company_ids, asof.date),
        buckets=buckets,
        bucket_columns=bucket_columns,
        bucket_values=bucket_values,
        days=asof.date.day,
        uid=asof_uid,
        **params,
    )
