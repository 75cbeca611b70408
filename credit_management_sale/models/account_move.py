from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _credit_counted_amount(self):
        # A draft invoice from a confirmed order is in exposure whatever the
        # company's draft setting (the order stopped counting it).
        if not self.company_id.credit_include_draft and self.invoice_line_ids.sale_line_ids:
            return self._credit_document_amount()
        return super()._credit_counted_amount()
