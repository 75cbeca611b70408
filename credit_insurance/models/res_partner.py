import uuid

from odoo import api, fields, models
from odoo.addons.credit_management.engine import exposure

from ..engine.caps import insured_query

# Who reads credit data on partners (as credit_management's credit fields).
CREDIT_READERS = "account.group_account_invoice,account.group_account_readonly"


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_insurance_cover_ids = fields.One2many(
        "credit.insurance.cover",
        "partner_id",
        string="Insurer Covers",
        readonly=True,
        # As the covers themselves: credit control only.
        groups="credit_management.group_credit_control_user",
    )
    credit_insured_limit = fields.Monetary(
        string="Insured",
        compute="_compute_credit_insurance",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
        help="What the insurers cover for this customer in the current company: its covers, "
        "else the discretionary limit of the policy.",
    )
    credit_exposure_insured = fields.Monetary(
        string="Insured Exposure",
        compute="_compute_credit_insurance",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )
    credit_exposure_uninsured = fields.Monetary(
        string="Uninsured Exposure",
        compute="_compute_credit_insurance",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )

    credit_insurance_claim_count = fields.Integer(
        string="Insurance Claims",
        compute="_compute_credit_insurance_claim_count",
        groups="credit_management.group_credit_control_user",
    )

    @api.model
    def _credit_limit_caps(self, scope):
        return [*super()._credit_limit_caps(scope), insured_query(scope)]

    @api.model
    def _credit_flush(self):
        for model in (
            "credit.insurance.cover",
            "credit.insurance.buyer",
            "credit.insurance.policy",
        ):
            self.env[model].flush_model()
        return super()._credit_flush()

    @api.depends_context("company")
    def _compute_credit_insurance(self):
        company = self.env.company
        commercial = self.commercial_partner_id
        insured = {}
        if commercial.ids:
            self._credit_flush()
            scope = exposure.scope(company, commercial.ids)
            insured = {
                partner_id: cap
                for _c, partner_id, cap in self.env.execute_query(insured_query(scope))
            }
        for partner in self:
            amount = float(insured.get(partner.commercial_partner_id.id) or 0.0)
            owed = max(partner.credit_exposure, 0.0)
            partner.credit_insured_limit = amount
            partner.credit_exposure_insured = min(owed, amount)
            partner.credit_exposure_uninsured = owed - min(owed, amount)

    def action_credit_insurance_request(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request Insurer Cover"),
            "res_model": "credit.insurance.cover.request",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.commercial_partner_id.id,
                "default_request_key": uuid.uuid4().hex,
            },
        }

    def _compute_credit_insurance_claim_count(self):
        counts = dict(
            self.env["credit.insurance.claim"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.credit_insurance_claim_count = counts.get(partner.commercial_partner_id, 0)

    def action_credit_insurance_claims(self):
        self.ensure_one()
        customer = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Insurance Claims"),
            "res_model": "credit.insurance.claim",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", customer.id)],
            "context": {"default_partner_id": customer.id},
        }
