"""13-week cash-in forecast and its backtest, set based.

Vocabulary
----------
*Forecast date D*: the forecast is made on the evening of D with what was
known then: the items open on D (:func:`.receivables.open_items_query`),
the promises, payment plans, disputes and hand-overs recorded on or before
D and not ended on D, the monthly history written up to D. Nothing is
expected on D itself: the earliest expected day is D + 1.

*Weeks*: Monday to Sunday. Week 1 is the week of D + 1 (the current week,
or the next one when D is a Sunday); week 13 the twelfth after it.
*Later*: expected after week 13. *Uncertain*: not expected on any date
(see below).

*Customer delay*: the amount-weighted days late of the customer's invoices
paid over the 12 months ending on D, read from the monthly history
(``credit_receivable_snapshot.paid_days_late / paid_amount``, the
snapshots dated on or before D and after D - 12 months). A customer with
fewer invoices paid in that window than the company's minimum
(``credit_forecast_min_paid``) gets the company's fallback
(``credit_forecast_fallback``): the company-wide weighted delay of the same
window, or none (paid on the due date). Rounded to whole days.

*Amounts* are in company currency; an item in a foreign currency is
valued at D's rate (its open amount in its currency / the rate of D), not
at the rate it was booked at.

Kinds and precedence (an item takes the first that applies)
-----------------------------------------------------------
1. *legal*: every open item of a customer whose open collection case was
   handed over to a lawyer or an agency on or before D (or, today, sits in
   a Legal / Agency stage): bucket uncertain.
2. *disputed*: items of a dispute recorded on or before D and not resolved
   on D: bucket uncertain. A dispute for part of the invoice takes that
   share of each of its items (disputed amount / what its items owe in the
   invoice's currency); the rest is *expected*.
3. *plan*: items of a payment plan running on D: replaced by the plan's
   installments, each expected on its date for what is left of it after
   the payments received on the plan's items up to D (oldest installment
   first), scaled down if the items owe less than that. What the items owe
   beyond the installments is uncertain.
4. *promise*: items of a promise open on D: what is left of the promise
   (its amount less the payments received on its items up to D, shared out
   over its items in proportion) is expected on the promised date; the rest
   of the items is *expected*.
5. *expected*: the due date shifted by the customer delay. Uncertain when
   the item was more than ``credit_forecast_uncertain_days`` overdue on D,
   or was covered by a promise or plan broken on or before D. Credits (an
   unapplied payment, an open credit note) are expected in week 1: they
   lower the next cash received.

A promised date, an installment or a shifted due date before D + 1 is
expected on D + 1 (week 1).

Backtest
--------
:func:`actual_query` gives what was really collected from the items open on
D, per week after it: the reconciliations of those items with payments
(entries of a payment or a bank statement line) dated after D, by the date
of the payment. Credits open on D that settle them later are no new cash
(their reconciliation is not counted, as the forecast nets them); credit
notes, write-offs and refunds paid out are no cash either. Invoices issued
after D are neither forecast nor counted.
"""

from datetime import timedelta

from odoo.tools import SQL

from . import history, receivables

WEEKS = 13
BUCKETS = [f"w{week:02d}" for week in range(1, WEEKS + 1)] + ["later", "uncertain"]
KINDS = ("expected", "promise", "plan", "disputed", "legal")
# Row ids: an item's row (slot 0) and what is left of it (slot 1), a plan's
# installment (slot 2), what a plan's items owe beyond its installments (slot 3).
SLOTS = 8


def first_week(day):
    """Monday of week 1 of a forecast made on ``day``."""
    tomorrow = day + timedelta(days=1)
    return tomorrow - timedelta(days=tomorrow.weekday())


def forecast_query(asof, live=False):
    """One row per forecast amount: ``id, company_id, currency_id,
    partner_id, user_id, team_id, kind, bucket, week_start, date_expected,
    date_maturity, delay_days, delay_basis, move_id, move_line_id,
    item_currency_id, amount_currency, amount, promise_id, plan_id``.
    ``live``: D is today, the case's stage counts as a hand-over."""
    return SQL(
        """
        WITH items AS (%(items)s),
        rates AS (
            SELECT k.company_id, k.currency_id, COALESCE(fx.rate, 1) AS rate
              FROM (SELECT DISTINCT i.company_id, i.currency_id FROM items i
                     UNION SELECT c.id, c.currency_id FROM res_company c
                            WHERE c.id = ANY(%(companies)s)) k
              JOIN res_company c ON c.id = k.company_id
              LEFT JOIN LATERAL (
                    SELECT r.rate FROM res_currency_rate r
                     WHERE r.currency_id = k.currency_id AND r.name <= %(date)s
                       AND (r.company_id IS NULL
                            OR r.company_id = split_part(c.parent_path, '/', 1)::integer)
                     ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1) fx ON TRUE
        ),
        history AS (
            SELECT s.company_id, s.partner_id, SUM(s.paid_count) AS paid_count,
                   SUM(s.paid_amount) AS paid_amount, SUM(s.paid_days_late) AS days_late
              FROM credit_receivable_snapshot s
             WHERE s.company_id = ANY(%(companies)s) AND s.partner_id IS NOT NULL
               AND s.date <= %(date)s AND s.date > %(date)s - interval '12 months'
             GROUP BY s.company_id, s.partner_id
        ),
        company_delay AS (
            SELECT h.company_id, SUM(h.days_late) / NULLIF(SUM(h.paid_amount), 0) AS delay
              FROM history h GROUP BY h.company_id
        ),
        valued AS (
            SELECT i.id, i.move_id, i.company_id, i.partner_id, i.currency_id, i.residual_currency,
                   COALESCE(i.date_maturity, i.date) AS date_maturity,
                   c.currency_id AS company_currency_id, cur.decimal_places AS decimals,
                   CASE WHEN i.currency_id = c.currency_id THEN i.residual
                        ELSE ROUND(i.residual_currency * cr.rate / NULLIF(ir.rate, 0),
                                   cur.decimal_places)
                   END AS amount,
                   CASE WHEN h.paid_count >= c.credit_forecast_min_paid AND h.paid_amount > 0
                        THEN 'own'
                        WHEN c.credit_forecast_fallback = 'company' THEN 'company'
                        ELSE 'none' END AS delay_basis,
                   ROUND(CASE WHEN h.paid_count >= c.credit_forecast_min_paid
                               AND h.paid_amount > 0 THEN h.days_late / h.paid_amount
                              WHEN c.credit_forecast_fallback = 'company'
                              THEN COALESCE(cd.delay, 0)
                              ELSE 0 END)::integer AS delay_days,
                   c.credit_forecast_uncertain_days AS uncertain_days
              FROM items i
              JOIN res_company c ON c.id = i.company_id
              JOIN res_currency cur ON cur.id = c.currency_id
              JOIN rates cr ON cr.company_id = i.company_id AND cr.currency_id = c.currency_id
              JOIN rates ir ON ir.company_id = i.company_id AND ir.currency_id = i.currency_id
              LEFT JOIN history h ON h.company_id = i.company_id AND h.partner_id = i.partner_id
              LEFT JOIN company_delay cd ON cd.company_id = i.company_id
        ),
        %(arrangements)s,
        classified AS (
            SELECT v.*,
                   CASE WHEN lg.company_id IS NOT NULL THEN 'legal'
                        WHEN ds.share IS NOT NULL THEN 'disputed'
                        WHEN pl.plan_id IS NOT NULL THEN 'plan'
                        WHEN pr.promise_id IS NOT NULL THEN 'promise'
                        ELSE 'expected' END AS claim,
                   ds.share AS dispute_share, pl.plan_id, pr.promise_id,
                   pr.date AS promise_date, br.move_line_id IS NOT NULL AS broken
              FROM valued v
              LEFT JOIN legal lg ON lg.company_id = v.company_id AND lg.partner_id = v.partner_id
              LEFT JOIN item_dispute ds ON ds.move_line_id = v.id
              LEFT JOIN item_plan pl ON pl.move_line_id = v.id
              LEFT JOIN item_promise pr ON pr.move_line_id = v.id
              LEFT JOIN broken br ON br.move_line_id = v.id
        ),
        promise_share AS (
            SELECT c.promise_id,
                   LEAST(1, GREATEST(pl.amount - COALESCE(pd.paid, 0), 0)
                            / NULLIF(SUM(c.amount), 0)) AS share
              FROM classified c
              JOIN promise_left pl ON pl.id = c.promise_id
              LEFT JOIN promise_paid pd ON pd.id = c.promise_id
             WHERE c.claim = 'promise'
             GROUP BY c.promise_id, pl.amount, pd.paid
        ),
        item_rows AS (
            -- Legal, disputed, promised parts and expected items (slot 0)
            SELECT c.id * %(slots)s AS row_id, c.*,
                   CASE c.claim WHEN 'legal' THEN c.amount
                                WHEN 'disputed' THEN ROUND(c.amount * c.dispute_share, c.decimals)
                                WHEN 'promise'
                                THEN ROUND(c.amount * COALESCE(ps.share, 0), c.decimals)
                                ELSE c.amount END AS part,
                   CASE c.claim WHEN 'promise' THEN 'promise'
                                WHEN 'disputed' THEN 'disputed'
                                WHEN 'legal' THEN 'legal'
                                ELSE 'expected' END AS kind,
                   CASE WHEN c.claim IN ('legal', 'disputed') THEN NULL
                        WHEN c.claim = 'promise' THEN c.promise_date
                        ELSE c.date_maturity + c.delay_days END AS raw_date
              FROM classified c
              LEFT JOIN promise_share ps ON ps.promise_id = c.promise_id
             WHERE c.claim != 'plan'
             UNION ALL
            -- What is left of a partly disputed or promised item (slot 1)
            SELECT c.id * %(slots)s + 1, c.*,
                   c.amount - CASE c.claim
                                  WHEN 'disputed'
                                  THEN ROUND(c.amount * c.dispute_share, c.decimals)
                                  ELSE ROUND(c.amount * COALESCE(ps.share, 0), c.decimals) END,
                   'expected', c.date_maturity + c.delay_days
              FROM classified c
              LEFT JOIN promise_share ps ON ps.promise_id = c.promise_id
             WHERE c.claim = 'disputed' AND c.dispute_share < 1
                OR c.claim = 'promise' AND COALESCE(ps.share, 0) < 1
        ),
        plan_items AS (
            SELECT c.plan_id, c.company_id, c.partner_id, c.company_currency_id,
                   c.delay_days, c.delay_basis, c.decimals, SUM(c.amount) AS owed
              FROM classified c WHERE c.claim = 'plan'
             GROUP BY c.plan_id, c.company_id, c.partner_id, c.company_currency_id,
                      c.delay_days, c.delay_basis, c.decimals
        ),
        installments AS (
            SELECT i.id, i.plan_id, i.date,
                   LEAST(i.amount, GREATEST(SUM(i.amount) OVER w - COALESCE(pd.paid, 0), 0))
                       AS left_amount
              FROM credit_collection_plan_installment i
              JOIN plan_items p ON p.plan_id = i.plan_id
              LEFT JOIN plan_paid pd ON pd.id = i.plan_id
            WINDOW w AS (PARTITION BY i.plan_id ORDER BY i.date, i.sequence, i.id)
        ),
        plan_totals AS (
            SELECT p.*, COALESCE(SUM(i.left_amount), 0) AS scheduled
              FROM plan_items p LEFT JOIN installments i ON i.plan_id = p.plan_id
             GROUP BY p.plan_id, p.company_id, p.partner_id, p.company_currency_id,
                      p.delay_days, p.delay_basis, p.decimals, p.owed
        ),
        plan_rows AS (
            SELECT i.id * %(slots)s + 2 AS id, p.company_id, p.partner_id, p.company_currency_id,
                   p.plan_id, p.delay_days, p.delay_basis, i.date AS raw_date,
                   ROUND(i.left_amount * LEAST(1, p.owed / NULLIF(p.scheduled, 0)), p.decimals)
                       AS part,
                   FALSE AS uncertain
              FROM installments i JOIN plan_totals p ON p.plan_id = i.plan_id
             WHERE i.left_amount > 0
             UNION ALL
            SELECT p.plan_id * %(slots)s + 3, p.company_id, p.partner_id, p.company_currency_id,
                   p.plan_id, p.delay_days, p.delay_basis, NULL, p.owed - p.scheduled, TRUE
              FROM plan_totals p WHERE p.owed > p.scheduled
        ),
        forecast AS (
            SELECT r.row_id AS id, r.company_id, r.company_currency_id, r.partner_id, r.kind,
                   CASE WHEN r.kind IN ('legal', 'disputed') THEN NULL
                        WHEN r.part < 0 THEN %(tomorrow)s
                        WHEN r.kind = 'expected'
                             AND (r.broken OR %(date)s - r.date_maturity > r.uncertain_days)
                        THEN NULL
                        ELSE GREATEST(r.raw_date, %(tomorrow)s) END AS date_expected,
                   r.date_maturity, r.delay_days, r.delay_basis, r.move_id,
                   r.id AS move_line_id, r.currency_id AS item_currency_id,
                   CASE WHEN r.amount != 0
                        THEN ROUND(r.residual_currency * r.part / r.amount, 6)
                        ELSE r.residual_currency END AS amount_currency,
                   r.part AS amount,
                   CASE WHEN r.kind = 'promise' THEN r.promise_id END AS promise_id,
                   NULL::integer AS plan_id
              FROM item_rows r
             UNION ALL
            SELECT p.id, p.company_id, p.company_currency_id, p.partner_id, 'plan',
                   CASE WHEN NOT p.uncertain THEN GREATEST(p.raw_date, %(tomorrow)s) END,
                   NULL, p.delay_days, p.delay_basis, NULL, NULL, NULL, NULL, p.part, NULL,
                   p.plan_id
              FROM plan_rows p
        ),
        cases AS (%(cases)s)
        SELECT f.id, f.company_id, f.company_currency_id AS currency_id, f.partner_id,
               cs.user_id, cs.team_id, f.kind,
               CASE WHEN f.date_expected IS NULL THEN 'uncertain'
                    WHEN f.date_expected >= %(horizon)s THEN 'later'
                    ELSE 'w' || lpad(((f.date_expected - %(week1)s) / 7 + 1)::text, 2, '0')
               END AS bucket,
               CASE WHEN f.date_expected < %(horizon)s
                    THEN %(week1)s + (f.date_expected - %(week1)s) / 7 * 7 END AS week_start,
               f.date_expected, f.date_maturity, f.delay_days, f.delay_basis, f.move_id,
               f.move_line_id, f.item_currency_id, f.amount_currency, f.amount, f.promise_id,
               f.plan_id
          FROM forecast f
          LEFT JOIN cases cs ON cs.company_id = f.company_id AND cs.partner_id = f.partner_id
         WHERE f.amount != 0
        """,
        items=receivables.open_items_query(asof),
        arrangements=_arrangements(asof, live),
        cases=history.collectors_on(asof.company_ids, asof.date),
        companies=list(asof.company_ids),
        date=asof.date,
        tomorrow=asof.date + timedelta(days=1),
        week1=first_week(asof.date),
        horizon=first_week(asof.date) + timedelta(weeks=WEEKS),
        slots=SLOTS,
    )


def _arrangements(asof, live):
    """CTEs of the promises, plans, disputes and hand-overs in force on D,
    per item (``item_dispute``, ``item_plan``, ``item_promise``,
    ``broken``) or per customer (``legal``), and the payments received on
    promises and plans up to D (``promise_paid``, ``plan_paid``)."""
    return SQL(
        """
        legal AS (
            SELECT DISTINCT c.company_id, c.partner_id
              FROM credit_collection_case c
             WHERE c.company_id = ANY(%(companies)s) AND c.kind = 'partner'
               AND c.date_opened <= %(date)s
               AND (c.date_closed IS NULL OR c.date_closed > %(date)s)
               AND (c.handover_date <= %(date)s OR (%(live)s AND c.stage_type = 'legal'))
        ),
        disputes AS (
            SELECT d.id, d.amount, r.move_line_id
              FROM credit_collection_dispute d
              JOIN credit_collection_dispute_item_rel r ON r.dispute_id = d.id
             WHERE d.company_id = ANY(%(companies)s) AND d.date_recorded <= %(date)s
               AND (d.state = 'open' OR d.date_resolved > %(date)s)
        ),
        dispute_share AS (
            SELECT d.id, CASE WHEN COALESCE(d.amount, 0) <= 0 THEN 1
                              ELSE LEAST(1, d.amount / NULLIF(SUM(i.residual_currency), 0))
                         END AS share
              FROM disputes d JOIN items i ON i.id = d.move_line_id
             GROUP BY d.id, d.amount
        ),
        item_dispute AS (
            SELECT DISTINCT ON (d.move_line_id) d.move_line_id, COALESCE(s.share, 1) AS share
              FROM disputes d LEFT JOIN dispute_share s ON s.id = d.id
             ORDER BY d.move_line_id, d.id DESC
        ),
        plans AS (
            SELECT p.id, p.date_recorded
              FROM credit_collection_plan p
             WHERE p.company_id = ANY(%(companies)s) AND p.date_recorded <= %(date)s
               AND p.state IN ('active', 'kept', 'broken')
               AND (p.state = 'active' OR p.date_decided > %(date)s)
        ),
        item_plan AS (
            SELECT DISTINCT ON (r.move_line_id) r.move_line_id, r.plan_id
              FROM credit_collection_plan_item_rel r JOIN plans p ON p.id = r.plan_id
             ORDER BY r.move_line_id, r.plan_id DESC
        ),
        plan_paid AS (%(plan_paid)s),
        promise_left AS (
            SELECT p.id, p.amount, p.date, p.date_recorded
              FROM credit_collection_promise p
             WHERE p.company_id = ANY(%(companies)s) AND p.date_recorded <= %(date)s
               AND p.state != 'cancelled'
               AND (p.state = 'open' OR p.date_decided > %(date)s)
        ),
        item_promise AS (
            SELECT DISTINCT ON (r.move_line_id) r.move_line_id, p.id AS promise_id, p.date
              FROM credit_collection_promise_item_rel r JOIN promise_left p ON p.id = r.promise_id
             ORDER BY r.move_line_id, p.date_recorded DESC, p.id DESC
        ),
        promise_paid AS (%(promise_paid)s),
        broken AS (
            SELECT r.move_line_id
              FROM credit_collection_promise_item_rel r
              JOIN credit_collection_promise p ON p.id = r.promise_id
             WHERE p.state = 'broken' AND p.date_decided <= %(date)s
               AND p.company_id = ANY(%(companies)s)
             UNION
            SELECT r.move_line_id
              FROM credit_collection_plan_item_rel r
              JOIN credit_collection_plan p ON p.id = r.plan_id
             WHERE p.state = 'broken' AND p.date_decided <= %(date)s
               AND p.company_id = ANY(%(companies)s)
        )
        """,
        companies=list(asof.company_ids),
        date=asof.date,
        live=live,
        plan_paid=_paid_until("plans", "credit_collection_plan_item_rel", "plan_id", asof.date),
        promise_paid=_paid_until(
            "promise_left", "credit_collection_promise_item_rel", "promise_id", asof.date
        ),
    )


def _paid_until(owners, relation, owner_column, date):
    """SQL of ``id, paid``: payments (entries of a payment or a bank
    statement line) matched with the items of each owner (a CTE with ``id``
    and ``date_recorded``) from the day it was recorded up to ``date``, in
    company currency."""
    return SQL(
        """
        SELECT o.id, SUM(partial.amount) AS paid
          FROM %(owners)s o
          JOIN %(relation)s rel ON rel.%(owner_column)s = o.id
          JOIN account_partial_reconcile partial ON partial.debit_move_id = rel.move_line_id
          JOIN account_move_line payment_line ON payment_line.id = partial.credit_move_id
          JOIN account_move payment_move ON payment_move.id = payment_line.move_id
         WHERE (payment_move.origin_payment_id IS NOT NULL
                OR payment_move.statement_line_id IS NOT NULL)
           AND partial.max_date >= o.date_recorded AND partial.max_date <= %(date)s
         GROUP BY o.id
        """,
        owners=SQL.identifier(owners),
        relation=SQL.identifier(relation),
        owner_column=SQL.identifier(owner_column),
        date=date,
    )


def actual_query(asof, weeks, pairs=None):
    """What was collected from the items open on ``asof.date``, per week
    after it (``week`` 1 to ``weeks``, ``amount`` in company currency): see
    the module's docstring. ``pairs``: ``(company ids, partner ids)``
    arrays of the customers to count (0 for items without partner), or
    None for all."""
    week1 = first_week(asof.date)
    customers = SQL("TRUE")
    if pairs is not None:
        customers = SQL(
            "(i.company_id, COALESCE(i.partner_id, 0)) IN "
            "(SELECT * FROM unnest(%s::integer[], %s::integer[]))",
            list(pairs[0]),
            list(pairs[1]),
        )
    return SQL(
        """
        SELECT (p.max_date - %(week1)s) / 7 + 1 AS week, SUM(p.amount) AS amount
          FROM (%(items)s) i
          JOIN account_partial_reconcile p ON p.debit_move_id = i.id
          JOIN account_move_line pl ON pl.id = p.credit_move_id
          JOIN account_move pm ON pm.id = pl.move_id
         WHERE %(customers)s AND pl.date > %(date)s
           AND p.max_date >= %(week1)s AND p.max_date < %(end)s
           AND (pm.origin_payment_id IS NOT NULL OR pm.statement_line_id IS NOT NULL)
         GROUP BY 1
        """,
        items=receivables.open_items_query(asof),
        customers=customers,
        date=asof.date,
        week1=week1,
        end=week1 + timedelta(weeks=weeks),
    )
