from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_credit_control import FactoredCommon


@tagged("post_install", "-at_install")
class TestFactoredInvoice(FactoredCommon):
    def test_notified_invoice_pays_the_factor(self):
        ours = self.env["res.partner.bank"].create(
            {
                "partner_id": self.company.partner_id.id,
                "acc_number": "BE71096123456769",
                "allow_out_payment": True,
            }
        )
        invoice = self._invoice(self.debtor, 1000)
        invoice.partner_bank_id = ours
        batch = self._factored(invoice)
        self.assertEqual(invoice.partner_bank_id, self.factor_bank)
        self.assertEqual(invoice.factoring_previous_bank_id, ours)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice_with_payments", invoice.ids)[0]
            .decode()
        )
        self.assertIn("pay Factor SA only", html)
        self.assertIn("FR7630001007941234567890185", html.replace(" ", ""))
        # Given back: our own account again, no notice.
        batch.line_ids.action_reject("Unknown debtor")
        self.assertEqual(invoice.partner_bank_id, ours)
        self.assertEqual(invoice._factoring_notice(), {})

    def test_confidential_invoice_prints_nothing(self):
        self.contract.mode = "confidential"
        invoice = self._invoice(self.debtor, 1000)
        self._factored(invoice)
        self.assertEqual(invoice._factoring_notice(), {})
        self.assertFalse(invoice.partner_bank_id == self.factor_bank)

    def test_payment_received_flagged_for_the_factor(self):
        invoice = self._invoice(self.debtor, 1000)
        batch = self._factored(invoice)
        self.assertFalse(invoice.factoring_transfer_due)
        self._pay(invoice, amount=400)
        self.assertTrue(invoice.factoring_transfer_due)
        # The factor took the full amount: acknowledging is refused until the
        # document is rejected; the debtor's payment stays flagged.
        with self.assertRaises(UserError):
            batch.action_acknowledge()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertTrue(invoice.factoring_transfer_due)
        # The transfer alone is no payment to pass on.
        transferred = self._invoice(self.debtor, 700)
        self._factored(transferred, state="acknowledged")
        self.assertEqual(transferred.payment_state, "paid")
        self.assertFalse(transferred.factoring_transfer_due)
        other = self._invoice(self.debtor, 500)
        self._pay(other, amount=100)
        self.assertFalse(other.factoring_transfer_due, "not factored: our money")
