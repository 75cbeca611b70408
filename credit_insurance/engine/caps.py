"""The insured amount of each commercial partner, as a cap on its credit
limit (``res.partner._credit_limit_caps``) and for the insured and
uninsured parts of its exposure.

A partner known to an insurer (a buyer) is capped at the sum of its covers
that cover something (approved, partially approved, reduced), in company
currency at the scope's date. A buyer that has no cover decision yet, and
was never refused or withdrawn, is capped at the discretionary limit of
its insurer's policies (the amount the policyholder insures on its own
judgement). A refused or withdrawn cover gives no cap here: the limit of
credit_management reads a cap of 0 as "no limit", so those are handled by
the hold or warning of :meth:`credit.insurance.cover._check_shortfall`.

One row per (company, partner) through the buyer and cover indexes: a few
index lookups added to the credit check of one partner.
"""

from odoo.tools import SQL


def insured_query(scope):
    """SQL of ``company_id, partner_id, cap`` for the scope."""
    return SQL(
        """
        SELECT company_id, partner_id, cap FROM (
            SELECT b.company_id, b.partner_id,
                   CASE WHEN SUM(cov.covered) > 0 THEN SUM(cov.covered)
                        WHEN NOT BOOL_OR(cov.refused) THEN MAX(disc.amount) END AS cap
              FROM credit_insurance_buyer b
              CROSS JOIN LATERAL (
                    SELECT COALESCE(SUM(%(covered)s) FILTER (
                               WHERE c.state IN ('approved', 'partial', 'reduced')), 0) AS covered,
                           COALESCE(BOOL_OR(c.state IN ('refused', 'withdrawn')), FALSE) AS refused
                      FROM credit_insurance_cover c
                     WHERE c.buyer_id = b.id AND c.amount >= 0) cov
              CROSS JOIN LATERAL (
                    SELECT MAX(%(discretionary)s) AS amount
                      FROM credit_insurance_policy pol
                     WHERE pol.backend_id = b.backend_id AND pol.active
                       AND pol.discretionary_limit > 0) disc
             WHERE %(company)s AND %(partner)s
             GROUP BY b.company_id, b.partner_id) insured
         WHERE cap > 0
        """,
        covered=scope.convert(SQL("c.amount"), SQL("b.company_id"), SQL("c.currency_id")),
        discretionary=scope.convert(
            SQL("pol.discretionary_limit"), SQL("b.company_id"), SQL("pol.currency_id")
        ),
        company=scope.company_filter(SQL("b.company_id")),
        partner=scope.partner_filter(SQL("b.partner_id")),
    )
