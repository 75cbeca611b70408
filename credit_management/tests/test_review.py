from datetime import timedelta

from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditReview(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.risk_class = cls.env["credit.risk.class"].create(
            {
                "name": "Weak",
                "code": "D",
                "review_interval_months": 3,
                "review_user_id": cls.controller.id,
            }
        )
        cls.review_type = cls.env.ref("credit_management.mail_activity_type_credit_review")

    def _reviews(self, partner):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", self.review_type.id),
            ]
        )

    def test_review_activity_when_interval_elapsed(self):
        partner = self.customer.with_company(self.company)
        partner.credit_risk_class_id = self.risk_class
        partner.credit_last_review_date = self.today - timedelta(days=40)
        self.env["res.partner"].with_company(self.company)._credit_create_reviews(self.company)
        self.assertFalse(self._reviews(self.customer), "reviewed 40 days ago: not due")

        partner.credit_last_review_date = self.today - timedelta(days=100)
        self.env["res.partner"].with_company(self.company)._credit_create_reviews(self.company)
        review = self._reviews(self.customer)
        self.assertEqual(len(review), 1)
        self.assertEqual(review.user_id, self.controller)

        self.env["res.partner"].with_company(self.company)._credit_create_reviews(self.company)
        self.assertEqual(len(self._reviews(self.customer)), 1, "never twice")

        review.with_user(self.controller).action_feedback(feedback="Limit confirmed")
        self.assertEqual(partner.credit_last_review_date, self.today)

    def test_no_review_without_interval(self):
        self.risk_class.review_interval_months = 0
        self.customer.with_company(self.company).credit_risk_class_id = self.risk_class
        self.env["res.partner"].with_company(self.company)._credit_create_reviews(self.company)
        self.assertFalse(self._reviews(self.customer))
