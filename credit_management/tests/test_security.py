from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestSecurity(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Other Company")["company"]
        cls.other_manager = new_test_user(
            cls.env,
            login="other_credit_manager",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.portal = new_test_user(cls.env, login="credit_portal", groups="base.group_portal")
        cls.customer.with_company(cls.company).credit_limit = 100
        cls.invoice = cls._invoice(cls.customer, 500, post=False)
        cls.override = cls.env["credit.override"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "move_id": cls.invoice.id,
                "reason": "test",
                "kind": "limit",
            }
        )
        cls.request = (
            cls.env["credit.limit.request"]
            .with_company(cls.company)
            .create({"partner_id": cls.customer.id, "requested_limit": 1000, "reason": "test"})
        )
        cls.company_class = cls.env["credit.risk.class"].create(
            {"name": "Own", "code": "OWN", "company_id": cls.company.id}
        )

    def test_other_company_sees_nothing(self):
        for model, record in (
            ("credit.override", self.override),
            ("credit.limit.request", self.request),
            ("credit.risk.class", self.company_class),
        ):
            visible = self.env[model].with_user(self.other_manager).search([])
            self.assertNotIn(record, visible, model)
        rows = (
            self.env["credit.exposure"]
            .with_user(self.other_manager)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertFalse(rows.filtered(lambda r: r.company_id == self.company))

    def test_other_company_request_is_refused(self):
        with self.assertRaises(AccessError):
            self.request.with_user(self.other_manager).action_approve()

    def test_portal_users_see_none_of_it(self):
        for model in (
            "credit.override",
            "credit.risk.class",
            "credit.risk.score",
            "credit.exposure",
        ):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.portal).search([])

    def test_portal_users_see_no_limit_request_of_others(self):
        """Without credit_management_portal a portal user reads no limit
        request; with it, only its own customer's portal applications."""
        Request = self.env["credit.limit.request"].with_user(self.portal)
        if self.env["ir.module.module"]._get("credit_management_portal").state != "installed":
            with self.assertRaises(AccessError):
                Request.search([])
            return
        own = self.portal.partner_id.commercial_partner_id
        self.assertFalse(Request.search([("partner_id", "!=", own.id)]))

    def test_credit_user_reads_but_does_not_configure(self):
        self.env["credit.exposure"].with_user(self.controller).search([])
        self.env["credit.override"].with_user(self.controller).search([])
        with self.assertRaises(AccessError):
            self.env["credit.risk.class"].with_user(self.controller).create(
                {"name": "Mine", "code": "M"}
            )
        with self.assertRaises(AccessError):
            self.env["credit.exposure"].with_user(self.salesman).search([])

    def test_override_log_is_immutable(self):
        with self.assertRaises(AccessError):
            self.override.with_user(self.manager).write({"reason": "rewritten"})
        with self.assertRaises(AccessError):
            self.override.with_user(self.manager).unlink()
