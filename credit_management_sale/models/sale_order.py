import math

from odoo import fields, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "credit.checked.mixin"]
    _credit_override_field = "order_id"

    credit_override_ids = fields.One2many(
        "credit.override", "order_id", string="Credit Overrides", readonly=True
    )
    credit_banner = fields.Text(compute="_compute_credit_banner")
    credit_banner_blocks = fields.Boolean(compute="_compute_credit_banner")

    # ------------------------------------------------------------------
    # credit.checked.mixin
    # ------------------------------------------------------------------

    def _credit_checked_records(self, **kwargs):
        """Quotations about to be confirmed."""
        return self.filtered(
            lambda o: o.state in ("draft", "sent") and o.company_id.credit_check_mode != "none"
        )

    def _credit_commercial_partner(self):
        return self.partner_invoice_id.commercial_partner_id

    def _credit_document_amount(self):
        company = self.company_id
        return self.currency_id._convert(
            self.amount_total, company.currency_id, company, fields.Date.context_today(self)
        )

    def _credit_validate(self):
        return self.action_confirm()

    # ------------------------------------------------------------------
    # Confirmation
    # ------------------------------------------------------------------

    def action_confirm(self):
        action = self._credit_override_action()
        if action:
            return action
        used, warnings = self._credit_enforce()
        result = super().action_confirm()
        self._credit_after_validation(used, warnings, self)
        return result

    def _compute_credit_banner(self):
        for order in self:
            alert = order._credit_alert() if order.partner_id else None
            order.credit_banner = alert and alert["message"]
            order.credit_banner_blocks = bool(alert and alert["level"] == "danger")

    def action_credit_request_limit(self):
        """Opens a limit request for the customer of this quotation, asking
        for what the order needs: today's exposure plus the order (rounded up
        to a hundred), so a salesperson need not leave the quotation."""
        self.ensure_one()
        partner = self._credit_commercial_partner().with_company(self.company_id)
        # The salesperson need not read credit data: the figures only size the request.
        status = partner.sudo()
        needed = status.credit_exposure + self._credit_document_amount()
        requested = max(math.ceil(needed / 100.0) * 100.0, status.credit_limit_effective)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request a Credit Limit"),
            "res_model": "credit.limit.request",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": partner.id,
                "default_company_id": self.company_id.id,
                "default_requested_limit": requested,
                "default_reason": self.env._(
                    "Quotation %(order)s of %(amount)s %(currency)s for %(partner)s "
                    "needs more credit.",
                    order=self.name,
                    amount=self.amount_total,
                    currency=self.currency_id.name,
                    partner=partner.display_name,
                ),
            },
        }
