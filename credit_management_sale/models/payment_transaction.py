from odoo import models
from odoo.addons.credit_management.engine import check


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        # The customer has paid online: confirming the order extends no credit.
        with check.skipped():
            return super()._check_amount_and_confirm_order()

    def _post_process(self):
        # Invoices created and posted for online payments are paid already.
        with check.skipped():
            return super()._post_process()
