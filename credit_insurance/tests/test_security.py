import uuid
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..adapters import InsurerError
from ..engine import turnover
from .common import InsuranceCommon


@tagged("post_install", "-at_install")
class TestInsuranceSecurity(InsuranceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Insured Co"})
        cls.other_user = new_test_user(
            cls.env,
            login="other_credit_manager",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.portal = new_test_user(cls.env, login="insurance_portal", groups="base.group_portal")

    def test_secrets_for_administrators_only(self):
        for user in (self.controller, self.manager):
            backend = self.allianz.with_user(user)
            self.assertEqual(backend.name, "Sandbox allianz")
            for field in ("api_key", "client_secret", "app_key", "webhook_secret", "token"):
                with self.assertRaises(AccessError):
                    backend.read([field])
            with self.assertRaises(AccessError):
                backend.write({"api_key": "mine"})
        self.assertTrue(self.allianz.with_user(self.admin).api_key)

    def test_credit_user_reads_manager_configures(self):
        self._request(self.atradius_policy, 10000)
        cover = self.env["credit.insurance.cover"].with_user(self.controller).search([])
        self.assertTrue(cover)
        for record in (cover, self.atradius_policy.with_user(self.controller)):
            with self.assertRaises(AccessError):
                record.write({"active": False} if "active" in record._fields else {"amount": 1})
        with self.assertRaises(AccessError):
            cover.with_user(self.manager).write({"amount": 1e9})
        self.atradius_policy.with_user(self.manager).indemnity_percent = 85
        # The token and the lockout are the transport's, not the form's.
        with self.assertRaises(AccessError):
            self.atradius.with_user(self.admin).write({"locked": False, "token": "x"})

    def test_insurer_calls_of_managers(self):
        buyer = self.env["credit.insurance.buyer"]._match(self.atradius, self.customer)
        calls = len(self.sandbox.calls)
        with self.assertRaises(AccessError):
            self.atradius.with_user(self.controller).action_test_connection()
        with self.assertRaises(AccessError):
            self.atradius.with_user(self.controller).action_sync()
        with self.assertRaises(AccessError):
            buyer.with_user(self.controller).action_match()
        self.assertEqual(len(self.sandbox.calls), calls, "the insurer was not called")
        self.atradius.with_user(self.manager).action_test_connection()

    def test_salesman_cannot_request_cover(self):
        with self.assertRaises(AccessError):
            self._request(self.atradius_policy, 10000, user=self.salesman)
        self.assertEqual(self.sandbox.calls, [])

    def test_portal_reads_nothing(self):
        self._request(self.atradius_policy, 10000)
        for model in (
            "credit.insurance.backend",
            "credit.insurance.cover",
            "credit.insurance.buyer",
        ):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.portal).search([])
        partner = self.customer.with_user(self.portal)
        with self.assertRaises(AccessError):
            partner.read(["credit_insured_limit"])

    def test_other_company_sees_nothing(self):
        self._request(self.atradius_policy, 10000)
        for model in (
            "credit.insurance.backend",
            "credit.insurance.policy",
            "credit.insurance.cover",
            "credit.insurance.cover.event",
            "credit.insurance.buyer",
            "credit.insurance.request.log",
        ):
            self.assertFalse(self.env[model].with_user(self.other_user).search([]), model)
        with self.assertRaises(AccessError):
            self._request(self.atradius_policy, 20000, user=self.other_user)

    def test_views_load_for_the_roles(self):
        for user in (self.controller, self.manager):
            for model in (
                "credit.insurance.backend",
                "credit.insurance.policy",
                "credit.insurance.buyer",
                "credit.insurance.cover",
                "res.partner",
            ):
                views = self.env[model].with_user(user).get_views([(False, "form")])
                self.assertIn("form", views["views"])
        arch = self.env["res.partner"].with_user(self.controller).get_views([(False, "form")])
        self.assertIn("credit_exposure_uninsured", arch["views"]["form"]["arch"])
        backend = self.env["credit.insurance.backend"].with_user(self.controller)
        self.assertNotIn("api_key", backend.get_views([(False, "form")])["views"]["form"]["arch"])

    def test_sync_error_noted_by_the_sync_only(self):
        """Why the daily synchronisation failed is noted by it alone: a
        manager (or an administrator) neither forges nor clears it."""
        self.atradius.sudo()._sync_failed(UserError("Insurer down"))
        Backend = self.env["credit.insurance.backend"]
        last_sync = self.atradius.last_sync
        for user in (self.manager, self.admin):
            backend = self.atradius.with_user(user)
            for vals in (
                {"sync_error": "forged: all is fine"},
                {"sync_error": False},
                # Moved forward, the next synchronisation would skip changes.
                {"last_sync": "2099-01-01 00:00:00"},
                {"last_sync": False},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    backend.write(vals)
            for vals in ({"sync_error": "x"}, {"last_sync": "2099-01-01 00:00:00"}):
                with self.assertRaises(AccessError):
                    Backend.with_user(user).create(
                        {"name": "Forged", "company_id": self.company.id, **vals}
                    )
        self.assertEqual(self.atradius.sync_error, "Insurer down")
        self.assertEqual(self.atradius.last_sync, last_sync)

    def test_credentials_go_where_an_administrator_says(self):
        # A manager may not send the administrator's credentials elsewhere.
        for vals in ({"base_url": "http://127.0.0.1:9/steal"}, {"kind": "allianz"}):
            with self.assertRaises(AccessError):
                self.atradius.with_user(self.manager).write(vals)
        self.atradius.with_user(self.manager).write({"timeout": 7, "base_url": self.sandbox.url})
        # Nothing to leak before an administrator enters credentials.
        fresh = (
            self.env["credit.insurance.backend"]
            .with_user(self.manager)
            .create({"name": "New insurer", "kind": "atradius", "company_id": self.company.id})
        )
        fresh.write({"base_url": "http://127.0.0.1:9/", "kind": "allianz"})
        self.atradius.with_user(self.admin).write({"base_url": self.sandbox.url + "/"})
        # Links of the insurer's answers are followed on its own host only.
        adapter = self.atradius._adapter()
        self.assertEqual(
            adapter.url(f"{self.sandbox.url}/v1/jobs/J1"), f"{self.sandbox.url}/v1/jobs/J1"
        )
        with self.assertRaises(InsurerError):
            adapter.url("http://127.0.0.2:9/riskinfo/v3/covers/C1")

    def test_webhook_signature_with_other_characters(self):
        response = self.url_open(
            f"/credit_insurance/webhook/{self.allianz.id}",
            data=b'{"eventId": "E1"}',
            headers={"X-Signature": "\u00e9\u00e9", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 401)

    def test_covers_on_the_partner_for_credit_control(self):
        field = self.env["res.partner"]._fields["credit_insurance_cover_ids"]
        self.assertEqual(field.groups, "credit_management.group_credit_control_user")
        self._request(self.atradius_policy, 10000)
        invoicing = new_test_user(
            self.env,
            login="insurance_invoicing",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        partner = self.customer.with_user(invoicing).with_company(self.company)
        self.assertEqual(partner.credit_insured_limit, 10000)
        with self.assertRaises(AccessError):
            partner.read(["credit_insurance_cover_ids"])

    def test_a_request_key_is_for_its_own_request(self):
        key = uuid.uuid4().hex
        cover = self._request(self.atradius_policy, 10000, key=key)
        self.assertEqual(self._request(self.atradius_policy, 10000, key=key), cover)
        with self.assertRaises(UserError):
            self._request(self.allianz_policy, 10000, key=key)
        self.assertEqual(self.sandbox.count("/covers", "POST"), 1)

    def test_buyer_with_covers_keeps_its_customer_and_id(self):
        """Covers, their history and the exposure they cap stay with the
        customer and the insurer's buyer they were granted for."""
        cover = self._request(self.atradius_policy, 10000)
        buyer = cover.buyer_id
        ref = buyer.insurer_ref
        self.assertTrue(ref)
        for env_buyer in (buyer.with_user(self.manager), buyer.with_user(self.admin), buyer.sudo()):
            for vals in (
                {"partner_id": self.unknown.id},
                {"partner_id": False},
                {"insurer_ref": "OTHER-1"},
                {"insurer_ref": False},
            ):
                with self.assertRaisesRegex(UserError, "has covers"), self.env.cr.savepoint():
                    env_buyer.write(vals)
        # Whatever the cover's state.
        cover.sudo().state = "withdrawn"
        with self.assertRaisesRegex(UserError, "has covers"), self.env.cr.savepoint():
            buyer.with_user(self.manager).write({"partner_id": self.unknown.id})
        # The same values again (a contact stands for its company) change nothing.
        buyer.with_user(self.manager).write(
            {"partner_id": self.customer_contact.id, "insurer_ref": ref}
        )
        self.assertEqual((buyer.partner_id, buyer.insurer_ref), (self.customer, ref))
        self.assertEqual(cover.partner_id, self.customer)
        # A buyer without covers is still resolved by hand.
        pending = (
            self.env["credit.insurance.buyer"]
            .sudo()
            .create({"backend_id": self.atradius.id, "insurer_ref": "B-77"})
        )
        pending.with_user(self.manager).write(
            {"partner_id": self.unknown.id, "insurer_ref": "B-78"}
        )
        self.assertEqual((pending.partner_id, pending.match_state), (self.unknown, "matched"))

    def test_sales_manager_without_credit_rights(self):
        """A Sales Manager (with `sale`, else an internal user managing
        contacts) neither reads nor writes the insurance records, nor reads
        the credit fields of customers and invoices."""
        groups = "base.group_user,base.group_partner_manager"
        sale_manager = self.env.ref("sales_team.group_sale_manager", raise_if_not_found=False)
        if sale_manager:
            groups += ",sales_team.group_sale_manager"
        user = new_test_user(
            self.env,
            login="insurance_sales_manager",
            groups=groups,
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertFalse(user.has_group("credit_management.group_credit_control_user"))
        self.assertEqual(
            bool(sale_manager and sale_manager in user.all_group_ids), bool(sale_manager)
        )
        cover = self._request(self.atradius_policy, 10000)
        start, end = turnover.period_of(self.today.replace(day=1) - timedelta(days=1), "monthly")
        declaration = self.env["credit.insurance.declaration"].create(
            {"policy_id": self.atradius_policy.id, "date_start": start, "date_end": end}
        )
        claim = self.env["credit.insurance.claim"].create(
            {"policy_id": self.atradius_policy.id, "partner_id": self.customer.id}
        )
        writes = [
            (self.atradius_policy, {"indemnity_percent": 100}),
            (cover.buyer_id, {"insurer_ref": "MINE"}),
            (cover, {"amount": 1e9}),
            (claim, {"note": "Mine"}),
            (declaration, {"note": "Mine"}),
        ]
        for record, vals in writes:
            with self.subTest(model=record._name):
                as_user = record.with_user(user)
                with self.assertRaises(AccessError):
                    as_user.search([])
                with self.assertRaises(AccessError):
                    as_user.read(["display_name"])
                with self.assertRaises(AccessError):
                    as_user.write(vals)
        # The credit fields of a customer and an invoice stay hidden.
        invoice = self._invoice(self.customer, 100)
        for record in (self.customer, invoice):
            hidden = [
                name
                for name, field in record._fields.items()
                if field.groups
                and {"credit_management", "credit_management_sale", "credit_insurance"}
                & set(field._modules)
            ]
            self.assertTrue(hidden or record._name == "account.move", record._name)
            for name in hidden:
                with self.subTest(model=record._name, field=name), self.assertRaises(AccessError):
                    record.with_user(user).read([name])
        self.assertIn("credit_insurance_cover_ids", self.customer._fields)
        with self.assertRaises(AccessError):
            self.customer.with_user(user).read(["credit_insurance_cover_ids", "credit_hold"])
