import contextvars
import math
from contextlib import contextmanager

from odoo import fields, models
from odoo.addons.credit_management.engine import check
from odoo.exceptions import AccessError

_customer_flow = contextvars.ContextVar("credit_customer_flow", default=False)


@contextmanager
def customer_flow():
    """Confirmations the customer triggers without a user of ours (an online
    payment processed by a webhook): handled as the portal's are."""
    token = _customer_flow.set(True)
    try:
        yield
    finally:
        _customer_flow.reset(token)


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "credit.checked.mixin"]
    _credit_override_field = "order_id"

    credit_override_ids = fields.One2many(
        "credit.override", "order_id", string="Credit Overrides", readonly=True
    )
    credit_review_pending = fields.Boolean(
        string="Waiting for Credit Control",
        readonly=True,
        copy=False,
        help="The customer accepted this quotation online (signature or payment) but the "
        "credit check stopped its confirmation: credit control decides (confirm with an "
        "override, or talk to the customer).",
    )
    # The banner gives limits, exposure and hold reasons: never to portal users.
    credit_banner = fields.Text(compute="_compute_credit_banner", groups="base.group_user")
    credit_banner_blocks = fields.Boolean(
        compute="_compute_credit_banner", groups="base.group_user"
    )

    # ------------------------------------------------------------------
    # credit.checked.mixin
    # ------------------------------------------------------------------

    def _credit_checked_records(self, **kwargs):
        """Quotations about to be confirmed, unless online payments cover them."""
        return self.filtered(
            lambda o: (
                o.state in ("draft", "sent")
                and o.company_id.credit_check_mode != "none"
                and not (o.amount_paid and o._credit_document_amount() <= 0)
            )
        )

    def _credit_commercial_partner(self):
        return self.partner_invoice_id.commercial_partner_id

    def _credit_document_amount(self):
        # What the order asks on credit: the part its online payments (authorized
        # or done, as Odoo counts them to confirm it) leave unpaid.
        company = self.company_id
        return self.currency_id._convert(
            max(self.amount_total - self.amount_paid, 0.0),
            company.currency_id,
            company,
            fields.Date.context_today(self),
        )

    def _credit_validate(self):
        return self.action_confirm()

    # ------------------------------------------------------------------
    # Confirmation
    # ------------------------------------------------------------------

    def write(self, vals):
        # The mark follows the check and the confirmation, never a user's hand.
        if "credit_review_pending" in vals and not self.env.su:
            raise AccessError(
                self.env._("Only the credit check marks orders waiting for credit control.")
            )
        return super().write(vals)

    def action_confirm(self):
        customer = self.env.user.share or _customer_flow.get()
        if customer:
            orders = self._credit_orders_for_customer()
            if not orders:
                return True
        else:
            action = self._credit_override_action()
            if action:
                return action
            orders = self
        used, warnings = orders._credit_enforce()
        result = super(SaleOrder, orders).action_confirm()
        orders._credit_after_validation(used, warnings, orders)
        if not customer:
            orders._credit_review_done()
        return result

    def _credit_orders_for_customer(self):
        """Confirmation the customer asked for (portal signature or payment):
        an order the credit check stops is left for credit control, with an
        activity for the controllers; the customer sees no limit, exposure or
        reason, only that the order is being reviewed. Returns the orders
        that may be confirmed."""
        if check.is_skipped():
            return self
        held = self.browse()
        for failure in self._credit_failures():
            if failure.company.credit_check_mode == "block" and not self._credit_is_overridden(
                failure
            ):
                held |= failure.documents
        held._credit_leave_for_control()
        return self - held

    def _credit_leave_for_control(self):
        controllers = (
            self.env.ref("credit_management.group_credit_control_user").sudo().all_user_ids
        )
        for order in self.filtered(lambda o: not o.credit_review_pending):
            order.sudo().credit_review_pending = True
            failure_note = self.env._(
                "%(partner)s accepted this quotation online; the credit check stopped its "
                "confirmation. Review the customer's credit, then confirm (override) or "
                "contact the customer.",
                partner=order.partner_id.display_name,
            )
            users = controllers.filtered(
                lambda u, o=order: o.company_id in u.company_ids and not u.share and u.active
            )
            for user in users[:10] or order.user_id:
                order.activity_schedule(
                    "credit_management_sale.mail_activity_type_order_credit_check",
                    user_id=user.id,
                    note=failure_note,
                )

    def _credit_review_done(self):
        waiting = self.filtered(lambda o: o.credit_review_pending and o.state == "sale")
        if waiting:
            waiting.sudo().credit_review_pending = False
            waiting.activity_feedback(
                ["credit_management_sale.mail_activity_type_order_credit_check"]
            )

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
        # The suggested amount reveals exposure: for the seller's staff only.
        if self.env.user.share:
            raise AccessError(self.env._("Only employees can request a credit limit."))
        self.check_access("write")
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
