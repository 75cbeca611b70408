"""Overdue insured items and their notification deadlines, set-based.

Vocabulary: an *item* is an open posted receivable journal item (one per
installment); it is *insured* under a policy when its customer is a buyer
of the policy's insurer with a cover in force under the policy (approved,
partly approved, reduced) or, without any cover decision and never refused
or withdrawn, when the policy has a discretionary limit; the policy's
countries and period, and the covers' decisions, apply on the item's
*delivery date*, its invoice date (else its accounting date), as claims
count it (``credit.insurance.claim._cover_limit``): the decision in force
then is the latest one of the cover's history effective on that day
(engine/decisions.py), so a delivery made under a cover stays insured
after a later reduction or withdrawal, and a cover expired by then decides
nothing.

The *insured due date* is the item's due date, or the new due date of an
extension the insurer accepted. The insurers count their deadlines so:

* end of the maximum extension period (MEP) = original due date + MEP: an
  extension moves the insured due date within the MEP, never the MEP;
* notification deadline, when the policy counts the period from the end
  of the MEP (``overdue_deadline_basis = 'mep'``, Atradius: "at the latest
  30 days after the MEP") = end of the MEP + notification period, an
  extension or not; when it counts from the default (``'due'``, Allianz
  Trade: "within 15 days of default") = insured due date + notification
  period, since an item the insurer let the buyer pay later is in default
  only once the new due date has passed.

:func:`insert_query` lists the overdue insured items not yet in the
worklist (``credit_insurance_overdue``); :func:`update_query` recomputes
amounts, dates and states of worklist rows from the journal items, the
policy and the notices in one statement. States: settled (nothing left to
pay), rescheduled / notified (a rescheduling accepted, a default reported),
late (deadline passed without a default notified: the cover is at risk,
even under an extension), extended (an accepted extension not yet due),
to_notify.
"""

from odoo.tools import SQL

from .decisions import BLOCKING, COVERING, in_force

DELIVERY_DATE = SQL("COALESCE(mv.invoice_date, aml.date)")


def insert_query(company_ids, today, uid, countries):
    """INSERT of the overdue insured items missing from the worklist.
    ``countries`` is (table, policy column, country column) of the
    policy's countries."""
    table, policy_col, country_col = countries
    return SQL(
        """
        INSERT INTO credit_insurance_overdue
               (policy_id, backend_id, company_id, buyer_id, partner_id, move_line_id, move_id,
                currency_id, date_maturity, date_due, state,
                create_uid, create_date, write_uid, write_date)
        SELECT pol.id, pol.backend_id, pol.company_id, b.id, b.partner_id, aml.id, aml.move_id,
               aml.currency_id, aml.date_maturity, aml.date_maturity, 'to_notify',
               %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
          FROM credit_insurance_policy pol
          JOIN credit_insurance_buyer b ON b.backend_id = pol.backend_id
          JOIN res_partner debtor ON debtor.id = b.partner_id
          JOIN res_partner contact ON contact.commercial_partner_id = b.partner_id
          JOIN account_move_line aml ON aml.partner_id = contact.id
                                    AND aml.company_id = pol.company_id
          JOIN account_account acc ON acc.id = aml.account_id
          JOIN account_move mv ON mv.id = aml.move_id
         WHERE pol.active AND pol.company_id = ANY(%(companies)s)
           AND acc.account_type = 'asset_receivable'
           AND aml.parent_state = 'posted'
           AND aml.reconciled IS NOT TRUE
           AND aml.amount_residual > 0
           AND aml.date_maturity < %(today)s
           AND (pol.date_start IS NULL OR %(delivery)s >= pol.date_start)
           AND (pol.date_end IS NULL OR %(delivery)s <= pol.date_end)
           AND (NOT EXISTS (SELECT 1 FROM %(table)s pc WHERE pc.%(policy_col)s = pol.id)
                OR debtor.country_id IN (SELECT pc.%(country_col)s FROM %(table)s pc
                                          WHERE pc.%(policy_col)s = pol.id))
           AND (EXISTS (SELECT 1 FROM credit_insurance_cover c
                         WHERE c.policy_id = pol.id AND c.buyer_id = b.id AND %(covered)s)
                OR (pol.discretionary_limit > 0
                    AND NOT EXISTS (SELECT 1 FROM credit_insurance_cover c
                                     WHERE c.buyer_id = b.id AND %(decided)s)))
        ON CONFLICT (policy_id, move_line_id) DO NOTHING
        """,
        uid=uid,
        companies=list(company_ids),
        today=today,
        table=SQL.identifier(table),
        policy_col=SQL.identifier(policy_col),
        country_col=SQL.identifier(country_col),
        delivery=DELIVERY_DATE,
        covered=in_force(DELIVERY_DATE, COVERING),
        decided=in_force(DELIVERY_DATE, COVERING + BLOCKING),
    )


def update_query(company_ids, today, uid, row_ids=None):
    """UPDATE of the worklist rows (of ``row_ids`` only, if given) whose
    figures changed; settled rows are read again only when their item is
    open again (a payment unreconciled). Returns the ids changed."""
    rows = SQL("o.id = ANY(%s)", list(row_ids)) if row_ids is not None else SQL("TRUE")
    return SQL(
        """
        WITH notice AS (
            SELECT DISTINCT ON (n.overdue_id) n.overdue_id, n.kind, n.new_due_date
              FROM credit_insurance_overdue_notice n
             WHERE n.company_id = ANY(%(companies)s)
               AND (n.state = 'accepted' OR (n.kind = 'default' AND n.state = 'sent'))
             ORDER BY n.overdue_id, n.sent_date DESC NULLS LAST, n.id DESC
        ),
        base AS (
            SELECT o.id, aml.amount_residual, aml.amount_residual_currency, aml.date_maturity,
                   aml.reconciled, nt.kind,
                   CASE WHEN nt.kind = 'extension' AND nt.new_due_date > aml.date_maturity
                        THEN nt.new_due_date ELSE aml.date_maturity END AS date_due,
                   pol.max_extension_days AS mep, pol.overdue_notice_days AS notice_days,
                   pol.overdue_deadline_basis AS basis
              FROM credit_insurance_overdue o
              JOIN account_move_line aml ON aml.id = o.move_line_id
              JOIN credit_insurance_policy pol ON pol.id = o.policy_id
              LEFT JOIN notice nt ON nt.overdue_id = o.id
             WHERE o.company_id = ANY(%(companies)s) AND %(rows)s
               AND (o.state != 'settled' OR (aml.reconciled IS NOT TRUE
                                             AND aml.amount_residual > 0))
        ),
        dated AS (
            -- The MEP runs from the original due date, an extension or not.
            SELECT b.*, b.date_maturity + b.mep AS date_mep,
                   CASE WHEN b.basis = 'mep' THEN b.date_maturity + b.mep + b.notice_days
                        ELSE b.date_due + b.notice_days END AS deadline
              FROM base b
        ),
        computed AS (
            SELECT d.*,
                   CASE WHEN d.reconciled OR d.amount_residual <= 0 THEN 'settled'
                        WHEN d.kind = 'rescheduling' THEN 'rescheduled'
                        WHEN d.kind = 'default' THEN 'notified'
                        -- A passed deadline is late, extended or not.
                        WHEN d.deadline < %(today)s THEN 'late'
                        WHEN d.kind = 'extension' AND d.date_due >= %(today)s THEN 'extended'
                        ELSE 'to_notify' END AS state
              FROM dated d
        )
        UPDATE credit_insurance_overdue o
           SET amount_residual = c.amount_residual,
               amount_residual_currency = c.amount_residual_currency,
               date_maturity = c.date_maturity, date_due = c.date_due, date_mep = c.date_mep,
               deadline = c.deadline, state = c.state,
               write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
          FROM computed c
         WHERE c.id = o.id
           AND (o.amount_residual, o.amount_residual_currency, o.date_maturity, o.date_due,
                o.date_mep, o.deadline, o.state)
               IS DISTINCT FROM
               (c.amount_residual, c.amount_residual_currency, c.date_maturity, c.date_due,
                c.date_mep, c.deadline, c.state)
        RETURNING o.id
        """,
        companies=list(company_ids),
        rows=rows,
        today=today,
        uid=uid,
    )


def due_alerts_query(company_ids, today):
    """Rows to notify whose deadline is within the policy's alert days and
    that have no alert yet."""
    return SQL(
        """
        SELECT o.id FROM credit_insurance_overdue o
          JOIN credit_insurance_policy pol ON pol.id = o.policy_id
         WHERE o.company_id = ANY(%(companies)s) AND o.state = 'to_notify'
           AND o.alert_date IS NULL AND o.deadline - pol.overdue_alert_days <= %(today)s
         ORDER BY o.deadline, o.id
        """,
        companies=list(company_ids),
        today=today,
    )


def mep_passed_query(company_ids, today):
    """Open rows whose MEP has run out, under a policy that stops deliveries
    then, not handled yet."""
    return SQL(
        """
        SELECT o.id FROM credit_insurance_overdue o
          JOIN credit_insurance_policy pol ON pol.id = o.policy_id
         WHERE o.company_id = ANY(%(companies)s)
           AND o.state IN ('to_notify', 'late', 'notified')
           AND o.mep_action_date IS NULL AND o.date_mep < %(today)s
           AND pol.overdue_mep_action != 'none'
         ORDER BY o.partner_id, o.id
        """,
        companies=list(company_ids),
        today=today,
    )


def dunning_exclusion_query(company_id, today):
    """Items a policy takes out of dunning once notified: a default reported,
    a rescheduling accepted, an extension accepted and not yet due."""
    return SQL(
        """
        SELECT n.move_line_id FROM credit_insurance_overdue_notice n
          JOIN credit_insurance_policy pol ON pol.id = n.policy_id
         WHERE n.company_id = %(company)s AND pol.overdue_dunning = 'exclude'
           AND ((n.kind = 'default' AND n.state IN ('sent', 'accepted'))
                OR (n.kind = 'rescheduling' AND n.state = 'accepted')
                OR (n.kind = 'extension' AND n.state = 'accepted'
                    AND n.new_due_date >= %(today)s))
        """,
        company=company_id,
        today=today,
    )
