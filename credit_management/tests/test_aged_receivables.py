"""Aged receivables as of a date: totals equal to the general ledger, items
and buckets, access as each role, PDF and XLSX."""

import io
import zipfile
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..engine import check
from .common import CreditCommon
from .test_pdf import pdf_text


@tagged("post_install", "-at_install")
class TestAgedReceivables(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Customer", "is_company": True}
        )

    # Helpers

    def _day(self, days):
        return self.today + timedelta(days=days)

    def _ledger(self, date, company=None):
        """Balance of the receivable accounts in the general ledger on ``date``."""
        company = company or self.company
        [(balance,)] = self.env["account.move.line"]._read_group(
            [
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("date", "<=", date),
                ("company_id", "=", company.id),
            ],
            [],
            ["balance:sum"],
        )
        return balance or 0.0

    def _report(self, date, user=None, **values):
        Wizard = self.env["credit.aged.receivable.wizard"]
        if user:
            Wizard = Wizard.with_user(user)
        wizard = Wizard.create(
            {"date": date, "company_ids": [Command.set(self.company.ids)]} | values
        )
        wizard.action_open()
        return wizard

    def _total(self, wizard):
        return sum(wizard.line_ids.mapped("total"))

    def _line(self, wizard, partner):
        return wizard.line_ids.filtered(lambda line: line.partner_id == partner)

    def _items(self, line):
        line.action_open_items()
        return line.item_ids

    def assertLedger(self, date):
        wizard = self._report(date)
        self.assertAlmostEqual(self._total(wizard), self._ledger(date), places=2)
        return wizard

    # Totals against the general ledger

    def test_past_date_after_later_payments(self):
        invoice = self._invoice(self.customer, 1000, date_days=-60, due_days=-30)
        later = self._invoice(self.other_customer, 500, date_days=-25, due_days=5)
        self._pay(invoice, 400, days=-40)
        self._pay(invoice, 600, days=-5)
        self.assertEqual(invoice.payment_state, "paid")

        past = self.assertLedger(self._day(-20))
        line = self._line(past, self.customer)
        self.assertAlmostEqual(line.total, 600)
        self.assertAlmostEqual(line.amount_1, 600, msg="10 days overdue on that date")
        [item] = self._items(line)
        self.assertEqual(item.move_id, invoice)
        self.assertEqual(item.days, 10)
        self.assertEqual(item.bucket_label, "1-30")
        self.assertAlmostEqual(self._line(past, self.other_customer).amount_0, 500)

        today = self.assertLedger(self.today)
        self.assertFalse(self._line(today, self.customer), "paid since")
        self.assertAlmostEqual(self._total(today), 500)
        self.assertAlmostEqual(self._line(today, later.partner_id).total, 500)

        before = self.assertLedger(self._day(-61))
        self.assertFalse(before.line_ids, "nothing was invoiced yet")

    def test_partial_payments_and_contacts(self):
        invoice = self._invoice(self.customer_contact, 900, date_days=-50, due_days=-20)
        self._pay(invoice, 100, days=-45)
        self._pay(invoice, 200, days=-10)
        past = self.assertLedger(self._day(-30))
        self.assertAlmostEqual(self._line(past, self.customer).total, 800, msg="commercial partner")
        now = self.assertLedger(self.today)
        self.assertAlmostEqual(self._line(now, self.customer).total, 600)
        self.assertAlmostEqual(self._line(now, self.customer).amount_1, 600)

    def test_multi_installment_term(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "30% now, 70% in 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 70, "nb_days": 60}),
                ],
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": self._day(-70),
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create({"name": "Goods", "price_unit": 1000, "tax_ids": []})
                ],
            }
        )
        with check.skipped():
            invoice._post(soft=False)
        self._pay(invoice, 500, days=-5)

        past = self.assertLedger(self._day(-20))
        line = self._line(past, self.customer)
        items = self._items(line)
        self.assertEqual(len(items), 2)
        self.assertEqual(
            sorted((i.date_maturity, i.residual, i.bucket) for i in items),
            [(self._day(-70), 300, 2), (self._day(-10), 700, 0)],
        )
        now = self.assertLedger(self.today)
        [item] = self._items(self._line(now, self.customer))
        self.assertEqual((item.date_maturity, item.residual), (self._day(-10), 500))

        by_invoice = self._report(self._day(-20), basis="invoice")
        self.assertAlmostEqual(self._line(by_invoice, self.customer).amount_2, 1000, msg="50 days")

    def test_foreign_currency_paid_later_at_another_rate(self):
        eur = self.setup_other_currency(
            "EUR", rates=[(str(self._day(-400)), 2.0), (str(self._day(-15)), 2.5)]
        )
        invoice = self._invoice(self.customer, 1000, date_days=-60, due_days=-30, currency=eur)
        partly = self._invoice(self.other_customer, 1000, date_days=-60, due_days=-30, currency=eur)
        self.assertAlmostEqual(invoice.amount_total_signed, 500)
        self._pay(invoice, days=-10)
        self._pay(partly, 400, days=-10)
        exchange = self.env["account.move.line"].search(
            [
                ("account_id.account_type", "=", "asset_receivable"),
                ("move_id.journal_id", "=", self.company.currency_exchange_journal_id.id),
            ]
        )
        self.assertTrue(exchange, "Odoo booked the exchange difference as a move of its own")

        past = self.assertLedger(self._day(-20))
        [item] = self._items(self._line(past, self.customer))
        self.assertEqual(item.currency_id, eur)
        self.assertAlmostEqual(item.residual_currency, 1000)
        self.assertAlmostEqual(item.residual, 500, msg="at the booked rate, as the ledger")

        now = self.assertLedger(self.today)
        self.assertFalse(self._line(now, self.customer))
        items = self._items(self._line(now, self.other_customer))
        self.assertAlmostEqual(sum(items.mapped("residual_currency")), 600)
        self.assertEqual(set(items.move_id.ids) & set(partly.ids), set(partly.ids))

    def test_credit_notes_and_unapplied_payments(self):
        self._invoice(self.customer, 1000, date_days=-40, due_days=-10)
        self._invoice(self.customer, 200, date_days=-5, due_days=-5, move_type="out_refund")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 300,
                "date": self._day(-3),
            }
        )
        payment.action_post()
        now = self.assertLedger(self.today)
        line = self._line(now, self.customer)
        self.assertAlmostEqual(line.total, 500)
        self.assertEqual(
            sorted(round(item.residual, 2) for item in self._items(line)), [-300, -200, 1000]
        )
        past = self.assertLedger(self._day(-4))
        self.assertAlmostEqual(self._line(past, self.customer).total, 800, msg="before the payment")

    # Buckets

    def test_bucket_boundaries(self):
        date = self._day(-1)
        for overdue in (0, 1, 30, 31, 120, 121):
            partner = self.env["res.partner"].create({"name": f"Late {overdue}"})
            self._invoice(partner, 100 + overdue, date_days=-200, due_days=-1 - overdue)
        wizard = self.assertLedger(date)

        def bucket_of(overdue):
            line = wizard.line_ids.filtered(lambda line: line.partner_id.name == f"Late {overdue}")
            return [n for n in range(8) if line[f"amount_{n}"]]

        self.assertEqual(
            {overdue: bucket_of(overdue) for overdue in (0, 1, 30, 31, 120, 121)},
            {0: [0], 1: [1], 30: [1], 31: [2], 120: [4], 121: [5]},
        )
        self.assertEqual(
            wizard._bucket_labels(), ["Not Due", "1-30", "31-60", "61-90", "91-120", "> 120"]
        )
        self.company.credit_aging_days = "10,20"
        wizard = self._report(date)
        self.assertEqual(wizard._bucket_labels(), ["Not Due", "1-10", "11-20", "> 20"])
        self.assertEqual({overdue: bucket_of(overdue) for overdue in (1, 30)}, {1: [1], 30: [3]})
        with self.assertRaises(ValidationError):
            self.company.credit_aging_days = "60,30"

    # Filters and access

    def test_filters(self):
        self._invoice(self.customer, 100, due_days=-5)
        self._invoice(self.other_customer, 200, due_days=-5)
        self.other_customer.user_id = self.salesman
        by_salesperson = self._report(self.today, salesperson_ids=[Command.set(self.salesman.ids)])
        self.assertEqual(by_salesperson.line_ids.partner_id, self.other_customer)
        by_customer = self._report(self.today, partner_ids=[Command.set(self.customer.ids)])
        self.assertEqual(by_customer.line_ids.partner_id, self.customer)
        risk = self.env["credit.risk.class"].search([], limit=1)
        self.customer.with_company(self.company).credit_risk_class_id = risk
        by_class = self._report(self.today, risk_class_ids=[Command.set(risk.ids)])
        self.assertEqual(by_class.line_ids.partner_id, self.customer)
        case = self.env["credit.collection.case"]._for_partner(self.other_customer, self.company)
        case.user_id = self.controller
        by_collector = self._report(self.today, collector_ids=[Command.set(self.controller.ids)])
        self.assertEqual(by_collector.line_ids.partner_id, self.other_customer)

    def test_access_by_role(self):
        self._invoice(self.customer, 100, due_days=-5)
        other_company = self.setup_other_company(name="Aging Other Co")["company"]
        self._invoice(self.other_customer, 777, due_days=-5, company=other_company)

        # A collector sees what journal-item rules let them see: their company only.
        mine = self._report(self.today, user=self.controller)
        self.assertEqual(mine.line_ids.partner_id, self.customer)
        self.assertAlmostEqual(self._total(mine), self._ledger(self.today))
        with self.assertRaises(AccessError):
            self._report(
                self.today,
                user=self.controller,
                company_ids=[Command.set(other_company.ids)],
            )
        # Someone else's report is not theirs to read.
        with self.assertRaises(AccessError):
            self._report(self.today).with_user(self.controller).line_ids.mapped("total")
        # Portal users and internal users without accounting rights: nothing.
        portal = new_test_user(self.env, login="aging_portal", groups="base.group_portal")
        internal = new_test_user(self.env, login="aging_internal", groups="base.group_user")
        for user in (portal, internal):
            with self.assertRaises(AccessError):
                self._report(self.today, user=user)

    def test_rows_are_computed_not_typed(self):
        """Its author cannot change a report's figures before printing it."""
        self._invoice(self.customer, 100, due_days=-5)
        report = self._report(self.today, user=self.controller)
        line = report.line_ids[:1]
        self.assertTrue(line)
        line.action_open_items()
        with self.assertRaises(AccessError):
            line.write({"total": 1.0})
        with self.assertRaises(AccessError):
            line.item_ids[:1].write({"residual": 1.0})
        with self.assertRaises(AccessError):
            self.env["credit.aged.receivable"].with_user(self.controller).create(
                {"wizard_id": report.id, "company_id": self.company.id, "total": 5.0}
            )
        with self.assertRaises(AccessError):
            report.write({"line_ids": [Command.create({"company_id": self.company.id})]})
        self.assertAlmostEqual(self._total(report), 100.0)

    # Exports

    def test_pdf_and_xlsx(self):
        self._invoice(self.customer, 1234.5, due_days=-40, date_days=-60)
        wizard = self._report(self.today)
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        pdf, kind = Report._render_qweb_pdf(
            "credit_management.credit_aged_receivable_report", wizard.ids
        )
        self.assertEqual(kind, "pdf")
        text = pdf_text(pdf)
        self.assertIn("Customer Ltd", text)
        self.assertIn("1,234.50", text)

        content = wizard._xlsx_content()
        self.assertTrue(zipfile.is_zipfile(io.BytesIO(content)))
        try:
            import openpyxl
        except ImportError:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
            self.assertIn("xl/worksheets/sheet1.xml", names)
            return
        book = openpyxl.load_workbook(io.BytesIO(content))
        customers, items = book.worksheets
        self.assertEqual(customers.cell(2, 2).value, "Customer Ltd")
        self.assertEqual(customers.cell(2, 10).value, 1234.5, "the total column")
        self.assertEqual(items.cell(2, 11).value, 1234.5)


@tagged("post_install", "-at_install")
class TestAgedReceivablesDownload(HttpCase):
    """The XLSX route, as its user: their own report only."""

    def test_xlsx_route_is_the_authors_only(self):
        company = self.env.ref("base.main_company")
        users = [
            new_test_user(
                self.env,
                login=login,
                groups="base.group_user,credit_management.group_credit_control_user",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
            for login in ("aging_http_a", "aging_http_b")
        ]
        wizard = (
            self.env["credit.aged.receivable.wizard"]
            .with_user(users[0])
            .create({"date": "2026-01-31", "company_ids": [Command.set(company.ids)]})
        )
        url = wizard.action_export_xlsx()["url"]
        self.authenticate("aging_http_a", "aging_http_a")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(zipfile.is_zipfile(io.BytesIO(response.content)))
        self.authenticate("aging_http_b", "aging_http_b")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 403)
