from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# Customers who follow a portal application never read the insurer's answer.
INTERNAL = "base.group_user"


class CreditLimitRequest(models.Model):
    _inherit = "credit.limit.request"

    insurance_policy_id = fields.Many2one(
        "credit.insurance.policy",
        string="Insurance Policy",
        check_company=True,
        help="Ask this policy's insurer to cover the requested limit.",
        groups=INTERNAL,
    )
    insurance_cover_id = fields.Many2one(
        "credit.insurance.cover", string="Insurer Cover", readonly=True, copy=False, groups=INTERNAL
    )
    insurance_state = fields.Selection(
        related="insurance_cover_id.state", string="Insurer Answer", groups=INTERNAL
    )
    insurance_currency_id = fields.Many2one(
        related="insurance_cover_id.currency_id", string="Insurer Currency", groups=INTERNAL
    )
    insurance_amount = fields.Monetary(
        related="insurance_cover_id.amount",
        string="Insured Amount",
        currency_field="insurance_currency_id",
        groups=INTERNAL,
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get("insurance_cover_id") for vals in vals_list):
            self._refuse_cover_link()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and "insurance_cover_id" in vals:
            self._refuse_cover_link()
        return super().write(vals)

    def _refuse_cover_link(self):
        raise AccessError(self.env._("The insurer's cover is linked by asking the insurer."))

    def action_ask_insurer(self):
        """Asks the policy's insurer for the requested limit (a new cover, or
        an increase or reduction of the current one); asked once per request."""
        self.ensure_one()
        if self.state != "to_approve":
            raise UserError(self.env._("Ask the insurer while the request waits for approval."))
        if not self.insurance_policy_id:
            raise UserError(self.env._("Choose the insurance policy to ask."))
        Cover = self.env["credit.insurance.cover"]
        current = Cover.sudo().search(
            [
                ("policy_id", "=", self.insurance_policy_id.id),
                ("partner_id", "=", self.partner_id.commercial_partner_id.id),
            ],
            limit=1,
        )
        kind = "new"
        if current.insurer_ref and current.state in ("approved", "partial", "reduced"):
            kind = "increase" if self.requested_limit > current.amount else "reduce"
        result = Cover._request(
            self.partner_id,
            self.insurance_policy_id,
            kind,
            self.requested_limit,
            f"limit-request-{self.id}",
        )
        if result._name != "credit.insurance.cover":
            return result._action_resolve_notification()
        # The link is the request's own bookkeeping, not the manager's decision.
        self.sudo().insurance_cover_id = result
        return True
