"""Risk score from the company's own payment history, set-based.

One INSERT ... SELECT computes every factor for every commercial partner of
a company (or a given few) over the last 12 months and upserts one row per
partner in ``credit_risk_score``. The score goes from 0 (worst) to 100 (best):

============================  ======  ==========================================
factor                        points  full points when ... none when ...
============================  ======  ==========================================
weighted days late             30     paid on time ... 60 days late or more,
                                      weighted by amount (open items count
                                      their days late so far)
share of invoices paid late    20     none late ... all late
overdue ratio                  20     nothing overdue ... all open items overdue
utilisation of the limit       10     nothing used (or no limit) ... 100 %
returned payments              10     none ... 2 or more in 12 months
highest dunning level          10     never reminded of a late item ... the
                                      last level of its policy (reminders sent,
                                      relative to the policy's overdue levels)
============================  ======  ==========================================

With an external rating (0-100), the score is 70 % internal, 30 % external.
"""

from datetime import timedelta

from odoo.tools import SQL

WINDOW_DAYS = 365


def history_query(company, scope, today):
    """Per commercial partner: weighted days late, paid/late counts, open and
    overdue amounts of its customer invoices of the window."""
    return SQL(
        """
        SELECT partner_id,
               SUM(amount * GREATEST(
                   CASE WHEN residual = 0 THEN paid_date ELSE %(today)s END - due, 0))
                   / NULLIF(SUM(amount), 0) AS weighted_days_late,
               COUNT(*) FILTER (WHERE residual = 0) AS paid_count,
               COUNT(*) FILTER (WHERE residual = 0 AND paid_date > due) AS paid_late_count,
               COALESCE(SUM(residual) FILTER (WHERE residual > 0), 0) AS open_amount,
               COALESCE(SUM(residual) FILTER (WHERE residual > 0 AND due < %(today)s), 0)
                   AS overdue_amount
          FROM (
            SELECT partner.commercial_partner_id AS partner_id, aml.balance AS amount,
                   aml.amount_residual AS residual,
                   COALESCE(aml.date_maturity, aml.date) AS due,
                   (SELECT MAX(apr.max_date) FROM account_partial_reconcile apr
                     WHERE apr.debit_move_id = aml.id) AS paid_date
              FROM account_move_line aml
              JOIN account_account account ON account.id = aml.account_id
              JOIN account_move move ON move.id = aml.move_id
              JOIN res_partner partner ON partner.id = aml.partner_id
             WHERE account.account_type = 'asset_receivable'
               AND move.move_type = 'out_invoice'
               AND aml.parent_state = 'posted'
               AND aml.balance > 0
               AND aml.company_id = %(company)s
               AND (aml.date >= %(since)s OR aml.amount_residual > 0)
               AND %(partner)s
          ) items
         GROUP BY partner_id
        """,
        today=today,
        since=today - timedelta(days=WINDOW_DAYS),
        company=company.id,
        partner=scope.partner_filter(SQL("partner.commercial_partner_id")),
    )


def returned_payments_query(company, scope, today):
    """Customer payments reversed (returned by the bank) in the window."""
    return SQL(
        """
        SELECT origin.commercial_partner_id AS partner_id, COUNT(*) AS returned
          FROM account_move reversal
          JOIN account_move origin ON origin.id = reversal.reversed_entry_id
          JOIN account_payment payment ON payment.id = origin.origin_payment_id
         WHERE payment.payment_type = 'inbound'
           AND reversal.state = 'posted'
           AND reversal.company_id = %(company)s
           AND reversal.date >= %(since)s
           AND %(partner)s
         GROUP BY origin.commercial_partner_id
        """,
        company=company.id,
        since=today - timedelta(days=WINDOW_DAYS),
        partner=scope.partner_filter(SQL("origin.commercial_partner_id")),
    )


def dunning_query(company, scope, today):
    """Per commercial partner: the highest dunning level of the reminders
    sent to it in the window, as its position among the overdue levels of
    its policy (pre-due reminders are not dunning) and as a share of them
    (``level``, ``ratio``). Blocked, failed and previewed reminders never
    reached the customer and do not count."""
    return SQL(
        """
        WITH positions AS (
            SELECT l.id,
                   COUNT(*) FILTER (WHERE l.days > 0)
                       OVER (PARTITION BY l.policy_id ORDER BY l.sequence, l.id) AS position,
                   COUNT(*) FILTER (WHERE l.days > 0) OVER (PARTITION BY l.policy_id) AS levels
              FROM credit_dunning_level l
              JOIN credit_dunning_policy pol ON pol.id = l.policy_id
             WHERE pol.company_id = %(company)s
        )
        SELECT comm.partner_id, MAX(pos.position) AS level,
               MAX(pos.position::numeric / pos.levels) AS ratio
          FROM credit_dunning_communication comm
          JOIN credit_dunning_level level ON level.id = comm.level_id
          JOIN positions pos ON pos.id = comm.level_id
         WHERE comm.company_id = %(company)s AND comm.state = 'sent'
           AND comm.date > %(since)s AND comm.date <= %(today)s
           AND level.days > 0
           AND %(partner)s
         GROUP BY comm.partner_id
        """,
        company=company.id,
        since=today - timedelta(days=WINDOW_DAYS),
        today=today,
        partner=scope.partner_filter(SQL("comm.partner_id")),
    )


def upsert_query(company, scope, today, status_sql, dunning_sql):
    """Computes and stores the scores of the scope's partners in one statement.

    ``status_sql`` is the credit status query (limit and exposure) of the
    scope; ``dunning_sql`` returns ``partner_id, level, ratio`` (highest
    dunning level of the window, see :func:`dunning_query`) or is None.
    """
    dunning = dunning_sql or SQL(
        "SELECT NULL::integer AS partner_id, 0 AS level, 0::numeric AS ratio WHERE FALSE"
    )
    return SQL(
        """
        WITH history AS (%(history)s),
             returned AS (%(returned)s),
             dunning AS (%(dunning)s),
             status AS (%(status)s),
             factors AS (
                SELECT p.id AS partner_id,
                       COALESCE(h.weighted_days_late, 0) AS weighted_days_late,
                       CASE WHEN h.paid_count > 0
                            THEN 100.0 * h.paid_late_count / h.paid_count ELSE 0 END AS late_share,
                       CASE WHEN h.open_amount > 0
                            THEN 100.0 * h.overdue_amount / h.open_amount ELSE 0 END
                            AS overdue_ratio,
                       CASE WHEN s.credit_limit > 0
                            THEN 100.0 * GREATEST(s.exposure, 0) / s.credit_limit
                            -- No credit allowed (a cap of zero): anything owed uses it all.
                            WHEN s.limited AND s.exposure > 0 THEN 100 ELSE 0 END
                            AS utilisation,
                       COALESCE(r.returned, 0) AS returned_payments,
                       COALESCE(d.level, 0) AS dunning_level,
                       COALESCE(d.ratio, 0) AS dunning_ratio,
                       p.credit_external_rating::numeric AS external_rating,
                       h.partner_id IS NULL AS no_history
                  FROM res_partner p
                  LEFT JOIN history h ON h.partner_id = p.id
                  LEFT JOIN returned r ON r.partner_id = p.id
                  LEFT JOIN dunning d ON d.partner_id = p.id
                  LEFT JOIN status s ON s.partner_id = p.id
                 WHERE p.id = p.commercial_partner_id AND p.active
                   AND (h.partner_id IS NOT NULL OR s.partner_id IS NOT NULL
                        OR p.credit_external_rating > 0)
                   AND %(partner)s
             ),
             points AS (
                SELECT f.*,
                       30 * GREATEST(1 - f.weighted_days_late / 60.0, 0) AS days_late_points,
                       20 * (1 - f.late_share / 100.0) AS late_share_points,
                       20 * (1 - f.overdue_ratio / 100.0) AS overdue_points,
                       10 * (1 - LEAST(f.utilisation, 100) / 100.0) AS utilisation_points,
                       GREATEST(10 - 5 * f.returned_payments, 0) AS returned_points,
                       ROUND(10 * (1 - LEAST(f.dunning_ratio, 1)), 2) AS dunning_points
                  FROM factors f
             ),
             scored AS (
                SELECT p.*,
                       p.days_late_points + p.late_share_points + p.overdue_points
                         + p.utilisation_points + p.returned_points + p.dunning_points
                         AS internal_score
                  FROM points p
             )
        INSERT INTO credit_risk_score (
            partner_id, company_id, date, weighted_days_late, late_share, overdue_ratio,
            utilisation, returned_payments, dunning_level, external_rating, no_history,
            days_late_points, late_share_points, overdue_points, utilisation_points,
            returned_points, dunning_points, internal_score, score, suggested_class_id)
        SELECT s.partner_id, %(company)s, %(today)s, ROUND(s.weighted_days_late, 2),
               ROUND(s.late_share, 2), ROUND(s.overdue_ratio, 2), ROUND(s.utilisation, 2),
               s.returned_payments, s.dunning_level, s.external_rating, s.no_history,
               ROUND(s.days_late_points, 2), ROUND(s.late_share_points, 2),
               ROUND(s.overdue_points, 2), ROUND(s.utilisation_points, 2),
               s.returned_points, s.dunning_points, ROUND(s.internal_score, 2),
               ROUND(CASE WHEN s.external_rating > 0
                          THEN 0.7 * s.internal_score + 0.3 * s.external_rating
                          ELSE s.internal_score END, 2),
               (SELECT rc.id FROM credit_risk_class rc
                 WHERE rc.active AND (rc.company_id IS NULL OR rc.company_id = %(company)s)
                   AND rc.min_score <= CASE WHEN s.external_rating > 0
                          THEN 0.7 * s.internal_score + 0.3 * s.external_rating
                          ELSE s.internal_score END
                 ORDER BY rc.min_score DESC, rc.sequence LIMIT 1)
          FROM scored s
        ON CONFLICT (partner_id, company_id) DO UPDATE SET
            date = EXCLUDED.date,
            weighted_days_late = EXCLUDED.weighted_days_late,
            late_share = EXCLUDED.late_share,
            overdue_ratio = EXCLUDED.overdue_ratio,
            utilisation = EXCLUDED.utilisation,
            returned_payments = EXCLUDED.returned_payments,
            dunning_level = EXCLUDED.dunning_level,
            external_rating = EXCLUDED.external_rating,
            no_history = EXCLUDED.no_history,
            days_late_points = EXCLUDED.days_late_points,
            late_share_points = EXCLUDED.late_share_points,
            overdue_points = EXCLUDED.overdue_points,
            utilisation_points = EXCLUDED.utilisation_points,
            returned_points = EXCLUDED.returned_points,
            dunning_points = EXCLUDED.dunning_points,
            internal_score = EXCLUDED.internal_score,
            score = EXCLUDED.score,
            suggested_class_id = EXCLUDED.suggested_class_id
        """,
        history=history_query(company, scope, today),
        returned=returned_payments_query(company, scope, today),
        dunning=dunning,
        status=status_sql,
        partner=scope.partner_filter(SQL("p.id")),
        company=company.id,
        today=today,
    )
