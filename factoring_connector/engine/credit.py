"""Factored documents in credit control, as SQL for the core's hooks.

* *Collected by the factor*: documents of notified contracts the factor has
  (submitted, assigned or funded): the debtor pays the factor, so our
  dunning leaves them alone.
* *Risk borne by the factor*: documents of contracts without recourse the
  factor took (assigned or funded): their open amount leaves our exposure,
  shown as a negative bucket so that the components still add up.
"""

from odoo.tools import SQL

WITH_FACTOR = ("submitted", "assigned", "funded")
TAKEN = ("assigned", "funded")


def collected_by_factor_items(company):
    """SQL of account_move_line ids the dunning must skip."""
    return SQL(
        """
        SELECT aml.id FROM account_move move
          JOIN factoring_contract contract ON contract.id = move.factoring_contract_id
          JOIN account_move_line aml ON aml.move_id = move.id
         WHERE move.company_id = %s AND contract.mode = 'notified'
           AND move.factoring_state = ANY(%s)
        """,
        company.id,
        list(WITH_FACTOR),
    )


def factored_without_recourse_query(scope):
    """Exposure bucket ``factored``: minus the open receivable amount of the
    documents a factor took without recourse (company currency)."""
    return SQL(
        """
        SELECT 'factored' AS bucket, move.company_id,
               partner.commercial_partner_id AS partner_id, -SUM(aml.amount_residual) AS amount
          FROM account_move move
          JOIN factoring_contract contract ON contract.id = move.factoring_contract_id
          JOIN account_move_line aml
            ON aml.move_id = move.id AND aml.display_type = 'payment_term'
          JOIN res_partner partner ON partner.id = move.partner_id
         WHERE contract.recourse = 'without' AND move.factoring_state = ANY(%(taken)s)
           AND %(company)s AND %(partner)s
         GROUP BY move.company_id, partner.commercial_partner_id
        HAVING SUM(aml.amount_residual) != 0
        """,
        taken=list(TAKEN),
        company=scope.company_filter(SQL("move.company_id")),
        partner=scope.commercial_filter(SQL("move.partner_id")),
    )
