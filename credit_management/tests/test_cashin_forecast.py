"""Cash-in forecast and its backtest: buckets worked by hand, access as
each role."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import SQL

from ..engine import check
from .common import CreditCommon

# A Wednesday: week 1 runs from Monday 2 June to Sunday 8 June 2025.
D = date(2025, 6, 4)


class ForecastCommon(CreditCommon):
    @classmethod
    def _dated_invoice(
        cls, partner, amount, invoice_date, due_date, *, currency=None, move_type="out_invoice"
    ):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": due_date,
                "currency_id": (currency or cls.currency).id,
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

    @staticmethod
    def _receivable(move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    @classmethod
    def _customer(cls, name):
        return cls.env["res.partner"].create({"name": name, "is_company": True})

    @classmethod
    def _case(cls, partner, user=None, team=None):
        return cls.env["credit.collection.case"].create(
            {
                "partner_id": partner.id,
                "user_id": (user or cls.env["res.users"]).id,
                "team_id": (team or cls.env["credit.collection.team"]).id,
            }
        )

    @classmethod
    def _set(cls, record, **values):
        """Writes dates and states the actions would have set in the past."""
        record.flush_recordset()
        assignments = SQL(", ").join(
            SQL("%s = %s", SQL.identifier(name), value) for name, value in values.items()
        )
        cls.env.cr.execute(
            SQL(
                "UPDATE %s SET %s WHERE id = %s",
                SQL.identifier(record._table),
                assignments,
                record.id,
            )
        )
        record.invalidate_recordset()


@tagged("post_install", "-at_install")
class TestCashinForecast(ForecastCommon):
    """Worked example, forecast made on Wednesday 4 June 2025 (week 1 from
    Monday 2 June; week 3 from 16 June, week 4 from 23 June, ...).

    History (monthly snapshots January to May): A paid three invoices of
    100, 7, 14 and 0 days late: its own delay is 2,100 / 300 = 7 days. B
    paid one invoice of 300, 21 days late: too little history (fewer than 3
    invoices), it gets the company's delay (2,100 + 6,300) / 600 = 14 days,
    as the new customers C, P and F.

    Open on 4 June:
    - A: 1,000 due 10 June → 17 June, week 3; 200 due 31 January (124 days
      overdue) → uncertain; 50 due 30 May → 6 June, week 1; 700 due 30
      September → later; 300 due 15 June disputed for 120 → 120 disputed,
      180 on 22 June, week 3; 150 due 20 May promised and the promise broken
      on 28 May → uncertain.
    - B: 400 due 20 June → 4 July, week 5.
    - C: 500 due 10 June → 24 June, week 4; 80 due 1 May → 15 May, in the
      past: tomorrow, week 1.
    - P: 600 due 20 May, 400 promised for 25 June → 400 promised in week 4,
      200 due 20 May + 14 → 3 June, in the past: week 1.
    - Q: 900 due 30 April in a plan of 3 x 300 (31 May, 30 June, 31 July),
      300 paid on 1 June → 300 in week 5, 300 in week 9.
    - L: 250 handed over to a lawyer on 10 May → legal.
    - F: 1,000 in a foreign currency booked at 2.0 (500), 2.5 on 1 June →
      400 due 12 June → 26 June, week 4.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a, cls.b, cls.c = (cls._customer(name) for name in ("Cust A", "Cust B", "Cust C"))
        cls.p, cls.q, cls.l, cls.f = (
            cls._customer(name) for name in ("Cust P", "Cust Q", "Cust L", "Cust F")
        )
        cls.team_member = new_test_user(
            cls.env,
            login="forecast_team_member",
            groups="base.group_user,credit_management.group_credit_control_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.team = cls.env["credit.collection.team"].create(
            {"name": "Forecast Team", "member_ids": [Command.set(cls.team_member.ids)]}
        )
        cls._history()
        cls._open_items()
        cls._arrangements()
        for case in cls.env["credit.collection.case"].search([("company_id", "=", cls.company.id)]):
            cls._set(case, date_opened=date(2025, 1, 1))

    @classmethod
    def _history(cls):
        for amount, invoiced, due, paid in (
            (100, date(2025, 1, 5), date(2025, 2, 4), date(2025, 2, 11)),
            (100, date(2025, 2, 1), date(2025, 3, 3), date(2025, 3, 17)),
            (100, date(2025, 3, 1), date(2025, 3, 31), date(2025, 3, 25)),
        ):
            cls._dated_payment(cls._dated_invoice(cls.a, amount, invoiced, due), amount, paid)
        b1 = cls._dated_invoice(cls.b, 300, date(2025, 2, 10), date(2025, 3, 12))
        cls._dated_payment(b1, 300, date(2025, 4, 2))
        cls.env["credit.receivable.snapshot"]._write_months(
            cls.company, [date(2025, month, 28) for month in range(1, 6)]
        )

    @classmethod
    def _open_items(cls):
        inv = cls._dated_invoice
        inv(cls.a, 1000, date(2025, 5, 11), date(2025, 6, 10))
        inv(cls.a, 200, date(2025, 1, 1), date(2025, 1, 31))
        inv(cls.a, 50, date(2025, 4, 30), date(2025, 5, 30))
        inv(cls.a, 700, date(2025, 5, 31), date(2025, 9, 30))
        cls.a_disputed = inv(cls.a, 300, date(2025, 5, 16), date(2025, 6, 15))
        cls.a_broken = inv(cls.a, 150, date(2025, 4, 20), date(2025, 5, 20))
        inv(cls.b, 400, date(2025, 5, 21), date(2025, 6, 20))
        inv(cls.c, 500, date(2025, 5, 11), date(2025, 6, 10))
        inv(cls.c, 80, date(2025, 4, 1), date(2025, 5, 1))
        cls.p_promised = inv(cls.p, 600, date(2025, 4, 20), date(2025, 5, 20))
        cls.q_planned = inv(cls.q, 900, date(2025, 4, 1), date(2025, 4, 30))
        inv(cls.l, 250, date(2025, 2, 1), date(2025, 3, 1))
        cls.foreign = cls.setup_other_currency(
            "EUR", rates=[("2025-01-01", 2.0), ("2025-06-01", 2.5)]
        )
        cls.f_invoice = inv(cls.f, 1000, date(2025, 5, 15), date(2025, 6, 12), currency=cls.foreign)

    @classmethod
    def _arrangements(cls):
        today = cls.today
        case_a = cls._case(cls.a, user=cls.controller)
        cls._case(cls.b, team=cls.team)
        broken = cls.env["credit.collection.promise"].create(
            {
                "case_id": case_a.id,
                "date": today,
                "amount": 150,
                "item_ids": [Command.set(cls._receivable(cls.a_broken).ids)],
            }
        )
        cls._set(
            broken,
            state="broken",
            date_recorded=date(2025, 5, 15),
            date=date(2025, 5, 22),
            date_decided=date(2025, 5, 28),
        )
        dispute = cls.env["credit.collection.dispute"].create(
            {
                "move_id": cls.a_disputed.id,
                "reason_id": cls.env.ref("credit_management.credit_dispute_reason_quality").id,
                "case_id": case_a.id,
                "amount": 120,
            }
        )
        cls._set(dispute, date_recorded=date(2025, 5, 20))
        promise = cls.env["credit.collection.promise"].create(
            {
                "case_id": cls._case(cls.p).id,
                "date": today,
                "amount": 400,
                "item_ids": [Command.set(cls._receivable(cls.p_promised).ids)],
            }
        )
        cls._set(promise, date_recorded=date(2025, 5, 28), date=date(2025, 6, 25))
        cls.plan = cls.env["credit.collection.plan"].create(
            {
                "case_id": cls._case(cls.q).id,
                "item_ids": [Command.set(cls._receivable(cls.q_planned).ids)],
                "installment_ids": [
                    Command.create({"sequence": n, "date": day, "amount": 300})
                    for n, day in enumerate(
                        (date(2025, 5, 31), date(2025, 6, 30), date(2025, 7, 31)), start=1
                    )
                ],
            }
        )
        cls.plan.action_confirm()
        cls._set(cls.plan, date_recorded=date(2025, 5, 15))
        cls._dated_payment(cls.q_planned, 300, date(2025, 6, 1))
        legal = cls._case(cls.l)
        cls._set(legal, handover_type="legal", handover_date=date(2025, 5, 10))

    def _forecast(self, user=None, day=D):
        Forecast = self.env["credit.cashin.forecast"]
        if user:
            Forecast = Forecast.with_user(user)
        groups = Forecast.with_context(credit_forecast_date=day)._read_group(
            [("company_id", "=", self.company.id)],
            ["partner_id", "kind", "bucket"],
            ["amount:sum"],
        )
        return {
            (partner.name, kind, bucket): round(amount, 2)
            for partner, kind, bucket, amount in groups
        }

    def _rows(self, partner, **domain):
        # Rows keep their ids when the forecast changes: read them afresh.
        self.env.invalidate_all()
        return (
            self.env["credit.cashin.forecast"]
            .with_context(credit_forecast_date=D)
            .search(
                [("partner_id", "=", partner.id), *((name, "=", v) for name, v in domain.items())]
            )
        )

    def test_forecast_by_hand(self):
        self.assertEqual(
            self._forecast(),
            {
                ("Cust A", "expected", "w03"): 1180,
                ("Cust A", "expected", "w01"): 50,
                ("Cust A", "expected", "later"): 700,
                ("Cust A", "expected", "uncertain"): 350,
                ("Cust A", "disputed", "uncertain"): 120,
                ("Cust B", "expected", "w05"): 400,
                ("Cust C", "expected", "w04"): 500,
                ("Cust C", "expected", "w01"): 80,
                ("Cust P", "promise", "w04"): 400,
                ("Cust P", "expected", "w01"): 200,
                ("Cust Q", "plan", "w05"): 300,
                ("Cust Q", "plan", "w09"): 300,
                ("Cust L", "legal", "uncertain"): 250,
                ("Cust F", "expected", "w04"): 400,
            },
        )

    def test_customer_delay_and_fallback(self):
        own = self._rows(self.a, kind="expected", bucket="w03")
        self.assertEqual(set(own.mapped("delay_days")), {7})
        self.assertEqual(set(own.mapped("delay_basis")), {"own"})
        self.assertEqual(set(own.mapped("date_expected")), {date(2025, 6, 17), date(2025, 6, 22)})
        self.assertEqual(set(own.mapped("week_start")), {date(2025, 6, 16)})
        few = self._rows(self.b)
        self.assertEqual((few.delay_days, few.delay_basis), (14, "company"), "1 invoice < 3")
        self.assertEqual(self._rows(self.c, bucket="w04").date_expected, date(2025, 6, 24))
        self.company.credit_forecast_fallback = "none"
        forecast = self._forecast()
        self.assertEqual(forecast[("Cust C", "expected", "w02")], 500, "on its due date")
        self.assertEqual(forecast[("Cust B", "expected", "w03")], 400)
        self.assertEqual(forecast[("Cust A", "expected", "w03")], 1180, "its own delay")
        self.company.credit_forecast_min_paid = 1
        self.assertEqual(self._rows(self.b).delay_days, 21, "B's own history now")

    def test_promise_plan_dispute_legal(self):
        promised = self._rows(self.p, kind="promise")
        self.assertEqual(promised.date_expected, date(2025, 6, 25))
        self.assertEqual(promised.move_line_id, self._receivable(self.p_promised))
        plan = self._rows(self.q)
        self.assertEqual(plan.plan_id, self.plan)
        self.assertEqual(
            sorted(plan.mapped("date_expected")), [date(2025, 6, 30), date(2025, 7, 31)]
        )
        self.assertFalse(plan.move_line_id, "an installment comes from no single item")
        disputed = self._rows(self.a, kind="disputed")
        self.assertEqual(disputed.move_id, self.a_disputed)
        self.assertFalse(disputed.date_expected)
        self.assertFalse(self._rows(self.l).week_start)

    def test_later_uncertain_and_dates(self):
        self.company.credit_forecast_uncertain_days = 200
        forecast = self._forecast()
        self.assertEqual(
            forecast[("Cust A", "expected", "uncertain")], 150, "only the broken promise now"
        )
        self.assertEqual(forecast[("Cust A", "expected", "w01")], 250, "200 expected tomorrow")
        # A month later the promise and the 2 June week are past.
        later = self._forecast(day=date(2025, 7, 2))
        self.assertEqual(later[("Cust Q", "plan", "w01")], 300, "the June installment is late")

    def test_credits_and_todays_legal_stage(self):
        self._dated_invoice(
            self.c, 30, date(2025, 5, 20), date(2025, 5, 20), move_type="out_refund"
        )
        forecast = self._forecast()
        self.assertEqual(forecast[("Cust C", "expected", "w01")], 80 - 30, "a credit: week 1")
        self.assertEqual(forecast[("Cust C", "expected", "w04")], 500)
        # Today, a case moved to a Legal / Agency stage without a hand-over counts.
        self.env["credit.collection.case"].search([("partner_id", "=", self.p.id)])._move_to(
            "legal"
        )
        today = self._forecast(day=self.today)
        self.assertEqual({key[1:] for key in today if key[0] == "Cust P"}, {("legal", "uncertain")})
        self.assertEqual(self._forecast()[("Cust P", "promise", "w04")], 400, "not dated then")

    def test_foreign_currency_at_the_rate_of_the_day(self):
        row = self._rows(self.f)
        self.assertEqual((row.amount, row.amount_currency), (400, 1000))
        self.assertEqual(row.item_currency_id, self.foreign)
        earlier = self._forecast(day=date(2025, 5, 31))
        # Week 1 from 26 May: 26 June is in week 5.
        self.assertEqual(earlier[("Cust F", "expected", "w05")], 500, "rate 2.0 until 31 May")

    def test_total_is_what_is_open(self):
        self.assertAlmostEqual(
            sum(self._forecast().values()), 2400 + 400 + 580 + 600 + 600 + 250 + 400
        )

    def test_views(self):
        Forecast = self.env["credit.cashin.forecast"].with_user(self.manager)
        views = Forecast.get_views(
            [(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")]
        )
        self.assertIn("bucket", views["models"]["credit.cashin.forecast"]["fields"])
        groups = Forecast.formatted_read_group(
            [("company_id", "=", self.company.id)], ["bucket"], ["amount:sum"]
        )
        self.assertTrue(groups)
        # Today's forecast (no date in the context) runs as well.
        self.assertTrue(Forecast.with_context(credit_forecast_date=False).search([], limit=1))

    def test_access_by_role(self):
        mine = self._forecast(user=self.controller)
        self.assertEqual({key[0] for key in mine}, {"Cust A"}, "the collector's customers")
        team = self._forecast(user=self.team_member)
        self.assertEqual({key[0] for key in team}, {"Cust B"}, "the team's customers")
        self.assertEqual(len(self._forecast(user=self.manager)), 14)
        other_company = self.setup_other_company(name="Forecast Other Co")["company"]
        elsewhere = new_test_user(
            self.env,
            login="forecast_other_company",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        self.assertFalse(self._forecast(user=elsewhere))
        portal = new_test_user(self.env, login="forecast_portal", groups="base.group_portal")
        for user in (portal, self.salesman):
            with self.assertRaises(AccessError):
                self.env["credit.cashin.forecast"].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.env["credit.cashin.backtest"].with_user(user).create({})

    def test_rows_are_read_only(self):
        row = self._rows(self.a, kind="disputed")
        for user in (self.controller, self.manager):
            with self.assertRaises(AccessError):
                row.with_user(user).write({"amount": 1})
            with self.assertRaises(AccessError):
                row.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.env["credit.cashin.forecast"].with_user(user).create({"amount": 1})
        with self.assertRaises(AccessError):
            row.sudo().write({"amount": 1})
        with self.assertRaises(AccessError):
            row.sudo().unlink()


@tagged("post_install", "-at_install")
class TestCashinBacktest(ForecastCommon):
    """Backtest run on Wednesday 9 July 2025 over 4 weeks: the forecast is
    made on Sunday 8 June, weeks from 9, 16, 23 and 30 June. Customer X is
    new, the company's fallback is the due date.

    - 1,000 due 10 June (week 1), paid 12 June (week 1);
    - 500 due 18 June (week 2), paid 27 June (week 3);
    - 300 due 25 June (week 3), not paid; promised on 20 June for 20 July
      (after the forecast date: not used);
    - 200 due 2 July (week 4), paid 1 July (week 4);
    - 400 due 30 August (later), paid 20 June (week 2);
    - 600 invoiced 15 June and paid 20 June: after the forecast date, in
      neither column.

    Forecast 1,000 / 500 / 300 / 200 = 2,000; collected 1,000 / 400 / 500 /
    200 = 2,100; errors 0, -100, +200, 0: WAPE 300 / 2,100 = 14.29 %.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_forecast_fallback = "none"
        cls.x = cls._customer("Cust X")
        inv, pay = cls._dated_invoice, cls._dated_payment
        pay(inv(cls.x, 1000, date(2025, 5, 10), date(2025, 6, 10)), 1000, date(2025, 6, 12))
        pay(inv(cls.x, 500, date(2025, 5, 18), date(2025, 6, 18)), 500, date(2025, 6, 27))
        cls.x3 = inv(cls.x, 300, date(2025, 5, 25), date(2025, 6, 25))
        pay(inv(cls.x, 200, date(2025, 6, 1), date(2025, 7, 2)), 200, date(2025, 7, 1))
        pay(inv(cls.x, 400, date(2025, 6, 5), date(2025, 8, 30)), 400, date(2025, 6, 20))
        pay(inv(cls.x, 600, date(2025, 6, 15), date(2025, 6, 20)), 600, date(2025, 6, 20))
        cls.case = cls._case(cls.x, user=cls.controller)
        cls._set(cls.case, date_opened=date(2025, 1, 1))

    def _backtest(self, user):
        with freeze_time("2025-07-09"):
            promise = self.env["credit.collection.promise"].create(
                {
                    "case_id": self.case.id,
                    "date": date(2025, 7, 20),
                    "amount": 300,
                    "item_ids": [Command.set(self._receivable(self.x3).ids)],
                }
            )
            self._set(promise, date_recorded=date(2025, 6, 20))
            wizard = self.env["credit.cashin.backtest"].with_user(user).create({"weeks": 4})
            self.assertEqual(wizard.date_forecast, date(2025, 6, 8))
            wizard.action_compute()
        return wizard

    def test_backtest_by_hand(self):
        wizard = self._backtest(self.controller)
        lines = wizard.line_ids
        self.assertEqual(lines.mapped("week_start"), [date(2025, 6, d) for d in (9, 16, 23, 30)])
        self.assertEqual(lines.mapped("forecast"), [1000, 500, 300, 200])
        self.assertEqual(lines.mapped("actual"), [1000, 400, 500, 200])
        self.assertEqual(lines.mapped("error"), [0, -100, 200, 0])
        self.assertAlmostEqual(lines[2].error_percent, 40)
        self.assertEqual((wizard.forecast_total, wizard.actual_total), (2000, 2100))
        self.assertEqual(wizard.error_total, 100)
        self.assertAlmostEqual(wizard.wape, 300 / 2100 * 100, places=1)
        self.assertEqual(wizard.forecast_outside, 400)

    def test_backtest_sees_what_the_user_sees(self):
        other = new_test_user(
            self.env,
            login="backtest_other_collector",
            groups="base.group_user,credit_management.group_credit_control_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        wizard = self._backtest(other)
        self.assertEqual(wizard.forecast_total, 0)
        self.assertEqual(wizard.actual_total, 0, "not their customer")
        with self.assertRaises(AccessError):
            wizard.write({"wape": 1})
        with self.assertRaises(AccessError):
            wizard.line_ids.create({"wizard_id": wizard.id, "forecast": 1})
