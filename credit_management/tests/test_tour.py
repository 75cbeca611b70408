from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from ..engine import check


@tagged("post_install", "-at_install")
class TestCreditManagementTour(HttpCase):
    def _overdue_invoice(self, company, partner, amount, days_late):
        """A posted invoice of ``amount`` due ``days_late`` days ago (no check)."""
        today = fields.Date.today()
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today - timedelta(days=days_late + 10),
                    "invoice_date_due": today - timedelta(days=days_late),
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
        )
        with check.skipped():
            invoice._post(soft=False)
        return invoice

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

    def test_dunning_tour(self):
        """Configure a policy, run dunning, and open the communication."""
        admin = self.env.ref("base.user_admin")
        company = admin.company_id
        partner = self.env["res.partner"].create(
            {"name": "Dunning Tour Customer", "is_company": True, "email": "tour@example.com"}
        )
        invoice = self._overdue_invoice(company, partner, 250, days_late=10)
        # The company's policy has no level yet: the tour configures it. Only this
        # customer may be reminded.
        policy = self.env["credit.dunning.policy"].create({"name": "New policy"})
        company.credit_dunning_policy_id = policy
        self.env["res.partner"].search([("id", "!=", partner.id)]).with_company(
            company
        ).credit_dunning_excluded = True
        self.start_tour(
            f"/odoo/action-credit_management.credit_dunning_policy_action/{policy.id}",
            "credit_dunning_tour",
            login="admin",
        )
        self.assertEqual(policy.name, "Tour Policy")
        self.assertEqual(policy.level_ids.name, "Tour reminder")
        comm = self.env["credit.dunning.communication"].search([("partner_id", "=", partner.id)])
        self.assertEqual((comm.level_id, comm.state), (policy.level_ids, "sent"))
        self.assertEqual(invoice.credit_dunning_level_id, policy.level_ids)

    def test_collection_tour(self):
        """Open a case from an overdue customer, record a promise, see the worklist."""
        admin = self.env.ref("base.user_admin")
        company = admin.company_id
        partner = self.env["res.partner"].create(
            {"name": "Collection Tour Customer", "is_company": True}
        )
        invoice = self._overdue_invoice(company, partner, 900, days_late=30)
        self.start_tour(f"/odoo/res.partner/{partner.id}", "credit_collection_tour", login="admin")
        case = self.env["credit.collection.case"].search([("partner_id", "=", partner.id)])
        self.assertEqual(case.stage_type, "promised")
        self.assertEqual(case.item_ids.move_id, invoice)
        promise = case.promise_ids
        self.assertEqual((promise.amount, promise.state), (400, "open"))
        self.assertEqual(promise.date, fields.Date.today() + timedelta(days=7))
        self.assertEqual(promise.item_ids.move_id, invoice)
