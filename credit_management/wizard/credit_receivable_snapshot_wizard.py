from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine import history


class CreditReceivableSnapshotWizard(models.TransientModel):
    """Writes (or rewrites) the monthly receivables history of a range of
    months from the journal."""

    _name = "credit.receivable.snapshot.wizard"
    _description = "Rebuild the Receivables History"

    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    date_from = fields.Date(string="From Month", required=True, default=lambda s: s._default_from())
    date_to = fields.Date(string="To Month", required=True, default=lambda s: s._default_to())

    @api.model
    def _default_from(self):
        first = history.first_item_date(self.env, self.env.companies.ids)
        return first or self._default_to()

    @api.model
    def _default_to(self):
        return fields.Date.context_today(self).replace(day=1) - relativedelta(days=1)

    def action_build(self):
        self.ensure_one()
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise AccessError(self.env._("Only a Credit Control Manager rebuilds the history."))
        if self.date_from > self.date_to:
            raise UserError(self.env._("The first month comes after the last one."))
        # Only the companies open to the user, whatever the client sent.
        companies = self.company_ids & self.env.user.company_ids
        month_ends = history.months(self.date_from, self.date_to)
        count = self.env["credit.receivable.snapshot"]._write_months(companies, month_ends)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(months)s months written, %(rows)s rows.", months=len(month_ends), rows=count
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
