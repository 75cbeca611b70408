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
