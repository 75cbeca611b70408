from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from ..engine import prepared
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestExposure(CreditCommon):
    def _status(self, partner):
        """The partner as the Credit tab shows it now (exposure is never cached
        across changes of other models)."""
        self.env.invalidate_all()
        return partner.with_company(self.company)

    def test_not_due_and_overdue_buckets(self):
        self._invoice(self.customer, 1000, due_days=10)
        self._invoice(self.customer, 400, due_days=-5)
        partly_paid = self._invoice(self.customer, 300, due_days=-40)
        self._pay(partly_paid, amount=100)
        partner = self._status(self.customer)
        self.assertEqual(partner.credit_exposure_not_due, 1000)
        self.assertEqual(partner.credit_exposure_overdue, 600)
        self.assertEqual(partner.credit_exposure, 1600)

    def test_contact_invoices_count_for_commercial_partner(self):
        self._invoice(self.customer_contact, 250)
        self.assertEqual(self._status(self.customer).credit_exposure, 250)
        self.assertEqual(self._status(self.customer_contact).credit_exposure, 250)

    def test_draft_invoices_only_when_company_counts_them(self):
        self._invoice(self.customer, 700, post=False)
        self.assertEqual(self._status(self.customer).credit_exposure, 0)
        self.company.credit_include_draft = True
        self.customer.invalidate_recordset()
        partner = self._status(self.customer)
        self.assertEqual(partner.credit_exposure_draft_invoices, 700)
        self.assertEqual(partner.credit_exposure, 700)

    def test_unapplied_credits_net_only_when_company_nets_them(self):
        self._invoice(self.customer, 1000)
        self._invoice(self.customer, 300, move_type="out_refund")
        partner = self._status(self.customer)
        self.assertEqual(partner.credit_exposure, 1000)
        self.assertEqual(partner.credit_exposure_unapplied, 0)
        self.company.credit_net_unapplied = True
        self.customer.invalidate_recordset()
        partner = self._status(self.customer)
        self.assertEqual(partner.credit_exposure_unapplied, -300)
        self.assertEqual(partner.credit_exposure, 700)

    def test_foreign_currency_at_todays_rate(self):
        eur = self.setup_other_currency(
            "EUR",
            rates=[
                ("2000-01-01", 2.0),
                ((self.today - timedelta(days=5)).isoformat(), 4.0),
            ],
        )
        invoice = self._invoice(self.customer, 1000, currency=eur, date_days=-20)
        # Booked at 2 EUR per unit of company currency, worth 4 per unit today.
        self.assertAlmostEqual(invoice.amount_residual_signed, 500)
        self.assertAlmostEqual(self._status(self.customer).credit_exposure, 250)
        self._invoice(self.customer, 100)
        self.assertAlmostEqual(self._status(self.customer).credit_exposure, 350)

    def test_other_company_items_are_not_counted(self):
        other = self.setup_other_company(name="Other Co")["company"]
        self._invoice(self.customer, 900, company=other)
        self._invoice(self.customer, 100)
        self.assertEqual(self._status(self.customer).credit_exposure, 100)
        self.assertEqual(self.customer.with_company(other).credit_exposure, 900)

    def test_limit_sources(self):
        risk_class = self.env["credit.risk.class"].create(
            {"name": "Fair", "code": "C", "default_credit_limit": 3000}
        )
        partner = self._status(self.customer)
        self.assertEqual(partner.credit_limit_source, "none")
        self.env["ir.default"].set("res.partner", "credit_limit", 1500, company_id=self.company.id)
        self.customer.invalidate_recordset()
        self.assertEqual(
            (partner.credit_limit_source, partner.credit_limit_effective), ("company", 1500)
        )
        partner.credit_risk_class_id = risk_class
        self.customer.invalidate_recordset()
        self.assertEqual(
            (partner.credit_limit_source, partner.credit_limit_effective), ("class", 3000)
        )
        self._set_limit(self.customer, 800)
        self.customer.invalidate_recordset()
        self.assertEqual(
            (partner.credit_limit_source, partner.credit_limit_effective), ("partner", 800)
        )

    def test_available_credit_and_over_limit_search(self):
        other = self.env["res.partner"].create({"name": "Other Customer", "is_company": True})
        self._set_limit(self.customer, 1000)
        self._set_limit(other, 5000)
        self._invoice(self.customer, 1200)
        self._invoice(other, 1200)
        partner = self._status(self.customer)
        self.assertEqual(partner.credit_available, -200)
        self.assertTrue(partner.credit_over_limit)
        Partner = self.env["res.partner"].with_company(self.company)
        over = Partner.search([("credit_over_limit", "=", True)])
        self.assertIn(self.customer, over)
        self.assertIn(self.customer_contact, over)
        self.assertNotIn(other, over)
        self.assertIn(other, Partner.search([("credit_over_limit", "=", False)]))

    def test_exposure_report_rows(self):
        self._set_limit(self.customer, 1000)
        self._invoice(self.customer, 1500, due_days=-3)
        rows = (
            self.env["credit.exposure"]
            .with_company(self.company)
            .search([("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)])
        )
        self.assertEqual(len(rows), 1)
        self.assertRecordValues(
            rows,
            [
                {
                    "credit_limit": 1000,
                    "overdue": 1500,
                    "not_due": 0,
                    "exposure": 1500,
                    "available": -500,
                    "excess": 500,
                    "over_limit": True,
                    "utilisation": 150,
                }
            ],
        )
        over = self.env["credit.exposure"].search([("over_limit", "=", True)], order="excess desc")
        self.assertIn(rows, over)

    def test_group_exposure(self):
        parent = self.env["res.partner"].create({"name": "Holding", "is_company": True})
        subsidiary = self.env["res.partner"].create(
            {"name": "Subsidiary", "is_company": True, "parent_id": parent.id}
        )
        self._set_limit(parent, 10000)
        self._invoice(parent, 2000)
        self._invoice(subsidiary, 3000)
        sub = subsidiary.with_company(self.company)
        self.assertEqual(sub.credit_exposure, 3000)
        self.assertEqual(sub.credit_group_partner_id, parent)
        self.assertEqual(sub.credit_group_exposure, 5000)
        self.assertEqual(sub.credit_group_limit, 10000)
        self.assertFalse(self._status(self.customer).credit_group_partner_id)

    def test_drill_down_matches_bucket(self):
        self._invoice(self.customer, 500, due_days=-10)
        self._invoice(self.customer, 250, due_days=10)
        partner = self._status(self.customer)
        action = partner.with_context(credit_bucket="overdue").action_credit_open_items()
        items = self.env["account.move.line"].search(action["domain"])
        self.assertEqual(sum(items.mapped("amount_residual")), partner.credit_exposure_overdue)
        action = partner.with_context(credit_bucket="not_due").action_credit_open_items()
        items = self.env["account.move.line"].search(action["domain"])
        self.assertEqual(sum(items.mapped("amount_residual")), 250)

    def test_status_runs_as_one_prepared_statement_on_fresh_data(self):
        """The check's status query is prepared once per connection (a
        statement for one partner serves two: ids are one array parameter) and
        answers like the plain query, on the data of the moment."""
        partners = self.env["res.partner"]
        self._invoice(self.customer, 300)
        partners._credit_flush()
        plain = self.env.execute_query_dict(
            partners._credit_status_sql(self.company, (self.customer.id,))
        )
        count = SQL("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'credit%%'")
        status = partners._credit_status(self.company, [self.customer.id])
        self.assertEqual(status[self.customer.id], plain[0])
        prepared_count = self.env.execute_query(count)[0][0]
        self.assertGreaterEqual(prepared_count, 1)
        for amount in range(1, 8):  # past the custom plans, onto the generic one
            self._invoice(self.customer, amount)
            status = partners._credit_status(self.company, [self.customer.id, self.partner_a.id])
        self.assertEqual(status[self.customer.id]["exposure"], 300 + sum(range(1, 8)))
        self.assertEqual(status[self.partner_a.id]["exposure"], 0)
        self.assertEqual(self.env.execute_query(count)[0][0], prepared_count, "prepared once")

    def test_prepared_statement_types(self):
        self.assertEqual(prepared._type([1, 2]), "integer[]")
        self.assertEqual(prepared._type(2**40), "bigint")
        self.assertEqual(prepared._type(self.today), "date")
        self.assertEqual(prepared._type(1.5), "numeric")
        self.assertEqual(prepared._type("2026-01-31"), "unknown")
        # A string takes the type of what it is compared with, as in plain SQL.
        prepared.execute(self.env.cr, SQL("SELECT %s < CURRENT_DATE", "2000-01-31"))
        self.assertEqual(self.env.cr.fetchall(), [(True,)])
        self.assertIsNone(prepared._type(None))
        self.assertIsNone(prepared._type([1, "a"]))
        # A query with a parameter of unknown type runs as a plain query.
        prepared.execute(self.env.cr, SQL("SELECT %s::int IS NULL", None))
        self.assertEqual(self.env.cr.fetchall(), [(True,)])
