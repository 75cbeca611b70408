from odoo import models

from ..engine import balance

RECEIVABLE = "asset_receivable"


class AccountAccount(models.Model):
    _inherit = "account.account"

    def write(self, vals):
        # An account that becomes (or stops being) receivable brings its open
        # items into the open balances (or takes them out) at once, not at
        # the nightly check: the items themselves do not change.
        retyped = self.browse()
        if "account_type" in vals:
            becomes = vals["account_type"] == RECEIVABLE
            retyped = self.filtered(lambda a: (a.account_type == RECEIVABLE) != becomes)
        result = super().write(vals)
        if retyped:
            self.env.flush_all()
            balance.repair_accounts(self.env.cr, retyped.ids)
        return result
