from odoo.tests import HttpCase, tagged

from . import sandbox as sandbox_module
from .sandbox import InsurerSandbox


@tagged("post_install", "-at_install")
class TestCoverTour(HttpCase):
    def test_request_cover_from_the_partner(self):
        """A credit controller asks an insurer for a cover from the customer's
        Credit tab and reads the decision."""
        sandbox = InsurerSandbox()
        sandbox.__enter__()
        self.addCleanup(sandbox.__exit__, None, None, None)
        admin = self.env.ref("base.user_admin")
        company = admin.company_id
        backend = self.env["credit.insurance.backend"].create(
            {
                "name": "Tour insurer",
                "kind": "atradius",
                "company_id": company.id,
                "base_url": sandbox.url,
                "timeout": 5,
                "max_retries": 1,
                "retry_backoff": 0.01,
                "client_id": sandbox_module.CLIENT_ID,
                "client_secret": sandbox_module.CLIENT_SECRET,
                "app_key": sandbox_module.APP_KEY,
            }
        )
        policy = self.env["credit.insurance.policy"].create(
            {
                "name": "TOUR-POLICY",
                "backend_id": backend.id,
                "company_id": company.id,
                "currency_id": company.currency_id.id,
            }
        )
        france = self.env.ref("base.fr")
        partner = self.env["res.partner"].create(
            {
                "name": "Tour Insured Buyer",
                "is_company": True,
                "vat": "FR23334175221",
                "country_id": france.id,
            }
        )
        sandbox.add_buyer("FR", "FR23334175221", partner.name)
        self.start_tour(
            f"/odoo/action-account.res_partner_action_customer/{partner.id}",
            "credit_insurance_cover_tour",
            login="admin",
        )
        cover = self.env["credit.insurance.cover"].search([("partner_id", "=", partner.id)])
        self.assertEqual((cover.policy_id, cover.state, cover.amount), (policy, "approved", 40000))
        self.assertEqual(cover.event_ids.request_kind, "new")
        self.assertEqual(sandbox.count("/covers", "POST"), 1)
