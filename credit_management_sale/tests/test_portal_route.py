from odoo import Command
from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.sale.tests.common import SaleCommon
from odoo.tests import tagged

# A 1x1 GIF: the signature the portal posts.
SIGNATURE = "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs="


@tagged("post_install", "-at_install")
class TestPortalAcceptRoute(AccountPaymentCommon, PaymentHttpCommon, SaleCommon):
    """The customer signs through /my/orders/<id>/accept as the portal does:
    an order the credit check stops waits for credit control, and the
    customer reads no limit, exposure or reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref("credit_management.group_credit_control_manager")
        cls.company = cls.env.company
        cls.company.credit_check_mode = "block"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Portal Customer", "is_company": True, "email": "portal@example.com"}
        )
        cls.customer.with_company(cls.company).credit_limit = 1000
        cls.customer.with_company(cls.company)._credit_set_hold("Bounced cheques")
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "require_signature": True,
                "require_payment": False,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 1,
                            "price_unit": 1500,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        cls.order.action_quotation_sent()

    def test_signature_leaves_order_for_credit_control(self):
        token = self.order._portal_ensure_token()
        url = self._build_url(f"/my/orders/{self.order.id}/accept")
        result = self.make_jsonrpc_request(
            url, {"access_token": token, "name": "Buyer", "signature": SIGNATURE}
        )
        self.assertNotIn("error", result)
        self.env.invalidate_all()  # the request ran in its own environment
        self.assertEqual(self.order.state, "sent")
        self.assertTrue(self.order.credit_review_pending)
        self.assertTrue(self.order.activity_ids)
        page = self._make_http_get_request(
            self._build_url(f"/my/orders/{self.order.id}"),
            params={"access_token": token, "message": "sign_ok"},
        )
        self.assertEqual(page.status_code, 200)
        self.assertIn("reviewing it", page.text)
        for secret in ("Bounced", "credit limit", "Exposure", "1,000", "on credit hold"):
            self.assertNotIn(secret, page.text)
