from odoo import api, fields, models
from odoo.addons.credit_management.engine import exposure
from odoo.addons.credit_management.models.res_partner import CREDIT_READERS

from ..engine import credit


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_exposure_factored = fields.Monetary(
        string="Factored without Recourse",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
        help="Open amount of the invoices a factor took without recourse: its risk, not ours "
        "(negative: it is taken off the exposure).",
    )

    @api.model
    def _credit_exposure_buckets(self):
        return [
            *super()._credit_exposure_buckets(),
            exposure.Bucket(
                "factored",
                self.env._("Factored without recourse"),
                credit.factored_without_recourse_query,
            ),
        ]

    @api.model
    def _credit_flush(self):
        self.env["factoring.contract"].flush_model(["recourse", "mode"])
        self.env["account.move"].flush_model(["factoring_state", "factoring_contract_id"])
        return super()._credit_flush()

    def _credit_set_status(self, row, company):
        result = super()._credit_set_status(row, company)
        self.credit_exposure_factored = row.get("factored") or 0.0
        return result
