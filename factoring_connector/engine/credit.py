"""Factored documents in credit control, as SQL for the core's hooks.

* *Collected by the factor*: documents of notified contracts the factor has
  (submitted, assigned or funded): the debtor pays the factor, so our
  dunning leaves them alone.
* *Factored*: documents transferred to a factor (the transfer entry paid
  them), neither settled nor bought back, per debtor, at today's rate. With
  recourse they are still our risk: an exposure bucket. Without recourse the
  factor bears it: an information figure, not added to the exposure.
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


def factored_query(scope, recourse="with"):
    """Transferred, not settled nor bought back amounts of the contracts
    with (or without) recourse, per debtor (company currency)."""
    return SQL(
        """
        SELECT 'factored' AS bucket, line.company_id,
               partner.commercial_partner_id AS partner_id,
               SUM(%(converted)s) AS amount
          FROM factoring_batch_line line
          JOIN factoring_contract contract ON contract.id = line.contract_id
          JOIN account_move_line aml ON aml.id = line.transfer_line_id
          JOIN res_partner partner ON partner.id = line.partner_id
         WHERE line.live AND line.settle_state = 'open' AND contract.recourse = %(recourse)s
           AND %(company)s AND %(partner)s
         GROUP BY line.company_id, partner.commercial_partner_id
        """,
        converted=scope.convert(
            SQL("-aml.amount_currency"), SQL("line.company_id"), SQL("aml.currency_id")
        ),
        recourse=recourse,
        company=scope.company_filter(SQL("line.company_id")),
        partner=scope.commercial_filter(SQL("line.partner_id")),
    )


def factored_with_recourse_query(scope):
    """Exposure bucket ``factored``."""
    return factored_query(scope, "with")
