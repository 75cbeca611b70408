from odoo import api, models

from ..engine import credit


class CreditDunningRun(models.Model):
    _inherit = "credit.dunning.run"

    def _dunning_exclusions(self, company):
        return [
            *super()._dunning_exclusions(company),
            ("factored", credit.collected_by_factor_items(company)),
        ]

    @api.model
    def _exclusion_label(self, code):
        if code == "factored":
            return self.env._("Collected by the factor")
        return super()._exclusion_label(code)
