"""Monthly receivables history and credit KPIs: values against figures
worked by hand, a month rebuilt identical, access as each role."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from ..engine import check, history, privilege
from .common import CreditCommon

JAN, FEB, MAR = date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)

# Fields compared when a month is rebuilt.
SNAPSHOT_FIELDS = [
    "company_id",
    "partner_id",
    "date",
    "days",
    "risk_class_id",
    "user_id",
    "team_id",
    "ar_total",
    "ar_current",
    "ar_overdue",
    "overdue_days_amount",
    *(f"amount_{n}" for n in history.OVERDUE_BUCKETS),
    "disputed",
    "promised",
    "credit_sales",
    "invoiced",
    "term_sales",
    "cash_collected",
    "written_off",
    "paid_count",
    "paid_amount",
    "paid_days_to_pay",
    "paid_days_late",
]


@tagged("post_install", "-at_install")
class TestKpiHistory(CreditCommon):
    """Worked example, customer A (company currency, no tax):

    - invoice 500 on 15 January, due 14 February; 400 paid on 20 March;
    - invoice 300 on 10 February, due 12 March;
    - invoice 600 on 5 March, due 4 April.

    Customer B: invoice 200 on 1 February due 11 February, paid on 1 March
    (28 days to pay, 18 late); invoice 100 on 1 March due 31 March, paid on
    10 March (9 days to pay, none late).

    On 31 March A owes 100 (45 days late) + 300 (19 days late) + 600 (not
    due) = 1,000; on 28 February 800. Count-back DSO of A in March:
    1,000 - 600 (March, 31 days) = 400; 400 - 300 (February, 28 days) = 100;
    100 / 500 of January x 31 days = 6.2; DSO = 31 + 28 + 6.2 = 65.2 days.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_b = cls.env["res.partner"].create({"name": "Customer B", "is_company": True})
        cls.risk_class = cls.env["credit.risk.class"].create(
            {"name": "KPI Class", "code": "KPI", "company_id": cls.company.id}
        )
        cls.customer.with_company(cls.company).credit_risk_class_id = cls.risk_class
        a1 = cls._dated_invoice(cls.customer, 500, date(2025, 1, 15), date(2025, 2, 14))
        cls._dated_invoice(cls.customer, 300, date(2025, 2, 10), date(2025, 3, 12))
        cls._dated_invoice(cls.customer, 600, date(2025, 3, 5), date(2025, 4, 4))
        cls._dated_payment(a1, 400, date(2025, 3, 20))
        b1 = cls._dated_invoice(cls.customer_b, 200, date(2025, 2, 1), date(2025, 2, 11))
        cls._dated_payment(b1, 200, date(2025, 3, 1))
        b2 = cls._dated_invoice(cls.customer_b, 100, date(2025, 3, 1), date(2025, 3, 31))
        cls._dated_payment(b2, 100, date(2025, 3, 10))
        # The controller collects customer A since January.
        cls.case = cls.env["credit.collection.case"].create(
            {"partner_id": cls.customer.id, "user_id": cls.controller.id, "team_id": False}
        )
        cls.case.flush_recordset()
        cls.env.cr.execute(
            "UPDATE credit_collection_case SET date_opened = %s WHERE id = %s",
            (date(2025, 1, 1), cls.case.id),
        )
        cls.case.invalidate_recordset()
        cls.Snapshot = cls.env["credit.receivable.snapshot"]
        cls.Snapshot._write_months(cls.company, [JAN, FEB, MAR])

    @classmethod
    def _dated_invoice(cls, partner, amount, invoice_date, due_date):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": due_date,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []}
                    )
                ],
            }
        )
        with check.skipped():
            move._post(soft=False)
        return move

    @classmethod
    def _dated_payment(cls, invoice, amount, payment_date):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": payment_date, "amount": amount})
            ._create_payments()
        )

    def _rows(self, day, partner=None, user=None):
        Snapshot = self.Snapshot.with_user(user) if user else self.Snapshot
        domain = [("company_id", "=", self.company.id), ("date", "=", day)]
        if partner:
            domain.append(("partner_id", "=", partner.id))
        return Snapshot.search(domain)

    def _kpi(self, day, partner=None):
        domain = [("company_id", "=", self.company.id), ("date", "=", day)]
        if partner:
            domain.append(("partner_id", "=", partner.id))
        return self.env["credit.receivable.kpi"].search(domain)

    def _group(self, day, fields):
        [values] = self.env["credit.receivable.kpi"]._read_group(
            [("company_id", "=", self.company.id), ("date", "=", day)],
            [],
            [f"{name}:sum" for name in fields],
        )
        return dict(zip(fields, values, strict=True))

    # Snapshots

    def test_snapshot_figures(self):
        a = self._rows(MAR, self.customer)
        self.assertEqual(len(a), 1)
        self.assertAlmostEqual(a.ar_total, 1000)
        self.assertAlmostEqual(a.ar_current, 600)
        self.assertAlmostEqual(a.ar_overdue, 400)
        self.assertAlmostEqual(a.amount_1, 300, msg="19 days late")
        self.assertAlmostEqual(a.amount_2, 100, msg="45 days late")
        self.assertAlmostEqual(a.overdue_days_amount, 300 * 19 + 100 * 45)
        self.assertAlmostEqual(a.credit_sales, 600)
        self.assertAlmostEqual(a.cash_collected, 400)
        self.assertEqual(a.days, 31)
        self.assertEqual(a.risk_class_id, self.risk_class)
        self.assertEqual(a.user_id, self.controller, "collector of the case open on 31 March")
        self.assertAlmostEqual(self._rows(FEB, self.customer).ar_total, 800)
        b = self._rows(MAR, self.customer_b)
        self.assertAlmostEqual(b.ar_total, 0)
        self.assertAlmostEqual(b.cash_collected, 300)
        self.assertEqual(b.paid_count, 2)
        self.assertAlmostEqual(b.paid_amount, 300)
        self.assertAlmostEqual(b.paid_days_to_pay, 200 * 28 + 100 * 9)
        self.assertAlmostEqual(b.paid_days_late, 200 * 18)
        self.assertFalse(b.user_id, "no case")

    def test_snapshot_total_is_ledger(self):
        for day in (JAN, FEB, MAR):
            [(ledger,)] = self.env["account.move.line"]._read_group(
                [
                    ("parent_state", "=", "posted"),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("date", "<=", day),
                    ("company_id", "=", self.company.id),
                ],
                [],
                ["balance:sum"],
            )
            self.assertAlmostEqual(sum(self._rows(day).mapped("ar_total")), ledger or 0.0)

    def test_rebuild_identical(self):
        before = self._rows(MAR).read(SNAPSHOT_FIELDS)
        # The class of today is not the class of March: a rebuilt month keeps its own.
        other = self.env["credit.risk.class"].create(
            {"name": "Later Class", "code": "LATER", "company_id": self.company.id}
        )
        self.customer.with_company(self.company).credit_risk_class_id = other
        self.Snapshot._write_months(self.company, [MAR])
        after = self._rows(MAR).read(SNAPSHOT_FIELDS)

        def rows(values):
            # New rows, new ids: everything else is the same.
            return sorted(
                ({k: v for k, v in row.items() if k != "id"} for row in values),
                key=lambda row: row["partner_id"] and row["partner_id"][0],
            )

        self.assertEqual(rows(before), rows(after))
        self.assertEqual(len(after), 2)

    def test_backfill_and_cron_months(self):
        self.assertEqual(
            history.months(date(2024, 12, 5), MAR), [date(2024, 12, 31), JAN, FEB, MAR]
        )
        self.Snapshot._backfill(self.company, last=date(2025, 4, 10))
        self.assertEqual(
            sorted(
                set(self.Snapshot.search([("company_id", "=", self.company.id)]).mapped("date"))
            ),
            [JAN, FEB, MAR],
        )
        before = self._rows(MAR).read(SNAPSHOT_FIELDS)
        with freeze_time("2025-04-01 03:00:00"):
            self.Snapshot._cron_write_last_month()
        self.assertEqual(
            sorted(row["ar_total"] for row in self._rows(MAR).read(SNAPSHOT_FIELDS)),
            sorted(row["ar_total"] for row in before),
            "the month that ended",
        )

    def test_disputed_promised_written_off(self):
        customer = self.env["res.partner"].create({"name": "Customer C", "is_company": True})
        invoice = self._dated_invoice(customer, 1000, date(2025, 1, 10), date(2025, 1, 20))
        case = self.env["credit.collection.case"].create(
            {"partner_id": customer.id, "user_id": self.controller.id, "team_id": False}
        )
        dispute = self.env["credit.collection.dispute"].create(
            {
                "move_id": invoice.id,
                "reason_id": self.env.ref("credit_management.credit_dispute_reason_quality").id,
                "case_id": case.id,
            }
        )
        promise = self.env["credit.collection.promise"].create(
            {"case_id": case.id, "date": self.today, "amount": 400}
        )
        self.env.flush_all()
        for table, record, day in (
            ("credit_collection_case", case, "date_opened = '2025-01-01'"),
            ("credit_collection_dispute", dispute, "date_recorded = '2025-02-15'"),
            (
                "credit_collection_promise",
                promise,
                "date_recorded = '2025-02-20', date = '2025-03-10'",
            ),
        ):
            self.env.cr.execute(f"UPDATE {table} SET {day} WHERE id = %s", (record.id,))
        self.env.invalidate_all()
        self.company.credit_writeoff_journal_id = self.company_data["default_journal_misc"]
        self.company.credit_writeoff_account_id = self.company_data["default_account_expense"]
        self.env["credit.writeoff.wizard"].with_context(default_case_id=case.id).create(
            {"reason": "Insolvent", "date": date(2025, 3, 25)}
        ).action_confirm()
        self.Snapshot._write_months(self.company, [JAN, FEB, MAR])

        jan, feb, mar = (self._rows(day, customer) for day in (JAN, FEB, MAR))
        self.assertEqual((jan.disputed, jan.promised), (0, 0), "recorded later")
        self.assertEqual((feb.disputed, feb.promised), (1000, 400))
        self.assertAlmostEqual(mar.written_off, 1000)
        self.assertAlmostEqual(mar.credit_sales, 0, msg="a write-off is no refund")
        self.assertAlmostEqual(mar.ar_total, 0)
        self.assertAlmostEqual(mar.disputed, 0, msg="nothing left open")
        [(bad_debt,)] = self.env["credit.receivable.kpi"]._read_group(
            [("partner_id", "=", customer.id)], [], ["bad_debt_ratio:sum"]
        )
        self.assertAlmostEqual(bad_debt, 100, msg="written off / credit sales of the quarter")

    # KPIs

    def test_kpis_of_a_customer(self):
        kpi = self._kpi(MAR, self.customer)
        self.assertAlmostEqual(kpi.ar_begin, 800)
        self.assertAlmostEqual(kpi.dso, 1000 / 600 * 31, places=4)
        self.assertAlmostEqual(kpi.dso_countback, 31 + 28 + 100 / 500 * 31, places=4)
        self.assertAlmostEqual(kpi.dso_countback, 65.2, places=4)
        self.assertAlmostEqual(kpi.bpdso, 31, places=4)
        self.assertAlmostEqual(kpi.add, 400 / 600 * 31, places=4)
        self.assertAlmostEqual(kpi.add, kpi.dso - kpi.bpdso, places=4)
        self.assertAlmostEqual(kpi.add_weighted, 25.5, places=4)
        self.assertAlmostEqual(kpi.cei, (800 + 600 - 1000) / (800 + 600 - 600) * 100, places=4)
        self.assertAlmostEqual(kpi.overdue_ratio, 40, places=4)
        self.assertAlmostEqual(kpi.collection_period, 900 / 600 * 31, places=4)
        self.assertAlmostEqual(kpi.credit_sales_share, 100, places=4)
        self.assertAlmostEqual(kpi.bad_debt_ratio, 0, places=4)
        feb = self._kpi(FEB, self.customer)
        self.assertAlmostEqual(feb.dso_countback, 28 + 500 / 500 * 31, places=4)

    def test_kpis_of_a_group(self):
        """The company's March: KPIs from the summed figures, not averaged."""
        values = self._group(
            MAR, ["dso", "dso_countback", "cei", "overdue_ratio", "days_to_pay", "days_late"]
        )
        self.assertAlmostEqual(values["dso"], 1000 / 700 * 31, places=4)
        self.assertAlmostEqual(values["dso_countback"], 65.2, places=4, msg="weighted by AR")
        # Company at 28 February: A 800 and B 200.
        self.assertAlmostEqual(
            values["cei"], (1000 + 700 - 1000) / (1000 + 700 - 600) * 100, places=4
        )
        self.assertAlmostEqual(values["overdue_ratio"], 40, places=4)
        self.assertAlmostEqual(values["days_to_pay"], (200 * 28 + 100 * 9) / 300, places=4)
        self.assertAlmostEqual(values["days_late"], 200 * 18 / 300, places=4)

    def test_views_and_pivot_as_manager(self):
        Kpi = self.env["credit.receivable.kpi"].with_user(self.manager)
        views = Kpi.get_views(
            [(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")]
        )
        self.assertIn("dso_countback", views["models"]["credit.receivable.kpi"]["fields"])
        groups = Kpi.formatted_read_group(
            [("company_id", "=", self.company.id)],
            ["date:month", "user_id"],
            ["dso:sum", "cei:sum", "__count"],
        )
        march = [
            group
            for group in groups
            if group["user_id"]
            and group["user_id"][0] == self.controller.id
            and "March" in str(group["date:month"])
        ]
        self.assertEqual(len(march), 1)
        self.assertAlmostEqual(march[0]["dso:sum"], 1000 / 600 * 31, places=4)

    # Access

    def test_access_by_role(self):
        manager_rows = self._rows(MAR, user=self.manager)
        self.assertEqual(manager_rows.partner_id, self.customer | self.customer_b)
        collector_rows = self._rows(MAR, user=self.controller)
        self.assertEqual(collector_rows.partner_id, self.customer, "only their customers")
        kpis = (
            self.env["credit.receivable.kpi"]
            .with_user(self.controller)
            .search([("company_id", "=", self.company.id)])
        )
        self.assertEqual(kpis.partner_id, self.customer)
        other_collector = new_test_user(
            self.env,
            login="kpi_other_collector",
            groups="base.group_user,credit_management.group_credit_control_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertFalse(self._rows(MAR, user=other_collector))
        other_company = self.setup_other_company(name="KPI Other Co")["company"]
        elsewhere = new_test_user(
            self.env,
            login="kpi_other_company",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        self.assertFalse(self._rows(MAR, user=elsewhere))
        self.assertFalse(
            self.env["credit.receivable.kpi"]
            .with_user(elsewhere)
            .search([("company_id", "=", self.company.id)])
        )
        portal = new_test_user(self.env, login="kpi_portal", groups="base.group_portal")
        for model in ("credit.receivable.snapshot", "credit.receivable.kpi"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(portal).search([])
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.salesman).search([])

    def test_rows_written_by_the_job_only(self):
        row = self._rows(MAR, self.customer)
        with self.assertRaises(AccessError):
            row.with_user(self.manager).write({"ar_total": 1})
        with self.assertRaises(AccessError):
            row.sudo().write({"ar_total": 1})
        with self.assertRaises(AccessError):
            self.Snapshot.sudo().create({"company_id": self.company.id, "date": MAR})
        with self.assertRaises(AccessError):
            row.sudo().unlink()
        with privilege.granted(privilege.SNAPSHOT):
            row.sudo().write({"ar_total": 1})
        wizard = (
            self.env["credit.receivable.snapshot.wizard"]
            .with_user(self.manager)
            .create(
                {"date_from": MAR, "date_to": MAR, "company_ids": [Command.set(self.company.ids)]}
            )
        )
        wizard.action_build()
        self.assertAlmostEqual(self._rows(MAR, self.customer).ar_total, 1000)
        with self.assertRaises(AccessError):
            self.env["credit.receivable.snapshot.wizard"].with_user(self.controller).create(
                {"date_from": MAR, "date_to": MAR}
            )
