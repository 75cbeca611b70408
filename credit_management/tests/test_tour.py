from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from ..engine import check


@tagged("post_install", "-at_install")
class TestCreditManagementTour(HttpCase):
    def test_menu_tour(self):
        """An accountant logs in and reaches the credit control menu."""
        self.start_tour("/odoo", "credit_management_menu_tour", login="admin")

    def test_limit_request_tour(self):
        """Request a limit, approve it, and see an invoice still blocked."""
        admin = self.env.ref("base.user_admin")
        company = admin.company_id
        company.credit_check_mode = "block"
        partner = self.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        partner.with_company(company).credit_limit = 100
        moves = (
            self.env["account.move"]
            .with_company(company)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": fields.Date.today(),
                        "invoice_line_ids": [
                            Command.create({"name": "Goods", "price_unit": amount, "tax_ids": []})
                        ],
                    }
                    for amount in (80, 900)
                ]
            )
        )
        with check.skipped():
            moves[0]._post(soft=False)
        self.start_tour(
            f"/odoo/action-account.res_partner_action_customer/{partner.id}",
            "credit_limit_request_tour",
            login="admin",
        )
        request = partner.credit_limit_request_ids
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.decided_by_id, admin)
        self.assertEqual(request.snapshot_exposure, 80)
        self.assertEqual(partner.with_company(company).credit_limit, 500)
        self.assertEqual(moves[1].state, "draft")
        self.assertFalse(moves[1].credit_override_ids)
