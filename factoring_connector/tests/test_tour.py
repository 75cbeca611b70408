from datetime import timedelta

from odoo import Command, fields
from odoo.addons.credit_management.engine import check
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestFactoringTour(HttpCase):
    def test_factoring_batch_tour(self):
        """The accounting manager builds a batch on the demo contract, generates
        its file and e-mails it to the factor."""
        contract = self.env.ref("factoring_connector.factoring_contract_demo")
        fabrikam = self.env.ref("credit_management.res_partner_fabrikam_demo")
        # An invoice eligible whenever the test runs (the demo ones age).
        invoice = (
            self.env["account.move"]
            .with_company(contract.company_id)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": fabrikam.id,
                    "invoice_date": fields.Date.today() - timedelta(days=1),
                    "invoice_line_ids": [
                        Command.create({"name": "Tour desks", "price_unit": 1500, "tax_ids": []})
                    ],
                }
            )
        )
        with check.skipped():
            invoice._post(soft=False)
        self.start_tour("/odoo", "factoring_batch_tour", login="admin")
        batch = self.env["factoring.batch"].search(
            [("contract_id", "=", contract.id)], order="id desc", limit=1
        )
        self.assertEqual(batch.state, "sent")
        self.assertEqual(batch.create_uid, self.env.ref("base.user_admin"))
        self.assertIn(invoice, batch.line_ids.move_id)
        self.assertEqual(invoice.factoring_state, "submitted")
        self.assertEqual(len(batch.attachment_ids), 1)
        sent = batch.message_ids.filtered(lambda m: m.attachment_ids)
        self.assertEqual(sent.attachment_ids, batch.attachment_ids)
        self.assertIn(contract.factor_id, sent.partner_ids)
