import uuid

from odoo import api, fields, models

from ..mappers import edifact


class CreditInsuranceCoverRequest(models.TransientModel):
    """Asks an insurer for a cover on a customer. The request key is drawn
    when the wizard opens: confirming twice sends one request."""

    _name = "credit.insurance.cover.request"
    _description = "Request Insurer Cover"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, domain="[('is_company', '=', True)]"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    policy_id = fields.Many2one(
        "credit.insurance.policy",
        string="Policy",
        required=True,
        check_company=True,
        default=lambda self: self.env["credit.insurance.policy"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    kind = fields.Selection(
        selection=edifact.REQUEST_KINDS, string="Request", required=True, default="new"
    )
    amount = fields.Monetary(required=True)
    currency_id = fields.Many2one(related="policy_id.currency_id")
    request_key = fields.Char(required=True, default=lambda self: uuid.uuid4().hex)
    current_cover_id = fields.Many2one(
        "credit.insurance.cover", compute="_compute_current_cover", string="Current Cover"
    )
    current_amount = fields.Monetary(related="current_cover_id.amount", string="Insured Now")
    current_state = fields.Selection(related="current_cover_id.state", string="Cover State")

    @api.depends("partner_id", "policy_id")
    def _compute_current_cover(self):
        Cover = self.env["credit.insurance.cover"]
        for wizard in self:
            wizard.current_cover_id = Cover.search(
                [
                    ("policy_id", "=", wizard.policy_id.id),
                    ("partner_id", "=", wizard.partner_id.commercial_partner_id.id),
                ],
                limit=1,
            )

    @api.onchange("current_cover_id")
    def _onchange_current_cover(self):
        if self.current_cover_id.state in edifact.COVERING and self.kind == "new":
            self.kind = "increase"

    def action_confirm(self):
        self.ensure_one()
        result = self.env["credit.insurance.cover"]._request(
            self.partner_id, self.policy_id, self.kind, self.amount, self.request_key
        )
        if result._name == "credit.insurance.buyer":
            return result._action_resolve_notification()
        return {
            "type": "ir.actions.act_window",
            "res_model": result._name,
            "res_id": result.id,
            "view_mode": "form",
            "target": "current",
        }
