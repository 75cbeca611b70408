import csv
import io
import re
from datetime import timedelta

import openpyxl
from dateutil.relativedelta import relativedelta
from psycopg2 import errors

from odoo import Command
from odoo.addons.credit_management.engine import check
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..engine import turnover
from .common import InsuranceCommon


class DeclarationCommon(InsuranceCommon):
    """Customers in France, Belgium and Germany, a sister company of the
    database, a currency whose rate changes in the middle of last month, and
    a policy on France, Belgium and Italy (where nothing is sold)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Declaration = cls.env["credit.insurance.declaration"]
        cls.fr, cls.be = cls.env.ref("base.fr"), cls.env.ref("base.be")
        cls.de, cls.it = cls.env.ref("base.de"), cls.env.ref("base.it")
        cls.be_customer = cls._customer("Brussels Buyer", cls.be)
        cls.de_customer = cls._customer("Berlin Buyer", cls.de)
        # A company of the database: intra-group sales are not insured.
        cls.sister = cls.env["res.company"].create({"name": "Sister Co"}).partner_id
        cls.sister.country_id = cls.fr
        # Last month and the month before.
        cls.start, cls.end = turnover.period_of(
            cls.today.replace(day=1) - timedelta(days=1), "monthly"
        )
        cls.start0, cls.end0 = turnover.period_of(cls.start - timedelta(days=1), "monthly")
        cls.mid = cls.start + timedelta(days=10)
        cls.eur = cls.setup_other_currency(
            "EUR", rates=[("2000-01-01", 2.0), (cls.mid.isoformat(), 4.0)]
        )
        if cls.eur == cls.company.currency_id:
            cls.skipTest(cls, "the test company must not work in EUR")
        cls.tax = cls.tax_sale_a.copy(
            {"name": "VAT 20", "amount": 20.0, "price_include_override": "tax_excluded"}
        )
        cls.policy = cls._policy(
            cls.allianz,
            "ALZ-TURN",
            country_ids=[Command.set((cls.fr | cls.be | cls.it).ids)],
            declaration_periodicity="monthly",
        )

    @classmethod
    def _customer(cls, name, country):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "country_id": country.id}
        )

    @classmethod
    def _move(
        cls, partner, amount, day, *, move_type="out_invoice", currency=None, tax=None, post=True
    ):
        move = (
            cls.env["account.move"]
            .with_company(cls.company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": day,
                    "date": day,
                    "currency_id": (currency or cls.company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.set(tax.ids if tax else [])],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            with check.skipped():
                move._post(soft=False)
        return move

    def _book_last_month(self):
        """The sales of last month, at its boundaries, and around it."""
        self._move(self.customer, 1000, self.start)
        self._move(self.customer, 500, self.end, tax=self.tax)  # 600 taxes included
        self._move(self.customer, 200, self.start + timedelta(days=3), move_type="out_refund")
        self._move(self.be_customer, 300, self.start + timedelta(days=5), currency=self.eur)
        self._move(self.be_customer, 800, self.mid + timedelta(days=2), currency=self.eur)
        # Not declared under the policy: another country, the group, a draft,
        # the months before and after.
        self._move(self.de_customer, 400, self.mid)
        self._move(self.sister, 999, self.mid)
        self._move(self.customer, 777, self.mid, post=False)
        self._move(self.customer, 50, self.start - timedelta(days=1))
        self._move(self.customer, 60, self.end + timedelta(days=1))

    def _declare(self, policy=None, start=None, end=None, user=None):
        return self.Declaration.with_user(user or self.controller).create(
            {
                "policy_id": (policy or self.policy).id,
                "date_start": start or self.start,
                "date_end": end or self.end,
            }
        )

    def _lines(self, declaration):
        return {
            line.country_id.code: (
                line.invoice_count,
                line.credit_note_count,
                line.amount_invoiced,
                line.amount_credited,
                line.amount,
            )
            for line in declaration.line_ids
        }


@tagged("post_install", "-at_install")
class TestDeclarationFigures(DeclarationCommon):
    def test_figures_per_country_from_posted_moves(self):
        self._book_last_month()
        declaration = self._declare()
        self.assertEqual(declaration.state, "draft")
        self.assertTrue(declaration.tax_included, "taxes included by default")
        # EUR invoices count for their booked amounts: 300 / 2 and 800 / 4.
        self.assertEqual(
            self._lines(declaration),
            {
                "FR": (2, 1, 1600.0, 200.0, 1400.0),
                "BE": (2, 0, 350.0, 0.0, 350.0),
                "IT": (0, 0, 0.0, 0.0, 0.0),
            },
        )
        self.assertEqual(declaration.amount_total, 1750.0)
        self.assertFalse(declaration.is_nil)
        self.assertTrue(
            declaration.line_ids.filtered(lambda line: line.country_id == self.it).is_nil
        )
        self.assertEqual(declaration.date_deadline, self.end + relativedelta(days=30))
        # The month before: only the invoice of its last day.
        before = self._declare(start=self.start0, end=self.end0)
        self.assertEqual(self._lines(before)["FR"], (1, 0, 50.0, 0.0, 50.0))

    def test_taxes_excluded_when_the_policy_says_so(self):
        self._book_last_month()
        self.policy.declaration_tax_included = False
        declaration = self._declare()
        self.assertFalse(declaration.tax_included)
        self.assertEqual(self._lines(declaration)["FR"], (2, 1, 1500.0, 200.0, 1300.0))

    def test_policy_currency_at_the_invoice_date_rate(self):
        self._book_last_month()
        policy = self._policy(self.atradius, "ATR-EUR", currency_id=self.eur.id)
        declaration = self._declare(policy)
        usd, company = self.company.currency_id, self.company

        def eur(amount, day):
            return usd._convert(amount, self.eur, company, day)

        lines = self._lines(declaration)
        # An invoice in the policy's currency counts for its own amount.
        self.assertEqual(lines["BE"], (2, 0, 1100.0, 0.0, 1100.0))
        expected_fr = eur(1000, self.start) + eur(600, self.end)
        self.assertAlmostEqual(lines["FR"][2], expected_fr)
        self.assertEqual(lines["FR"][2], 2000.0 + 2400.0, "rate 2 then rate 4")
        self.assertAlmostEqual(lines["FR"][3], eur(200, self.start + timedelta(days=3)))
        # A policy on every country: Germany and customers without country too.
        self.assertEqual(lines["DE"], (1, 0, 1600.0, 0.0, 1600.0))
        self.assertNotIn(False, lines, "the sister company is left out")
        self.assertEqual(declaration.currency_id, self.eur)

    def test_nil_declarations(self):
        three_months_ago = self.start0 - relativedelta(months=1)
        end = self.start0 - timedelta(days=1)
        declaration = self._declare(start=three_months_ago, end=end)
        self.assertTrue(declaration.is_nil)
        self.assertEqual(
            self._lines(declaration),
            dict.fromkeys(("FR", "BE", "IT"), (0, 0, 0.0, 0.0, 0.0)),
        )
        # A policy on every country: no line at all, still a declaration.
        everywhere = self._declare(self.atradius_policy, three_months_ago, end)
        self.assertTrue(everywhere.is_nil)
        self.assertFalse(everywhere.line_ids)
        self.assertEqual(everywhere.amount_total, 0.0)

    def test_insured_buyers_only(self):
        self._book_last_month()
        self.policy.declaration_scope = "buyers"
        # France covered from the middle of last month; Belgium refused.
        for partner, answer, day in (
            (self.customer, "approved", self.mid),
            (self.be_customer, "refused", self.start0),
        ):
            self._cover(partner, answer, day)
        declaration = self._declare()
        # Only the French invoice of the month's end, after the cover began.
        self.assertEqual(
            self._lines(declaration),
            {
                "FR": (1, 0, 600.0, 0.0, 600.0),
                "BE": (0, 0, 0.0, 0.0, 0.0),
                "IT": (0, 0, 0.0, 0.0, 0.0),
            },
        )

    def test_insured_buyers_expiry_and_refused_increase(self):
        """The cover in force on the invoice date counts as the worklist and
        the claims count it: a cover expired by then insures nothing; a
        refused increase leaves the cover as it was."""
        self._book_last_month()
        self.policy.declaration_scope = "buyers"
        france = self._cover(self.customer, "approved", self.start0)
        france.event_ids.sudo().expiry_date = self.mid
        belgium = self._cover(self.be_customer, "approved", self.start0)
        self._event(belgium, "refused", self.start + timedelta(days=1), request_kind="increase")
        declaration = self._declare()
        lines = self._lines(declaration)
        # France: the sales before the expiry only (the 600 of the month's end is out).
        self.assertEqual(lines["FR"], (1, 1, 1000.0, 200.0, 800.0))
        self.assertEqual(lines["BE"][:2], (2, 0), "still covered after the refused increase")

    def _event(self, cover, answer, day, **vals):
        return (
            self.env["credit.insurance.cover.event"]
            .sudo()
            .create(
                {
                    "cover_id": cover.id,
                    "answer": answer,
                    "amount": 10000 if answer == "approved" else 0,
                    "currency_id": self.currency.id,
                    "effective_date": day,
                    "source": "demo",
                    "applied": True,
                    **vals,
                }
            )
        )

    def _cover(self, partner, answer, day):
        buyer = (
            self.env["credit.insurance.buyer"]
            .sudo()
            .create(
                {
                    "backend_id": self.allianz.id,
                    "partner_id": partner.id,
                    "insurer_ref": f"REF-{partner.id}",
                }
            )
        )
        cover = (
            self.env["credit.insurance.cover"]
            .sudo()
            .create(
                {"policy_id": self.policy.id, "buyer_id": buyer.id, "currency_id": self.currency.id}
            )
        )
        self._event(cover, answer, day)
        return cover

    def test_periods(self):
        day = turnover.period_of
        from datetime import date

        self.assertEqual(day(date(2026, 5, 17), "monthly"), (date(2026, 5, 1), date(2026, 5, 31)))
        self.assertEqual(day(date(2026, 5, 17), "quarterly"), (date(2026, 4, 1), date(2026, 6, 30)))
        # A policy year from July: its quarters start in July, October...
        self.assertEqual(
            day(date(2026, 5, 17), "quarterly", 7), (date(2026, 4, 1), date(2026, 6, 30))
        )
        self.assertEqual(
            day(date(2026, 8, 1), "quarterly", 7), (date(2026, 7, 1), date(2026, 9, 30))
        )
        self.assertEqual(
            day(date(2026, 2, 1), "half_yearly", 7), (date(2026, 1, 1), date(2026, 6, 30))
        )
        self.assertEqual(day(date(2026, 2, 1), "yearly", 7), (date(2025, 7, 1), date(2026, 6, 30)))
        self.assertEqual(
            turnover.periods_ended(date(2026, 1, 15), date(2026, 4, 1), "monthly"),
            [
                (date(2026, 1, 1), date(2026, 1, 31)),
                (date(2026, 2, 1), date(2026, 2, 28)),
                (date(2026, 3, 1), date(2026, 3, 31)),
            ],
        )
        with self.assertRaises(UserError):
            self._declare(start=self.today.replace(day=1), end=self.today + relativedelta(day=31))

    def test_a_period_of_the_policy_declared_once(self):
        """A declaration covers one period of its policy, and no two
        declarations of a policy overlap (each covers all its countries),
        even once the policy's periodicity changed; corrections excepted."""
        for start, end in (
            (self.start + timedelta(days=1), self.end),
            (self.start, self.end - timedelta(days=1)),
            (self.start0, self.end),
        ):
            with (
                self.assertRaisesRegex(UserError, "is not a declaration period"),
                self.env.cr.savepoint(),
            ):
                self._declare(start=start, end=end)
        last = self._declare()
        before = self._declare(start=self.start0, end=self.end0)
        last.action_send()
        self.assertEqual(last.state, "accepted")
        # The policy now declares quarters, the last one ending with last month.
        self.policy.write(
            {
                "declaration_periodicity": "quarterly",
                "date_start": self.start - relativedelta(months=2),
            }
        )
        quarter = (self.start - relativedelta(months=2), self.end)
        self.assertEqual(self.policy._declaration_period(self.start), quarter)
        with (
            self.assertRaisesRegex(UserError, "is not a declaration period"),
            self.env.cr.savepoint(),
        ):
            month = self.start - relativedelta(months=3)
            self._declare(start=month, end=month + relativedelta(day=31))
        with (
            self.assertRaisesRegex(UserError, f"overlaps .*{re.escape(before.name)}"),
            self.env.cr.savepoint(),
        ):
            self._declare(*(self.policy, *quarter))
        before.unlink()
        with (
            self.assertRaisesRegex(
                UserError, f"overlaps {re.escape(last.name)} of the same policy"
            ),
            self.env.cr.savepoint(),
        ):
            self._declare(*(self.policy, *quarter))
        self.assertFalse(self.Declaration._propose_due(self.policy), "the quarter is declared")
        # Another policy (monthly) declares its own periods.
        self.assertEqual(self._declare(self.atradius_policy).state, "draft")
        # A correction declares the period it corrects, and only that one.
        action = last.with_user(self.controller).action_correct()
        correction = self.Declaration.browse(action["res_id"])
        self.assertEqual((correction.date_start, correction.date_end), (self.start, self.end))
        with (
            self.assertRaisesRegex(UserError, "period of the declaration it corrects"),
            self.env.cr.savepoint(),
        ):
            correction.write({"date_start": quarter[0]})
        # The database refuses overlaps that reach it another way (at commit).
        draft = self._declare(self.atradius_policy, self.start0, self.end0)
        draft.invalidate_recordset()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(errors.ExclusionViolation),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE credit_insurance_declaration SET date_end = %s WHERE id = %s",
                (self.end, draft.id),
            )
            self.env.cr.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.env.cr.execute("SET CONSTRAINTS ALL DEFERRED")

    def test_upgrade_names_the_overlapping_declarations(self):
        """A database where declarations overlap cannot get the constraint
        (Odoo logs only that): the module update names them. The test
        drops the constraint; the rollback restores it."""
        month = self._declare()
        earlier = self._declare(self.policy, self.start0, self.end0)
        self.env.flush_all()
        self.env.cr.execute(
            "ALTER TABLE credit_insurance_declaration "
            "DROP CONSTRAINT credit_insurance_declaration_no_overlap"
        )
        self.env.cr.execute(
            "UPDATE credit_insurance_declaration SET date_end = %s WHERE id = %s",
            (self.end, earlier.id),
        )
        logger = "odoo.addons.credit_insurance.models.credit_insurance_declaration"
        with self.assertLogs(logger, "WARNING") as logs:
            self.Declaration.init()
        self.assertEqual(len(logs.output), 1)
        first, second = sorted((month.id, earlier.id))
        self.assertIn(f"declarations {first} (", logs.output[0])
        self.assertIn(f" and {second} (", logs.output[0])

    def test_declarations_due_are_proposed_with_a_deadline(self):
        self.policy.write(
            {"date_start": self.start0 - relativedelta(months=1), "declaration_deadline_days": 20}
        )
        self.allianz.user_id = self.manager
        proposed = self.Declaration._propose_due(self.policy)
        self.assertEqual(
            proposed.mapped("date_start"),
            [self.start0 - relativedelta(months=1), self.start0, self.start],
        )
        self.assertEqual(set(proposed.mapped("state")), {"draft"})
        last = proposed.filtered(lambda d: d.date_start == self.start)
        activity = last.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(activity.date_deadline, self.end + relativedelta(days=20))
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("credit_insurance.mail_activity_type_declaration_due"),
        )
        self.assertFalse(self.Declaration._propose_due(self.policy), "proposed once")
        # Filing closes the activity.
        last.with_user(self.controller).action_send()
        self.assertFalse(last.activity_ids)
        # A policy that ended proposes nothing after its end.
        self.policy.date_end = self.start0 - timedelta(days=1)
        proposed.filtered(lambda d: d.state == "draft").unlink()
        again = self.Declaration._propose_due(self.policy)
        self.assertEqual(again.mapped("date_start"), [self.start0 - relativedelta(months=1)])


@tagged("post_install", "-at_install")
class TestDeclarationSending(DeclarationCommon):
    def test_allianz_sent_frozen_then_corrected(self):
        self._book_last_month()
        declaration = self._declare()
        declaration.action_send()
        self.assertEqual(declaration.state, "accepted")
        self.assertTrue(declaration.insurer_ref.startswith("T"))
        self.assertEqual(declaration.user_sent_id, self.controller)
        self.assertTrue(declaration.date_sent)
        sent = self.sandbox.declarations[declaration.insurer_ref]
        self.assertEqual(
            (sent["start"], sent["end"]), (self.start.isoformat(), self.end.isoformat())
        )
        self.assertEqual(self.sandbox.count("/v1/jobs/"), 1)
        # The figures sent are frozen, whoever asks.
        line = declaration.line_ids[:1]
        for record, vals in (
            (line, {"amount_invoiced": 1}),
            (declaration, {"state": "draft"}),
            (declaration, {"insurer_ref": "x"}),
        ):
            for user in (self.controller, self.manager):
                with self.assertRaises(AccessError):
                    record.with_user(user).write(vals)
        with self.assertRaises(AccessError):
            line.sudo().unlink()
        with self.assertRaises(UserError):
            declaration.action_recompute()
        with self.assertRaises(UserError):
            declaration.with_user(self.manager).unlink()
        with self.assertRaises(UserError):
            declaration.write({"date_end": self.end - timedelta(days=1)})
        # Nor a second declaration of the period: a correction.
        with self.assertRaises(UserError):
            self._declare()
        self._move(self.customer, 100, self.mid)  # booked late
        action = declaration.with_user(self.controller).action_correct()
        correction = self.Declaration.browse(action["res_id"])
        self.assertEqual(correction.correction_of_id, declaration)
        self.assertEqual(self._lines(correction)["FR"][2], 1700.0)
        self.assertEqual(self._lines(declaration)["FR"][2], 1600.0, "kept as sent")
        correction.action_send()
        self.assertEqual(correction.state, "accepted")
        self.assertEqual(declaration.state, "superseded")
        self.assertEqual(
            self.sandbox.declarations[correction.insurer_ref]["replaces"], declaration.insurer_ref
        )

    def test_quarter_overlapping_a_corrected_month_is_refused(self):
        """After a periodicity change, a quarter covering a month corrected
        (its declaration superseded, the correction filed) would declare
        that month's turnover twice: refused. A correction of a correction
        keeps its own chain's period."""
        last = self._declare()
        last.action_send()
        action = last.with_user(self.controller).action_correct()
        correction = self.Declaration.browse(action["res_id"])
        correction.action_send()
        self.assertEqual(last.state, "superseded")
        action = correction.with_user(self.controller).action_correct()
        second = self.Declaration.browse(action["res_id"])
        self.assertEqual(second.correction_of_id, correction)
        quarter_start = self.start - relativedelta(months=2)
        self.policy.write({"declaration_periodicity": "quarterly", "date_start": quarter_start})
        with self.assertRaisesRegex(UserError, "overlaps"):
            self._declare(self.policy, quarter_start, self.end)

    def test_allianz_job_still_running_then_answered(self):
        self.sandbox.job_polls = 10
        declaration = self._declare()
        declaration.action_send()
        self.assertEqual(declaration.state, "sent")
        self.assertFalse(declaration.insurer_ref, "the job's resource is not known yet")
        job = declaration.raw_answer["jobId"]
        declaration.action_refresh()
        self.assertEqual(declaration.state, "sent", "still running")
        self.sandbox.jobs[job]["polls"] = 0
        declaration.action_refresh()
        self.assertEqual(declaration.state, "accepted")
        self.assertTrue(declaration.insurer_ref)

    def test_atradius_refusal_is_explained_and_writes_nothing(self):
        policy = self.atradius_policy
        # Declared on the insurer's portal already.
        self.sandbox._declare(
            "atradius", "ATR-1", self.start.isoformat(), self.end.isoformat(), None
        )
        declaration = self._declare(policy)
        with self.assertRaises(UserError) as caught:
            declaration.action_send()
        self.assertIn("already has a declaration for this period", str(caught.exception))
        self.assertIn("correct the declaration sent", str(caught.exception))
        self.assertEqual(declaration.state, "draft")
        self.assertFalse(declaration.date_sent)

    def test_atradius_rejected_then_received_and_accepted(self):
        self.sandbox.declaration_status = "REJECTED"
        declaration = self._declare(self.atradius_policy)
        declaration.action_send()
        self.assertEqual(declaration.state, "rejected")
        self.assertIn("check the figures", declaration.insurer_message)
        self.assertEqual(declaration.date_answer, self.today)
        # A correction of a rejected declaration; received, then accepted.
        self.sandbox.declaration_status = "RECEIVED"
        correction = self.Declaration.browse(declaration.action_correct()["res_id"])
        correction.action_send()
        self.assertEqual(correction.state, "sent")
        self.assertEqual(declaration.state, "superseded")
        self.sandbox.declarations[correction.insurer_ref]["status"] = "ACCEPTED"
        correction.with_user(self.controller).action_refresh()
        self.assertEqual(correction.state, "accepted")

    def test_file_insurer_exports_csv_and_xlsx(self):
        self._book_last_month()
        backend = self.env["credit.insurance.backend"].create(
            {"name": "Lists", "kind": "file", "company_id": self.company.id}
        )
        policy = self._policy(
            backend,
            "FILE-T",
            country_ids=[Command.set((self.fr | self.be | self.it).ids)],
            insurer_ref="P-77",
        )
        declaration = self._declare(policy)
        declaration.action_send()
        self.assertEqual(declaration.state, "exported")
        self.assertEqual(self.sandbox.calls, [])
        files = self.env["ir.attachment"].search(
            [("res_model", "=", declaration._name), ("res_id", "=", declaration.id)]
        )
        by_ext = {attachment.name.rsplit(".", 1)[1]: attachment for attachment in files}
        self.assertEqual(set(by_ext), {"csv", "xlsx"})
        rows = list(csv.DictReader(io.StringIO(by_ext["csv"].raw.decode())))
        self.assertEqual([row["country_code"] for row in rows], ["BE", "FR", "IT"])
        fr = rows[1]
        self.assertEqual(
            (
                fr["policy"],
                fr["insurer_policy_id"],
                fr["period_start"],
                fr["invoice_count"],
                fr["turnover"],
                fr["tax_included"],
                fr["nil"],
            ),
            ("FILE-T", "P-77", self.start.isoformat(), "2", "1400.00", "Y", "N"),
        )
        self.assertEqual(rows[2]["nil"], "Y")
        sheet = openpyxl.load_workbook(io.BytesIO(by_ext["xlsx"].raw)).active
        values = list(sheet.values)
        self.assertEqual(
            values[0][:5],
            ("policy", "insurer_policy_id", "period_start", "period_end", "country_code"),
        )
        self.assertEqual(values[2][4], "FR")
        self.assertEqual(values[2][12], 1400.0)
        self.assertEqual(values[2][2].date(), self.start)
        # The insurer's answer by email.
        declaration.with_user(self.controller).action_mark_accepted()
        self.assertEqual(declaration.state, "accepted")
        # A nil declaration exports one row of zeros.
        nil = self._declare(
            self._policy(backend, "FILE-NIL"),
            self.start0 - relativedelta(months=1),
            self.start0 - timedelta(days=1),
        )
        nil.action_send()
        csv_file = nil.message_ids.attachment_ids.filtered(lambda a: a.name.endswith(".csv"))
        [row] = list(csv.DictReader(io.StringIO(csv_file.raw.decode())))
        self.assertEqual((row["country_code"], row["turnover"], row["nil"]), ("", "0.00", "Y"))


@tagged("post_install", "-at_install")
class TestDeclarationAccess(DeclarationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Declaring Other Co")["company"]
        cls.other_user = new_test_user(
            cls.env,
            login="declaration_other_company",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    def test_policy_counts_its_filings_without_loading_them(self):
        other = self._policy(self.atradius, "ATR-TURN")
        self._declare()
        self._declare(start=self.start0, end=self.end0)
        self.env["credit.insurance.claim"].create(
            {"policy_id": other.id, "partner_id": self.customer.id}
        )
        # A claim without a case is seen by the company's collectors too.
        policies = (self.policy | other).with_user(self.manager)
        policies.invalidate_recordset()
        self.assertEqual(policies.mapped("declaration_count"), [2, 0])
        self.assertEqual(policies.mapped("claim_count"), [0, 1])
        collector = (self.policy | other).with_user(self.controller)
        collector.invalidate_recordset()
        self.assertEqual(collector.mapped("claim_count"), [0, 1])
        for name in ("declaration_ids", "claim_ids"):
            field = policies._fields[name]
            self.assertEqual(
                set(field._cache_missing_ids(policies)), set(policies.ids), f"{name} loaded"
            )

    def test_accounting_user_without_credit_rights(self):
        declaration = self._declare()
        # salesman: invoicing rights, no credit control
        with self.assertRaises(AccessError):
            self.Declaration.with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            declaration.with_user(self.salesman).read(["amount_total"])
        with self.assertRaises(AccessError):
            self._declare(user=self.salesman, start=self.start0, end=self.end0)
        with self.assertRaises(AccessError):
            declaration.with_user(self.salesman).action_send()
        self.assertEqual(self.sandbox.calls, [])

    def test_other_company_sees_and_sends_nothing(self):
        declaration = self._declare()
        self.assertFalse(self.Declaration.with_user(self.other_user).search([]))
        self.assertFalse(
            self.env["credit.insurance.declaration.line"].with_user(self.other_user).search([])
        )
        with self.assertRaises(AccessError):
            declaration.with_user(self.other_user).action_send()
        with self.assertRaises(AccessError):
            self._declare(user=self.other_user, start=self.start0, end=self.end0)
        self.assertEqual(self.sandbox.calls, [])

    def test_states_and_figures_only_through_actions(self):
        Declaration = self.Declaration.with_user(self.controller)
        vals = {"policy_id": self.policy.id, "date_start": self.start, "date_end": self.end}
        for forged in (
            {"state": "accepted"},
            {"insurer_ref": "T1"},
            {"line_ids": [Command.create({"country_id": self.fr.id, "amount_invoiced": 1})]},
        ):
            with self.subTest(forged=forged), self.assertRaises(AccessError):
                Declaration.create({**vals, **forged})
        with self.assertRaises(AccessError):
            Declaration.with_context(default_state="sent").create(vals)
        declaration = Declaration.create(vals)
        with self.assertRaises(AccessError):
            declaration.state = "sent"
        with self.assertRaises(AccessError):
            declaration.line_ids[:1].amount_invoiced = 123
        with self.assertRaises(AccessError):
            self.env["credit.insurance.declaration.line"].with_user(self.controller).create(
                {"declaration_id": declaration.id, "country_id": self.de.id}
            )
        # A draft may be dropped; its note changed.
        declaration.note = "Checked with sales."
        declaration.unlink()

    def test_views_load_for_the_roles(self):
        self._declare()
        for user in (self.controller, self.manager):
            for model in ("credit.insurance.declaration", "credit.insurance.policy"):
                views = (
                    self.env[model]
                    .with_user(user)
                    .get_views([(False, "form"), (False, "list"), (False, "search")])
                )
                self.assertIn("form", views["views"])
            policy = self.policy.with_user(user)
            self.assertEqual(policy.declaration_count, 1)
            action = policy.action_open_declarations()
            self.assertEqual(len(self.Declaration.with_user(user).search(action["domain"])), 1)
