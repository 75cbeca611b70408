from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    credit_dunning_level_id = fields.Many2one(
        "credit.dunning.level", string="Dunning Level", compute="_compute_credit_dunning"
    )
    credit_dunning_date = fields.Date(string="Last Reminder", compute="_compute_credit_dunning")

    # The dunning run reads its debtors' open items batch by batch, and the
    # drill-downs of exposure list a partner's: a covering index of open
    # items (income lines have no residual and stay out) answers both from
    # the index alone. Exposure itself reads the open balances
    # (engine/balance.py), which follow the same rule.
    _credit_open_items_idx = models.Index(
        "(partner_id, company_id, currency_id) INCLUDE (account_id, amount_residual, "
        "amount_residual_currency, date_maturity, date) "
        "WHERE reconciled IS NOT TRUE AND parent_state = 'posted' AND amount_residual != 0"
    )

    def _compute_credit_dunning(self):
        states = {
            state.move_line_id: state
            for state in self.env["credit.dunning.item"]
            .sudo()
            .search([("move_line_id", "in", self.ids)])
        }
        for line in self:
            state = states.get(line)
            line.credit_dunning_level_id = state.level_id if state else False
            line.credit_dunning_date = state.date if state else False
