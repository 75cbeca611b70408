from datetime import timedelta

from odoo import Command, fields
from odoo.addons.credit_management.engine import check
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCreditDashboardTour(HttpCase):
    def test_dashboard_and_aged_report_tour(self):
        """Open the dashboard, then the aged receivables of 30 days ago and
        drill down from the customer to the invoice it owed then (paid
        since)."""
        admin = self.env.ref("base.user_admin")
        company = admin.company_id
        today = fields.Date.context_today(admin)
        partner = self.env["res.partner"].create(
            {"name": "Dashboard Tour Customer", "is_company": True}
        )
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today - timedelta(days=70),
                    "invoice_date_due": today - timedelta(days=40),
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "price_unit": 777, "tax_ids": []})
                    ],
                }
            )
        )
        with check.skipped():
            invoice._post(soft=False)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": today - timedelta(days=5)})._create_payments()
        self.assertEqual(invoice.payment_state, "paid")
        self.start_tour(
            "/odoo/dashboards",
            "credit_management_dashboard_tour",
            login="admin",
        )
