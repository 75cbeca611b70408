from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # Dunning state of the item (an installment is dunned on its own); the
    # dunning run writes them in SQL.
    credit_dunning_level_id = fields.Many2one(
        "credit.dunning.level",
        string="Dunning Level",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    credit_dunning_date = fields.Date(string="Last Reminder", readonly=True, copy=False)

    # The credit check reads a partner's open items on every posting: a
    # covering index of open items (income lines have no residual and stay
    # out) lets PostgreSQL answer from the index alone, summing per partner,
    # company and currency in index order.
    _credit_open_items_idx = models.Index(
        "(partner_id, company_id, currency_id) INCLUDE (account_id, amount_residual, "
        "amount_residual_currency, date_maturity, date) "
        "WHERE reconciled IS NOT TRUE AND parent_state = 'posted' AND amount_residual != 0"
    )
