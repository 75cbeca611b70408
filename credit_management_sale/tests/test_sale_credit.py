from odoo import Command
from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.credit_management.engine import check
from odoo.addons.sale.tests.common import SaleCommon
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSaleCredit(AccountPaymentCommon, SaleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref("credit_management.group_credit_control_manager")
        cls.company = cls.env.company
        cls.company.credit_check_mode = "block"
        cls.salesman = new_test_user(
            cls.env,
            login="credit_sale_salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer = cls.env["res.partner"].create({"name": "Order Customer", "is_company": True})
        cls.customer.with_company(cls.company).credit_limit = 1000
        cls.goods = cls.env["product.product"].create(
            {
                "name": "Crate",
                "type": "consu",
                "list_price": 100,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        cls.hours = cls.env["product.product"].create(
            {
                "name": "Fitting hour",
                "type": "service",
                "list_price": 100,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
            }
        )

    def _order(self, qty, product=None, user=None):
        return (
            self.env["sale.order"]
            .with_user(user or self.env.user)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": (product or self.goods).id,
                                "product_uom_qty": qty,
                                "price_unit": 100,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def _status(self):
        self.env.invalidate_all()
        return self.customer.with_company(self.company)

    def test_order_counts_until_invoiced_and_never_twice(self):
        order = self._order(3)
        with check.skipped():
            order.action_confirm()
        partner = self._status()
        self.assertEqual((partner.credit_exposure_sale_orders, partner.credit_exposure), (300, 300))
        invoice = order._create_invoices()
        partner = self._status()
        self.assertEqual(partner.credit_exposure_sale_orders, 0)
        self.assertEqual(partner.credit_exposure_draft_invoices, 300)
        self.assertEqual(partner.credit_exposure, 300)
        invoice._post(soft=False)
        partner = self._status()
        self.assertEqual(partner.credit_exposure_draft_invoices, 0)
        self.assertEqual(partner.credit_exposure_not_due + partner.credit_exposure_overdue, 300)
        self.assertEqual(partner.credit_exposure, 300)

    def test_invoice_from_order_is_not_checked_twice(self):
        order = self._order(8)
        order.action_confirm()
        invoice = order._create_invoices()
        invoice._post(soft=False)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(self._status().credit_exposure, 800)

    def test_confirmation_over_limit_is_refused(self):
        self._order(6).action_confirm()
        order = self._order(5, user=self.salesman)
        self.assertIn("would exceed", order.credit_banner)
        self.assertTrue(order.credit_banner_blocks)
        with self.assertRaises(UserError) as error:
            order.with_user(self.salesman).action_confirm()
        self.assertIn("100.00", str(error.exception))
        self.assertEqual(order.state, "draft")

    def test_salesperson_requests_limit_from_quotation(self):
        self._order(6).action_confirm()
        order = self._order(5, user=self.salesman).with_user(self.salesman)
        action = order.action_credit_request_limit()
        self.assertEqual(action["res_model"], "credit.limit.request")
        # 600 already ordered + 500 on this quotation: ask for 1,100.
        form_context = action["context"]
        self.assertEqual(form_context["default_requested_limit"], 1100)
        request = (
            self.env["credit.limit.request"]
            .with_user(self.salesman)
            .with_context(**form_context)
            .create({})
        )
        self.assertEqual(
            (request.partner_id, request.requested_limit, request.requested_by_id),
            (self.customer, 1100, self.salesman),
        )
        self.assertIn(order.name, request.reason)
        self.assertEqual(request.state, "to_approve")

    def test_hold_blocks_confirmation(self):
        self.customer.with_company(self.company)._credit_set_hold("Insolvency rumours")
        order = self._order(1)
        with self.assertRaises(UserError):
            order.with_user(self.salesman).action_confirm()

    def test_salesman_without_credit_rights_gets_banner_and_reason(self):
        # The salesman reads no credit field of the partner; the check reads them for it.
        self.customer.with_company(self.company)._credit_set_hold("Insolvency rumours")
        order = self._order(1, user=self.salesman)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).read(["credit_hold_reason"])
        self.assertIn("Insolvency rumours", order.with_user(self.salesman).credit_banner)
        with self.assertRaisesRegex(UserError, "Insolvency rumours"):
            order.with_user(self.salesman).action_confirm()

    def test_manager_override_on_order(self):
        order = self._order(12)
        action = order.action_confirm()
        wizard = self.env["credit.override.wizard"].browse(action["res_id"])
        wizard.reason = "Prepayment received by wire"
        wizard.action_override()
        self.assertEqual(order.state, "sale")
        self.assertRecordValues(
            order.credit_override_ids,
            [{"order_id": order.id, "amount": 1200, "excess": 200, "used": True}],
        )

    def test_delivery_policy_counts_delivered_quantities(self):
        order = self._order(5, product=self.hours)
        with check.skipped():
            order.action_confirm()
        order.order_line.qty_delivered = 2
        self.assertEqual(self._status().credit_exposure_sale_orders, 200)

    def test_online_payment_confirms_even_on_hold(self):
        self.customer.with_company(self.company)._credit_set_hold("Late payer")
        order = self._order(2)
        transaction = self._create_transaction(
            "redirect",
            sale_order_ids=[Command.set(order.ids)],
            amount=order.amount_total,
            currency_id=order.currency_id.id,
            partner_id=self.customer.id,
            state="done",
        )
        transaction._check_amount_and_confirm_order()
        self.assertEqual(order.state, "sale")

    def test_exposure_report_shows_orders(self):
        order = self._order(4)
        with check.skipped():
            order.action_confirm()
        row = self.env["credit.exposure"].search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual((row.sale_orders, row.exposure), (400, 400))


@tagged("post_install", "-at_install")
class TestSaleCreditPrepaymentAndPortal(TestSaleCredit):
    """Online prepayments skip the check only for what they pay; down
    payments count once; a portal customer never sees credit figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.controller = new_test_user(
            cls.env,
            login="credit_sale_controller",
            groups="base.group_user,credit_management.group_credit_control_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer.email = "buyer@example.com"
        cls.portal_user = new_test_user(
            cls.env,
            login="credit_sale_portal",
            groups="base.group_portal",
            partner_id=cls.customer.id,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.review_type = cls.env.ref(
            "credit_management_sale.mail_activity_type_order_credit_check"
        )

    def _pay_online(self, order, amount, state="done"):
        return self._create_transaction(
            "redirect",
            sale_order_ids=[Command.set(order.ids)],
            amount=amount,
            currency_id=order.currency_id.id,
            partner_id=self.customer.id,
            state=state,
            reference=f"{order.name}-{amount}",
        )

    def _down_payment(self, order, percent):
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": percent})
        )
        wizard.create_invoices()
        return order.invoice_ids.filtered(lambda move: move.state == "draft")

    def test_partial_prepayment_checks_the_rest(self):
        order = self._order(20)  # 2,000 on a 1,000 limit
        self.env["ir.config_parameter"].sudo().set_param("sale.automatic_invoice", False)
        order.write({"require_payment": True, "prepayment_percent": 0.3})
        self._pay_online(order, 600)._post_process()
        self.assertEqual(order.state, "draft", "1,400 left on credit is over the limit")
        self.assertTrue(order.credit_review_pending)
        small = self._order(12)  # 1,200, 360 paid: 840 on credit fits
        small.write({"require_payment": True, "prepayment_percent": 0.3})
        self._pay_online(small, 360)._post_process()
        self.assertEqual(small.state, "sale")

    def test_down_payment_counts_once(self):
        order = self._order(10)
        with check.skipped():
            order.action_confirm()
        down = self._down_payment(order, 30)
        partner = self._status()
        self.assertEqual(partner.credit_exposure_draft_invoices, 300)
        self.assertEqual(partner.credit_exposure_sale_orders, 700)
        self.assertEqual(partner.credit_exposure, 1000)
        with check.skipped():
            down._post(soft=False)
        self.assertEqual(self._status().credit_exposure, 1000)
        final = order._create_invoices(final=True)
        self.assertEqual(final.amount_total, 700)
        partner = self._status()
        self.assertEqual(partner.credit_exposure_sale_orders, 0)
        self.assertEqual(partner.credit_exposure, 1000)

    def test_portal_acceptance_left_for_credit_control(self):
        within = self._order(3)
        within.with_user(self.portal_user).sudo()._validate_order()
        self.assertEqual((within.state, within.credit_review_pending), ("sale", False))
        order = self._order(8)  # 300 + 800 over 1,000
        order.require_payment = False
        order.require_signature = True
        order_as_portal = order.with_user(self.portal_user).sudo()
        order_as_portal._validate_order()  # what /my/orders/<id>/accept runs
        self.assertEqual(order.state, "draft")
        self.assertTrue(order.credit_review_pending)
        activities = order.activity_ids.filtered(lambda a: a.activity_type_id == self.review_type)
        self.assertIn(self.controller, activities.user_id)
        self.assertNotIn("1,000", " ".join(activities.mapped("note")))
        # Nothing the customer can read names the limit or the exposure.
        portal_messages = order.message_ids.filtered(lambda m: not m.subtype_id.internal)
        self.assertFalse(any("credit" in (m.body or "").lower() for m in portal_messages))
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).credit_review_pending = False
        # Credit control confirms with an override: the activity is done.
        action = order.action_confirm()
        wizard = self.env["credit.override.wizard"].browse(action["res_id"])
        wizard.reason = "Known customer, paying on delivery"
        wizard.action_override()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.credit_review_pending)
        self.assertFalse(
            order.activity_ids.filtered(lambda a: a.activity_type_id == self.review_type)
        )

    def test_portal_reads_no_banner_and_requests_no_limit(self):
        order = self._order(12)  # over the limit: the banner names limit and exposure
        self.assertTrue(order.credit_banner)
        as_portal = order.with_user(self.portal_user)
        as_portal.check_access("read")  # the customer's own quotation
        with self.assertRaises(AccessError):
            as_portal.read(["credit_banner"])
        with self.assertRaises(AccessError):
            as_portal.read(["credit_banner_blocks"])
        with self.assertRaises(AccessError):
            as_portal.action_credit_request_limit()
