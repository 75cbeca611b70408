from odoo import api, fields, models

from ..engine import overdue


class CreditDunningRun(models.Model):
    _inherit = "credit.dunning.run"

    @api.model
    def _dunning_exclusions(self, company):
        """Items reported to the insurer leave dunning when their policy
        says so (``overdue_dunning``)."""
        # Called on the run (or the exclusion list's run of today).
        day = self.date if len(self) == 1 and self.date else fields.Date.context_today(self)
        return [
            *super()._dunning_exclusions(company),
            ("insurer_notice", overdue.dunning_exclusion_query(company.id, day)),
        ]

    @api.model
    def _exclusion_label(self, code):
        if code == "insurer_notice":
            return self.env._("Reported to the credit insurer")
        return super()._exclusion_label(code)

    def _flush_for_sql(self):
        result = super()._flush_for_sql()
        self.env["credit.insurance.overdue.notice"].flush_model()
        self.env["credit.insurance.policy"].flush_model()
        return result
