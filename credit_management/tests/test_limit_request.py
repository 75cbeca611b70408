from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestLimitRequest(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.risk_class = cls.env["credit.risk.class"].create(
            {"name": "Good", "code": "B", "default_credit_limit": 2000}
        )
        cls.customer.with_company(cls.company).credit_risk_class_id = cls.risk_class
        cls._invoice(cls.customer, 1500, due_days=-3)

    def _request(self, user, amount=5000):
        return (
            self.env["credit.limit.request"]
            .with_user(user)
            .with_company(self.company)
            .create(
                {
                    "partner_id": self.customer_contact.id,
                    "requested_limit": amount,
                    "reason": "Bigger orders",
                }
            )
        )

    def test_salesman_requests_manager_approves(self):
        request = self._request(self.salesman)
        self.assertEqual(request.partner_id, self.customer, "requests go to the commercial partner")
        self.assertEqual(request.state, "to_approve")
        self.assertIn(
            self.manager,
            request.activity_ids.user_id,
            "managers are asked to decide",
        )
        with self.assertRaises(AccessError):
            request.with_user(self.salesman).action_approve()
        with self.assertRaises(AccessError):
            request.with_user(self.salesman).write({"state": "approved"})
        request.with_user(self.manager).action_approve()
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.credit_limit, 5000)
        self.assertEqual(partner.credit_limit_source, "partner")
        self.assertRecordValues(
            request,
            [
                {
                    "state": "approved",
                    "approved_limit": 5000,
                    "decided_by_id": self.manager.id,
                    "previous_limit": 2000,
                    "snapshot_exposure": 1500,
                    "snapshot_overdue": 1500,
                    "snapshot_available": 500,
                    "snapshot_risk_class_id": self.risk_class.id,
                }
            ],
        )
        self.assertFalse(request.activity_ids)
        with self.assertRaises(UserError):
            request.with_user(self.manager).write({"requested_limit": 1})

    def test_manager_grants_another_amount(self):
        request = self._request(self.controller)
        request.with_user(self.manager).write({"approved_limit": 3000})
        request.with_user(self.manager).action_approve()
        self.assertEqual(self.customer.with_company(self.company).credit_limit, 3000)

    def test_refusal_needs_a_note_and_keeps_the_limit(self):
        request = self._request(self.salesman)
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_refuse()
        request.with_user(self.manager).decision_note = "Too many late payments"
        request.with_user(self.manager).action_refuse()
        self.assertEqual(request.state, "refused")
        self.assertEqual(self.customer.with_company(self.company).credit_limit_effective, 2000)
        self.assertEqual(request.previous_limit, 2000)

    def test_requester_cancels_own_request_only(self):
        request = self._request(self.salesman)
        other = self._request(self.controller)
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).action_cancel()
        request.with_user(self.salesman).action_cancel()
        self.assertEqual(request.state, "cancelled")

    def test_limits_change_only_through_managers(self):
        partner = self.customer.with_company(self.company)
        for user in (self.salesman, self.controller):
            with self.assertRaises(AccessError):
                partner.with_user(user).credit_limit = 99999
            with self.assertRaises(AccessError):
                partner.with_user(user).credit_risk_class_id = False
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user).with_company(self.company).create(
                    {"name": "Self-granted", "credit_limit": 50000}
                )
        partner.with_user(self.manager).credit_limit = 4000
        self.assertEqual(partner.credit_limit, 4000)

    def test_salesman_sees_only_own_requests(self):
        mine = self._request(self.salesman)
        theirs = self._request(self.controller)
        visible = self.env["credit.limit.request"].with_user(self.salesman).search([])
        self.assertIn(mine, visible)
        self.assertNotIn(theirs, visible)
        visible = self.env["credit.limit.request"].with_user(self.controller).search([])
        self.assertEqual(visible & (mine | theirs), mine | theirs)
