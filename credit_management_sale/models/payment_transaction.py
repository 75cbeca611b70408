from odoo import models
from odoo.addons.credit_management.engine import check

from .sale_order import customer_flow


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        # An online payment pays its part of the order: the rest is credit,
        # checked as the customer's own acceptance (an order the check stops
        # waits for credit control instead of failing the payment).
        with check.enforced(), customer_flow():
            confirmed = super()._check_amount_and_confirm_order()
        return confirmed.filtered(lambda order: order.state == "sale")

    def _post_process(self):
        # Invoices created and posted for online payments are paid already.
        with check.skipped():
            return super()._post_process()
