from odoo import api, fields, models
from odoo.addons.credit_management.engine import exposure
from odoo.addons.credit_management.models.res_partner import CREDIT_READERS

from ..engine import credit


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_exposure_factored = fields.Monetary(
        string="Factored with Recourse",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
        help="Documents transferred to a factor with recourse, not yet paid to it: the transfer "
        "paid the invoices, but we buy them back if the debtor does not pay.",
    )
    credit_factored_without_recourse = fields.Monetary(
        string="Factored without Recourse",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
        help="Documents a factor took without recourse, not yet paid to it: its risk, not ours "
        "(for information, not in the exposure).",
    )

    @api.model
    def _credit_exposure_buckets(self):
        return [
            *super()._credit_exposure_buckets(),
            exposure.Bucket(
                "factored",
                self.env._("Factored with recourse"),
                credit.factored_with_recourse_query,
            ),
        ]

    @api.model
    def _credit_flush(self):
        self.env["factoring.contract"].flush_model(["recourse", "mode"])
        self.env["factoring.batch.line"].flush_model()
        self.env["account.move"].flush_model(["factoring_state", "factoring_contract_id"])
        return super()._credit_flush()

    def _compute_credit_status(self):
        result = super()._compute_credit_status()
        commercial = self.commercial_partner_id
        amounts = {}
        if commercial.ids:
            scope = exposure.scope(self.env.company, commercial.ids)
            rows = self.env.execute_query(credit.factored_query(scope, "without"))
            amounts = {row[2]: row[3] for row in rows}
        for partner in self:
            partner.credit_factored_without_recourse = amounts.get(
                partner.commercial_partner_id.id, 0.0
            )
        return result

    def _credit_set_status(self, row, company):
        result = super()._credit_set_status(row, company)
        self.credit_exposure_factored = row.get("factored") or 0.0
        return result
