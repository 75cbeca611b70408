from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditStatusReport(CreditCommon):
    def test_report_shows_the_figures(self):
        self.customer.with_company(self.company).credit_limit = 2000
        self._invoice(self.customer, 750, due_days=-5)
        self.customer.with_company(self.company)._credit_set_hold("Audit pending")
        self.env["credit.risk.score"]._compute_scores(self.company, self.customer)
        html, _kind = (
            self.env["ir.actions.report"]
            .with_company(self.company)
            ._render_qweb_html("credit_management.credit_status_report", self.customer_contact.ids)
        )
        html = html.decode()
        self.assertIn("Credit status", html)
        self.assertIn("Customer Ltd", html)
        self.assertIn("Audit pending", html)
        self.assertIn("750.00", html)
        self.assertIn("1,250.00", html)  # available credit
        self.assertIn("Risk score", html)
