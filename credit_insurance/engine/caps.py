"""The insured amount of each commercial partner, as a cap on its credit
limit (``res.partner._credit_limit_caps``) and for the insured and
uninsured parts of its exposure.

A partner known to an insurer (a buyer) is capped at the sum of its covers
that cover something (approved, partially approved, reduced), in company
currency at the scope's date. A buyer that has no cover decision yet, and
was never refused or withdrawn, is capped at the discretionary limit of
its insurer's policies in force that cover its country (the amount the
policyholder insures on its own judgement). A buyer refused or withdrawn,
with nothing covered, is capped at zero: no new credit (credit_management
tells this zero from "no limit").
Only covers in force count: a cover past its expiry date, or under a policy
archived, ended or not started yet, neither caps nor blocks, as if the
insurer had never decided on the buyer under that policy. The insurer
covers nothing then, but its decisions no longer bind the policyholder
either: the partner's own limit applies (or a discretionary limit of
another policy in force), and no stale refusal keeps it at zero.
A reduction or withdrawal below the exposure also warns or holds, per
policy (:meth:`credit.insurance.cover._check_shortfall`).

One row per (company, partner) through the buyer and cover indexes: a few
index lookups added to the credit check of one partner (about 0.2 ms on the
demo data; 0.7 ms when a cover is in a foreign currency, for the rate).
"""

from odoo.tools import SQL


def insured_query(scope):
    """SQL of ``company_id, partner_id, cap`` for the scope."""
    return SQL(
        """
        SELECT company_id, partner_id, cap FROM (
            SELECT b.company_id, b.partner_id,
                   CASE WHEN SUM(cov.covered) > 0 THEN SUM(cov.covered)
                        WHEN NOT BOOL_OR(cov.refused) THEN MAX(disc.amount)
                        ELSE 0 END AS cap
              FROM credit_insurance_buyer b
              JOIN res_company company ON company.id = b.company_id
              CROSS JOIN LATERAL (
                    SELECT COALESCE(SUM(%(covered)s) FILTER (
                               WHERE c.state IN ('approved', 'partial', 'reduced')), 0) AS covered,
                           COALESCE(BOOL_OR(c.state IN ('refused', 'withdrawn')), FALSE) AS refused
                      FROM credit_insurance_cover c
                      JOIN credit_insurance_policy cpol ON cpol.id = c.policy_id
                     WHERE c.buyer_id = b.id AND c.amount >= 0
                       -- A cover past its expiry date covers nothing, nor one
                       -- under a policy archived or not in force today.
                       AND (c.expiry_date IS NULL OR c.expiry_date >= %(today)s)
                       AND cpol.active
                       AND (cpol.date_start IS NULL OR cpol.date_start <= %(today)s)
                       AND (cpol.date_end IS NULL OR cpol.date_end >= %(today)s)) cov
              CROSS JOIN LATERAL (
                    SELECT MAX(%(discretionary)s) AS amount
                      FROM credit_insurance_policy pol
                     WHERE pol.backend_id = b.backend_id AND pol.active
                       AND pol.discretionary_limit > 0
                       AND (pol.date_start IS NULL OR pol.date_start <= %(today)s)
                       AND (pol.date_end IS NULL OR pol.date_end >= %(today)s)
                       AND (NOT EXISTS (SELECT 1 FROM credit_insurance_policy_res_country_rel pc
                                         WHERE pc.credit_insurance_policy_id = pol.id)
                            OR EXISTS (SELECT 1 FROM credit_insurance_policy_res_country_rel pc
                                         JOIN res_partner buyer ON buyer.id = b.partner_id
                                        WHERE pc.credit_insurance_policy_id = pol.id
                                          AND pc.res_country_id = buyer.country_id))) disc
             WHERE %(company)s AND %(partner)s
             GROUP BY b.company_id, b.partner_id) insured
         WHERE cap IS NOT NULL
        """,
        covered=_in_company_currency(scope, SQL("c.amount"), SQL("c.currency_id")),
        discretionary=_in_company_currency(
            scope, SQL("pol.discretionary_limit"), SQL("pol.currency_id")
        ),
        today=scope.today,
        company=scope.company_filter(SQL("b.company_id")),
        partner=scope.partner_filter(SQL("b.partner_id")),
    )


def _in_company_currency(scope, amount, currency):
    # The rate function only for foreign currencies: it is most of the cost.
    return SQL(
        "CASE WHEN %(currency)s = company.currency_id THEN %(amount)s ELSE %(converted)s END",
        currency=currency,
        amount=amount,
        converted=scope.convert(amount, SQL("b.company_id"), currency),
    )
