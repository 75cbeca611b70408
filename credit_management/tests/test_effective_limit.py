from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestEffectiveLimit(CreditCommon):
    """A limit set on the partner is the one enforced, whatever its value,
    although Odoo stores no value equal to the company's default."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.default"].set("res.partner", "credit_limit", 5000, company_id=cls.company.id)
        cls.risk_class = cls.env["credit.risk.class"].create(
            {"name": "Watch", "code": "D", "default_credit_limit": 1000}
        )
        cls.customer.with_company(cls.company).credit_risk_class_id = cls.risk_class

    def _partner(self):
        self.env.invalidate_all()
        return self.customer.with_company(self.company)

    def _limit(self):
        partner = self._partner()
        return partner.credit_limit_source, partner.credit_limit_effective

    def test_typed_limit_equal_to_company_default(self):
        self.assertEqual(self._limit(), ("class", 1000))
        self._set_limit(self.customer, 5000)
        self.assertEqual(self._limit(), ("partner", 5000))
        self._invoice(self.customer, 3000)
        draft = self._invoice(self.customer, 1500, post=False)
        draft._post(soft=False)  # 4,500 of 5,000: the class's 1,000 does not apply
        self.assertEqual(draft.state, "posted")
        self.assertTrue(self._partner().use_partner_credit_limit)
        # Unticking Odoo's "Partner Limit" gives back the class's limit.
        self._partner().use_partner_credit_limit = False
        self.assertEqual(self._limit(), ("class", 1000))
        with self.assertRaises(UserError):
            self._invoice(self.customer, 100, post=False)._post(soft=False)

    def test_zero_is_no_limit_chosen_for_the_partner(self):
        # Without a default limit Odoo's fallback is 0: a typed 0 was dropped.
        self.env["ir.default"].set("res.partner", "credit_limit", 0, company_id=self.company.id)
        self._set_limit(self.customer, 0)
        self.assertEqual(self._limit(), ("partner", 0))
        draft = self._invoice(self.customer, 50000, post=False)
        draft._post(soft=False)
        self.assertEqual(draft.state, "posted")

    def test_approved_and_created_limits_equal_to_default(self):
        request = (
            self.env["credit.limit.request"]
            .with_user(self.salesman)
            .with_company(self.company)
            .create({"partner_id": self.customer.id, "requested_limit": 5000, "reason": "x"})
        )
        request.with_user(self.manager).action_approve()
        self.assertEqual(self._limit(), ("partner", 5000))
        other = (
            self.env["res.partner"]
            .with_company(self.company)
            .create(
                {
                    "name": "New Customer",
                    "is_company": True,
                    "credit_limit": 5000,
                    "credit_risk_class_id": self.risk_class.id,
                }
            )
        )
        self.env.invalidate_all()
        self.assertEqual(
            (other.credit_limit_source, other.credit_limit_effective), ("partner", 5000)
        )

    def test_own_flag_is_a_manager_field(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).with_company(self.company).write(
                {"credit_limit_own": True}
            )
