from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..engine import check
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditCheck(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.with_company(cls.company).credit_limit = 1000
        cls._invoice(cls.customer, 600)

    def _draft(self, amount, partner=None):
        return self._invoice(partner or self.customer, amount, post=False)

    def test_within_available_credit_posts(self):
        invoice = self._draft(400)
        invoice.with_user(self.salesman).action_post()
        self.assertEqual(invoice.state, "posted")

    def test_over_available_credit_is_refused_with_the_numbers(self):
        invoice = self._draft(500)
        with self.assertRaises(UserError) as error:
            invoice.with_user(self.salesman).action_post()
        message = str(error.exception)
        for figure in ("1,000.00", "600.00", "500.00", "100.00"):
            self.assertIn(figure, message)
        self.assertIn("Credit Control Manager can override", message)
        self.assertEqual(invoice.state, "draft")

    def test_server_side_post_is_checked_too(self):
        invoice = self._draft(500)
        with self.assertRaises(UserError):
            invoice._post(soft=False)

    def test_hold_blocks_any_invoice_but_not_refunds(self):
        self.customer.with_company(self.company)._credit_set_hold("Returned cheque")
        invoice = self._draft(10)
        with self.assertRaises(UserError) as error:
            invoice.with_user(self.salesman).action_post()
        self.assertIn("Returned cheque", str(error.exception))
        refund = self._invoice(self.customer, 50, post=False, move_type="out_refund")
        refund.with_user(self.salesman).action_post()
        self.assertEqual(refund.state, "posted")

    def test_hold_from_wizard_and_release(self):
        wizard = (
            self.env["credit.hold.wizard"]
            .with_user(self.controller)
            .create({"partner_ids": self.customer_contact.ids, "reason": "Disputed delivery"})
        )
        wizard.action_hold()
        partner = self.customer.with_company(self.company)
        self.assertTrue(partner.credit_hold)
        self.assertEqual(partner.credit_hold_reason, "Disputed delivery")
        self.assertEqual(partner.credit_hold_user_id, self.controller)
        partner.with_user(self.controller).action_credit_release()
        self.assertFalse(partner.credit_hold)

    def test_warn_mode_posts_and_logs(self):
        self.company.credit_check_mode = "warn"
        invoice = self._draft(500)
        invoice.with_user(self.salesman).action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(
            any("warning mode" in (m.body or "") for m in invoice.message_ids),
            "the warning is logged on the invoice",
        )

    def test_no_check_mode(self):
        self.company.credit_check_mode = "none"
        invoice = self._draft(5000)
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_banner_on_draft_invoice(self):
        invoice = self._draft(500)
        self.assertIn("credit_management_check", invoice.alerts)
        self.assertEqual(invoice.alerts["credit_management_check"]["level"], "danger")
        within = self._draft(100)
        self.assertNotIn("credit_management_check", within.alerts or {})

    def test_manager_override_with_reason_is_logged(self):
        invoice = self._draft(500)
        action = invoice.with_user(self.manager).action_post()
        self.assertEqual(action["res_model"], "credit.override.wizard")
        wizard = self.env["credit.override.wizard"].with_user(self.manager).browse(action["res_id"])
        with self.assertRaises(UserError):
            wizard.action_override()
        self.assertEqual(invoice.state, "draft")
        wizard.reason = "Paid by bank guarantee"
        wizard.action_override()
        self.assertEqual(invoice.state, "posted")
        override = invoice.credit_override_ids
        self.assertRecordValues(
            override,
            [
                {
                    "partner_id": self.customer.id,
                    "user_id": self.manager.id,
                    "kind": "limit",
                    "credit_limit": 1000,
                    "exposure": 600,
                    "amount": 500,
                    "excess": 100,
                    "reason": "Paid by bank guarantee",
                    "used": True,
                }
            ],
        )
        self.assertIn(override, self.customer.credit_override_ids)

    def test_override_is_manager_only(self):
        invoice = self._draft(500)
        with self.assertRaises(AccessError):
            self.env["credit.override"].with_user(self.controller).create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "move_id": invoice.id,
                    "reason": "sneaky",
                    "kind": "limit",
                }
            )
        with self.assertRaises(AccessError):
            self.env["credit.override.wizard"].with_user(self.controller).create(
                {"res_model": "account.move", "res_ids": invoice.ids, "reason": "sneaky"}
            )
        # An unused override of another document does not open this one.
        other = self._draft(500)
        failure = other._credit_failures(lock=False)[0]
        self.env["credit.override"]._create_from_failure(failure, other, "for the other", 500)
        with self.assertRaises(UserError):
            invoice._post(soft=False)

    def test_group_limit(self):
        parent = self.env["res.partner"].create({"name": "Holding", "is_company": True})
        subsidiary = self.env["res.partner"].create(
            {"name": "Subsidiary", "is_company": True, "parent_id": parent.id}
        )
        parent.with_company(self.company).credit_limit = 3000
        self._invoice(parent, 2000)
        invoice = self._draft(1500, partner=subsidiary)
        with self.assertRaises(UserError) as error:
            invoice._post(soft=False)
        self.assertIn("group Holding", str(error.exception))
        self.company.credit_check_group = False
        invoice._post(soft=False)
        self.assertEqual(invoice.state, "posted")

    def test_draft_being_posted_is_not_counted_twice(self):
        self.company.credit_include_draft = True
        invoice = self._draft(400)
        invoice._post(soft=False)
        self.assertEqual(invoice.state, "posted")

    def test_several_invoices_posted_together_add_up(self):
        first, second = self._draft(250), self._draft(250)
        with self.assertRaises(UserError):
            (first | second)._post(soft=False)
        first._post(soft=False)
        self.assertEqual(first.state, "posted")

    def test_skipped_flow_is_not_checked(self):
        invoice = self._draft(5000)
        with check.skipped():
            invoice._post(soft=False)
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(check.is_skipped())

    def test_form_onchange_does_not_break(self):
        with Form(self.env["account.move"].with_context(default_move_type="out_invoice")) as form:
            form.partner_id = self.customer
            with form.invoice_line_ids.new() as line:
                line.name = "Goods"
                line.price_unit = 50
        self.assertEqual(form.record.state, "draft")

    def test_payment_term_longer_than_class_allows(self):
        risk_class = self.env["credit.risk.class"].create(
            {"name": "Short terms", "code": "ST", "max_payment_days": 30}
        )
        self.customer.with_company(self.company).credit_risk_class_id = risk_class
        long_terms = self._invoice(self.customer, 10, post=False, date_days=0, due_days=60)
        self.assertIn(
            "60 days to pay", long_terms.alerts["credit_management_payment_term"]["message"]
        )
        short_terms = self._invoice(self.customer, 10, post=False, date_days=0, due_days=20)
        self.assertNotIn("credit_management_payment_term", short_terms.alerts or {})

    def test_contacts_carry_the_commercial_partners_hold(self):
        self.customer.with_company(self.company)._credit_set_hold("Audit")
        self.assertTrue(self.customer_contact.with_company(self.company).credit_hold)
        holders = (
            self.env["res.partner"]
            .with_company(self.company)
            .search(
                [
                    ("credit_hold", "=", True),
                    ("id", "in", (self.customer | self.customer_contact).ids),
                ]
            )
        )
        self.assertEqual(holders, self.customer | self.customer_contact)


@tagged("post_install", "-at_install")
class TestDemoPosting(CreditCommon):
    def test_unchecked_posting_only_while_loading_data(self):
        invoice = self._invoice(self.customer, 100, post=False)
        with self.assertRaises(AccessError):
            invoice.sudo()._credit_post_demo()
        self.assertEqual(invoice.state, "draft")
