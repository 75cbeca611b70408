import datetime
from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, format_amount

from ..engine import check, interest
from ..models import credit_dunning_run
from .common import CreditCommon
from .smtp_server import RefusingSMTPServer


class DunningCommon(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["credit.dunning.policy"].create(
            {
                "name": "Test policy",
                "company_id": cls.company.id,
                "level_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Pre-due",
                            "days": -5,
                            "min_days_since_previous": 0,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "First",
                            "days": 10,
                            "min_days_since_previous": 7,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 3,
                            "name": "Second",
                            "days": 30,
                            "min_days_since_previous": 7,
                            "fee_type": "fixed",
                            "fee_amount": 15.0,
                            "channel_letter": True,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 4,
                            "name": "Final",
                            "days": 60,
                            "min_days_since_previous": 7,
                            "channel_phone": True,
                            "fee_type": "percent",
                            "fee_amount": 1.0,
                            "hold_partner": True,
                        }
                    ),
                ],
            }
        )
        cls.pre_due, cls.first, cls.second, cls.final = cls.policy.level_ids
        cls.company.credit_dunning_policy_id = cls.policy
        cls.customer.write(
            {
                "email": "customer@example.com",
                "street": "1 Main Street",
                "zip": "1000",
                "city": "Brussels",
            }
        )

    def _run(self, days=0, confirm=True, company=None):
        run = self.env["credit.dunning.run"]._create_run(
            company or self.company, "cron", self.today + timedelta(days=days)
        )
        run._execute(confirm=confirm)
        if confirm:
            run.communication_ids._send()  # as the cron does after the run
        return run

    def _eu_interest(self):
        rule = self.env.ref("credit_management.late_interest_rule_eu")
        rule.series_id.rate_ids.unlink()
        rule.series_id.rate_ids = [Command.create({"date": datetime.date(2020, 1, 1), "rate": 2.0})]
        self.policy.interest_rule_id = rule

    def _comm(self, run, partner=None):
        return run.communication_ids.filtered(lambda c: c.partner_id == (partner or self.customer))


@tagged("post_install", "-at_install")
class TestDunningLevels(DunningCommon):
    def test_levels_progress_over_simulated_dates(self):
        invoice = self._invoice(self.customer, 1000, due_days=0, date_days=0)
        item = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        expected = [
            (-6, None),  # not yet within the pre-due window
            (-5, self.pre_due),
            (5, None),  # not 10 days late
            (10, self.first),
            (12, None),  # nothing new two days later
            (30, self.second),
            (35, None),  # 60 days not reached
            (61, self.final),
            (90, None),  # no level above the final one
        ]
        for days, level in expected:
            run = self._run(days)
            comm = self._comm(run)
            if level is None:
                self.assertFalse(comm, f"day {days}: no reminder expected")
                continue
            self.assertEqual(comm.level_id, level, f"day {days}")
            self.assertEqual(comm.state, "sent")
            self.assertEqual(item.credit_dunning_level_id, level)
            self.assertEqual(invoice.credit_dunning_level_id, level)
        self.assertTrue(self.customer.with_company(self.company).credit_hold)

    def test_min_days_since_previous_level(self):
        self._invoice(self.customer, 1000, due_days=-40, date_days=-40)
        self.assertEqual(self._comm(self._run(0)).level_id, self.pre_due)
        # First level is due (40 days late) but the pre-due reminder is 0 days old:
        # its own minimum (7 days) holds it back.
        self.assertFalse(self._comm(self._run(3)))
        self.assertEqual(self._comm(self._run(7)).level_id, self.first)

    def test_skip_levels_goes_to_the_matching_level(self):
        self.policy.skip_levels = True
        self._invoice(self.customer, 1000, due_days=-45, date_days=-45)
        self.assertEqual(self._comm(self._run()).level_id, self.second)

    def test_policy_from_partner_then_class_then_company(self):
        other = self.policy.copy({"name": "Class policy"})
        risk_class = self.env["credit.risk.class"].create(
            {"name": "Risky", "code": "RSK", "dunning_policy_id": other.id}
        )
        partner = self.env["res.partner"].create({"name": "Classy", "is_company": True})
        partner.with_company(self.company).credit_risk_class_id = risk_class
        self._invoice(partner, 100, due_days=-20, date_days=-20)
        self.assertEqual(self._comm(self._run(), partner).policy_id, other)
        own = self.policy.copy({"name": "Own policy", "skip_levels": True})
        partner.with_company(self.company).credit_dunning_policy_id = own
        comm = self._comm(self._run(8), partner)
        self.assertEqual((comm.policy_id, comm.level_id.name), (own, "First"))

    def test_installments_are_dunned_on_their_own(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50, "nb_days": 60}),
                ],
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": self.today - timedelta(days=15),
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create({"name": "Goods", "price_unit": 1000, "tax_ids": []})
                ],
            }
        )
        with check.skipped():
            invoice.action_post()
        comm = self._comm(self._run())
        items = comm.line_ids.filtered(lambda line: line.kind == "item")
        # Only the installment due 15 days ago is listed (the other is 45 days away).
        self.assertEqual(len(items), 1)
        self.assertEqual(items.amount_residual, 500)
        self.assertEqual(items.date_maturity, self.today - timedelta(days=15))
        late, later = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).sorted("date_maturity")
        self.assertEqual(
            (late.credit_dunning_level_id, later.credit_dunning_level_id.id), (self.pre_due, False)
        )
        # 55 days after the later due date minus 5 it gets its own pre-due reminder.
        comm = self._comm(self._run(40))
        self.assertIn(later, comm.line_ids.filtered("new_level").move_line_id)


@tagged("post_install", "-at_install")
class TestDunningAmounts(DunningCommon):
    def test_one_communication_per_partner_nets_credits(self):
        self._invoice(self.customer, 1000, due_days=-20, date_days=-20)
        self._invoice(self.customer_contact, 500, due_days=-15, date_days=-15)
        self._invoice(self.customer, 300, move_type="out_refund", due_days=0, date_days=0)
        comm = self._comm(self._run())
        self.assertEqual(len(comm), 1, "contacts are reminded through their company")
        self.assertEqual(comm.listed_total, 1500)
        self.assertEqual(comm.credit_total, 300)
        self.assertEqual(comm.amount_due, 1200)
        self.assertEqual(len(comm.line_ids.filtered(lambda line: line.kind == "credit")), 1)

    def test_no_reminder_when_credits_cover_the_balance(self):
        self._invoice(self.customer, 400, due_days=-20, date_days=-20)
        self._invoice(self.customer, 500, move_type="out_refund", due_days=0, date_days=0)
        run = self._run()
        self.assertFalse(self._comm(run))
        self.assertEqual(run.stats.get("covered"), 1)
        self.assertFalse(self.customer.with_company(self.company).credit_dunning_level_id)

    def test_fee_charged_once_per_level_and_item(self):
        self.policy.skip_levels = True
        self._invoice(self.customer, 1000, due_days=-35, date_days=-35)
        self._invoice(self.customer, 2000, due_days=-31, date_days=-31)
        comm = self._comm(self._run())
        self.assertEqual(comm.level_id, self.second)
        self.assertEqual(comm.fee_total, 30.0)  # 15 per item
        # The same level cannot be charged again (unique per item and level).
        self.assertFalse(self._comm(self._run(8)))
        self.policy.skip_levels = False
        comm = self._comm(self._run(30))  # final: 1 % of each item
        self.assertEqual(comm.level_id, self.final)
        self.assertEqual(comm.fee_total, 30.0)
        self.assertEqual(
            sorted(comm.line_ids.mapped("fee")), [10.0, 20.0], "1 % of 1,000 and of 2,000"
        )

    def test_statutory_interest_and_compensation_eu(self):
        rule = self.env.ref("credit_management.late_interest_rule_eu")
        series = rule.series_id
        series.rate_ids.unlink()
        series.rate_ids = [
            Command.create({"date": datetime.date(2025, 6, 11), "rate": 2.15}),
            Command.create({"date": datetime.date(2026, 3, 1), "rate": 3.0}),
        ]
        self.policy.interest_rule_id = rule
        self.final.write({"charge_interest": True, "charge_compensation": True})
        self.policy.skip_levels = True
        # Due 2026-01-31, dunned 2026-04-11: interest from Feb 1 to Apr 11 (70 days), all
        # in the first half of 2026 at the rate in force on 1 January (2.15 + 8 points);
        # the March change applies only from 1 July.
        due, day = datetime.date(2026, 1, 31), datetime.date(2026, 4, 11)
        self._invoice(
            self.customer,
            10000,
            due_days=(due - self.today).days,
            date_days=(due - self.today).days,
        )
        run = self.env["credit.dunning.run"]._create_run(self.company, "manual", day)
        run._execute()
        comm = self._comm(run)
        self.assertEqual(comm.level_id, self.final)
        self.assertAlmostEqual(comm.interest_total, 194.66, places=2)  # 10000 * 10.15% * 70/365
        eur = self.env.ref("base.EUR")
        self.assertAlmostEqual(
            comm.compensation_total, eur._convert(40.0, self.currency, self.company, day), places=2
        )
        # Charged once: the fixed compensation is per late invoice.
        self.assertEqual(
            comm.line_ids.filtered(lambda line: line.compensation).move_id.ids,
            comm.line_ids.move_id.ids,
        )

    def test_charges_posted_as_an_invoice_when_the_company_chooses(self):
        income = self.company_data["default_account_revenue"]
        interest_account = income.copy({"code": "INT999", "name": "Late interest"})
        self.company.write(
            {
                "credit_dunning_post_charges": True,
                "credit_dunning_journal_id": self.company_data["default_journal_sale"].id,
                "credit_dunning_fee_account_id": income.id,
                "credit_dunning_interest_account_id": interest_account.id,
            }
        )
        self.policy.skip_levels = True
        self._invoice(self.customer, 1000, due_days=-35, date_days=-35)
        comm = self._comm(self._run())
        charges = comm.charge_move_id
        self.assertEqual(comm.fee_total, 15.0)
        self.assertEqual((charges.state, charges.move_type), ("posted", "out_invoice"))
        self.assertEqual(charges.partner_id, self.customer)
        self.assertEqual(charges.amount_total, 15.0)
        self.assertEqual(charges.invoice_line_ids.account_id, income)
        # Posting needs a journal and both accounts.
        self.company.credit_dunning_post_charges = False
        with self.assertRaises(ValidationError):
            self.company.write(
                {"credit_dunning_post_charges": True, "credit_dunning_interest_account_id": False}
            )

    def test_interest_periods_per_jurisdiction(self):
        # EU / DE: the rate in force on 1 January and 1 July; UK: on 31 December and 30 June.
        rates = [(datetime.date(2024, 12, 1), 3.0), (datetime.date(2025, 7, 1), 2.0)]
        due, today = datetime.date(2025, 5, 31), datetime.date(2025, 8, 30)
        # EU: Jun 1-30 at 3 + 8, Jul 1-Aug 30 at 2 + 8: 30 days and 61 days.
        eu = interest.interest(1000, rates, "half_year_start", 8, due=due, today=today)
        self.assertAlmostEqual(eu, 1000 * (0.11 * 30 + 0.10 * 61) / 365, places=6)
        # Germany: 9 points.
        de = interest.interest(1000, rates, "half_year_start", 9, due=due, today=today)
        self.assertAlmostEqual(de, 1000 * (0.12 * 30 + 0.11 * 61) / 365, places=6)
        # UK: the 1 July change counts only from 1 January (rate on 30 June = 3).
        uk = interest.interest(1000, rates, "half_year_eve", 8, due=due, today=today)
        self.assertAlmostEqual(uk, 1000 * 0.11 * 91 / 365, places=6)
        # Daily: a change on 15 July applies from that day.
        daily_rates = [(datetime.date(2025, 1, 1), 3.0), (datetime.date(2025, 7, 15), 2.0)]
        daily = interest.interest(1000, daily_rates, "daily", 8, due=due, today=today)
        self.assertAlmostEqual(daily, 1000 * (0.11 * 44 + 0.10 * 47) / 365, places=6)

    def test_uk_compensation_tiers(self):
        rule = self.env.ref("credit_management.late_interest_rule_uk")
        self.assertEqual(
            [rule._compensation(amount) for amount in (999.99, 1000, 9999.99, 10000)],
            [40, 70, 70, 100],
        )


@tagged("post_install", "-at_install")
class TestDunningExclusions(DunningCommon):
    def test_exclusions_are_listed_with_their_reason(self):
        kept = self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        no_followup = self._invoice(self.customer, 200, due_days=-20, date_days=-20)
        no_followup.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        ).no_followup = True
        blocked = self._invoice(self.customer, 300, due_days=-20, date_days=-20)
        blocked.payment_state = "blocked"
        excluded_partner = self.env["res.partner"].create({"name": "Never", "is_company": True})
        excluded_partner.with_company(self.company).credit_dunning_excluded = True
        self._invoice(excluded_partner, 400, due_days=-20, date_days=-20)

        run = self._run()
        comm = self._comm(run)
        self.assertEqual(comm.line_ids.move_id, kept)
        self.assertFalse(self._comm(run, excluded_partner))
        self.assertEqual(run.stats["excluded"], {"no_followup": 1, "blocked": 1, "partner": 1})
        listed = self.env["credit.dunning.exclusion"].search([])
        self.assertEqual(
            {(row.move_id, row.reason_code) for row in listed},
            {
                (no_followup, "no_followup"),
                (blocked, "blocked"),
                (excluded_partner.invoice_ids, "partner"),
            },
        )
        self.assertIn("follow-up", listed.filtered(lambda r: r.move_id == no_followup).reason)

    def test_exclusion_hook_used_by_other_addons(self):
        invoice = self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        Run = self.env.registry["credit.dunning.run"]
        original = Run._dunning_exclusions

        def factored(self, company):
            return [
                *original(self, company),
                (
                    "factored",
                    SQL("SELECT id FROM account_move_line WHERE move_id = %s", invoice.id),
                ),
            ]

        self.patch(Run, "_dunning_exclusions", factored)
        run = self._run()
        self.assertFalse(self._comm(run))
        self.assertEqual(run.stats["excluded"], {"factored": 1})


@tagged("post_install", "-at_install")
class TestDunningRun(DunningCommon):
    def test_second_run_the_same_day_creates_nothing(self):
        self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        first = self._run()
        self.assertEqual(first.communication_count, 1)
        lines = self.env["credit.dunning.line"].search_count([])
        second = self._run()
        self.assertEqual(second.communication_count, 0)
        self.assertEqual(self.env["credit.dunning.line"].search_count([]), lines)

    def test_failed_batch_does_not_stop_the_others(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Debtor {n}", "is_company": True} for n in range(5)]
        )
        for partner in partners:
            self._invoice(partner, 100, due_days=-20, date_days=-20)
        Run = self.env.registry["credit.dunning.run"]
        original = Run._process_batch
        calls = []

        def crash_on_second_batch(self, debtor_ids, **kwargs):
            calls.append(debtor_ids)
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return original(self, debtor_ids, **kwargs)

        self.patch(Run, "_process_batch", crash_on_second_batch)
        self.patch(credit_dunning_run, "BATCH_DEBTORS", 2)
        run = self.env["credit.dunning.run"]._create_run(self.company, "cron")
        with self.assertLogs(credit_dunning_run.__name__, "ERROR") as logs:
            run._execute()
        self.assertIn("RuntimeError: worker killed", "\n".join(logs.output))
        failed = self.env["res.partner"].browse(calls[1])
        self.assertEqual(len(failed), 2)
        # The batches before and after the failed one went through.
        self.assertEqual(run.state, "done")
        self.assertEqual(run.communication_ids.partner_id, partners - failed)
        self.assertEqual(sorted(run.stats["failed"]), sorted(failed.ids))
        for partner in failed:
            self.assertIn(partner.name, run.stats_html)
        # The next run reminds the customers of the failed batch.
        self.assertEqual(self._run(1).communication_ids.partner_id, failed)

    def test_debtor_claimed_by_another_run_is_left_to_it(self):
        self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        other = self.env["credit.dunning.run"].create({"company_id": self.company.id})
        other._claim([self.customer.id])
        run = self._run()
        self.assertFalse(run.communication_ids)
        self.assertEqual(run.stats["claimed"], 1)

    def test_preview_then_confirm_or_cancel(self):
        invoice = self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        item = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        run = self.env["credit.dunning.run"].create({"company_id": self.company.id})
        run.action_preview()
        self.assertEqual(run.communication_ids.state, "draft")
        self.assertFalse(item.credit_dunning_level_id, "a preview changes no level")
        run.action_cancel()
        self.assertFalse(run.communication_ids)
        run = self.env["credit.dunning.run"].create({"company_id": self.company.id})
        run.action_preview()
        run.action_confirm()
        self.assertEqual(run.communication_ids.state, "sent")
        self.assertEqual(item.credit_dunning_level_id, self.pre_due)

    def test_multi_company(self):
        other_company = self.setup_other_company(name="Other Dunning Co")["company"]
        other_policy = self.policy.copy({"name": "Other", "company_id": other_company.id})
        other_company.credit_dunning_policy_id = other_policy
        self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        self._invoice(self.customer, 700, due_days=-20, date_days=-20, company=other_company)
        run = self._run()
        self.assertEqual(self._comm(run).listed_total, 100)
        other_run = self._run(company=other_company)
        self.assertEqual(self._comm(other_run).listed_total, 700)
        self.assertEqual(self._comm(other_run).policy_id, other_policy)

    def test_email_content_and_letter_pdf(self):
        self.customer.lang = "en_US"
        invoice = self._invoice(self.customer, 1234.5, due_days=-40, date_days=-40)
        self.policy.skip_levels = True
        comm = self._comm(self._run())
        self.assertEqual(comm.level_id, self.second)
        mail = comm.mail_id
        self.assertTrue(mail)
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertIn("Second", mail.subject)
        self.assertIn(invoice.name, mail.body_html)
        self.assertIn("1,234.50", mail.body_html)
        self.assertTrue(comm.channel_letter)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("credit_management.report_dunning_letter", comm.ids)[0]
            .decode()
        )
        self.assertIn(invoice.name, html)
        self.assertIn("Total due", html)
        # A real PDF (Odoo renders HTML in tests unless forced): see test_pdf.py.
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("credit_management.report_dunning_letter", comm.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_undelivered_email_shows_on_the_reminder(self):
        self._invoice(self.customer, 1000, due_days=-15, date_days=-20)
        comm = self._comm(self._run())
        self.assertEqual(comm.state, "sent", "handed to the mail queue")
        with RefusingSMTPServer() as server:
            self.env["ir.mail_server"].create(
                {
                    "name": "Refusing test server",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": server.port,
                    "smtp_encryption": "none",
                }
            )
            # Odoo sends no mail during tests unless told to: this test talks to
            # its own server on 127.0.0.1.
            with patch.object(
                type(self.env["ir.mail_server"]), "_disable_send", classmethod(lambda cls: False)
            ):
                comm.mail_id.send()  # what the mail queue's cron does
        self.assertEqual(
            len(server.refused),
            1,
            f"the server was asked for the customer ({comm.mail_state}: {comm.mail_failure})",
        )
        self.assertEqual(comm.mail_state, "exception")
        self.assertIn("550", comm.mail_failure)
        undelivered = self.env["credit.dunning.communication"].search(
            [("mail_state", "=", "exception")]
        )
        self.assertIn(comm, undelivered, "listed by the Email Not Delivered filter")

    def test_sms_reminder_is_queued(self):
        # The test database installs Odoo's sms module for this channel.
        self.assertIn("sms.sms", self.env)
        self.policy.skip_levels = True  # straight to the level that sends SMS
        self.first.write({"channel_email": False, "channel_sms": True})
        self.customer.phone = "+32 470 12 34 56"
        self._invoice(self.customer, 1000, due_days=-15, date_days=-20)
        comm = self._comm(self._run())
        self.assertEqual((comm.level_id, comm.state), (self.first, "sent"))
        sms = self.env["sms.sms"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual((sms.number, sms.state), ("+32 470 12 34 56", "outgoing"))
        self.assertIn(format_amount(self.env, 1000, self.currency), sms.body)
        self.assertIn(self.company.name, sms.body)

    def test_send_reminder_now_from_partner(self):
        self._invoice(self.customer, 100, due_days=-3, date_days=-3)
        self.customer.action_credit_send_reminder()
        comm = self.env["credit.dunning.communication"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(comm.run_id.origin, "partner")
        self.assertEqual(comm.state, "sent")
        # A second reminder now lists the same item again, at its level.
        self.customer.action_credit_send_reminder()
        self.assertEqual(
            self.env["credit.dunning.communication"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            2,
        )


@tagged("post_install", "-at_install")
class TestDunningGuardrails(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "credit_guardrails": True,
                "credit_quiet_start": 8.0,
                "credit_quiet_end": 21.0,
                "credit_contact_cap": 2,
                "credit_contact_window": 7,
            }
        )
        cls.customer.tz = "Europe/Brussels"

    def _prepared(self):
        self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        return self._comm(self._run(confirm=False))

    def _send(self, comm, now):
        comm._apply()
        comm._send(now=now)

    def test_quiet_hours_postpone_to_the_morning(self):
        comm = self._prepared()
        # 23:30 in Brussels (UTC+1 in winter): postponed to 8:00 local = 7:00 UTC.
        self._send(comm, datetime.datetime(2026, 11, 23, 22, 30))
        self.assertEqual(comm.state, "postponed")
        self.assertEqual(comm.postponed_until, datetime.datetime(2026, 11, 24, 7, 0))
        self.assertIn("Quiet hours", comm.reason)
        self.assertFalse(comm.mail_id)
        comm._send(now=datetime.datetime(2026, 11, 24, 7, 5))
        self.assertEqual(comm.state, "sent")
        self.assertTrue(comm.mail_id)

    def test_cease_communication_blocks_and_logs(self):
        comm = self._prepared()
        # Asked between the run and the sending: blocked, nothing raised.
        self.customer.credit_cease_communication = True
        self._send(comm, datetime.datetime(2026, 11, 23, 10, 0))
        self.assertEqual(comm.state, "blocked")
        self.assertIn("cease", comm.reason)
        self.assertFalse(self.customer.with_company(self.company).credit_dunning_level_id)
        self.assertFalse(comm.line_ids.filtered("new_level"))
        # The next runs leave the customer out.
        run = self._run(1, confirm=False)
        self.assertFalse(self._comm(run))
        self.assertEqual(run.stats["excluded"], {"cease": 1})

    def test_postponed_reminder_raises_the_level_when_it_goes_out(self):
        comm = self._prepared()
        item = comm.line_ids.move_line_id
        self._send(comm, datetime.datetime(2026, 11, 23, 22, 30))
        self.assertEqual(comm.state, "postponed")
        self.assertFalse(item.credit_dunning_level_id, "not sent: no level yet")
        # Meanwhile the next run leaves the item to the reminder on its way.
        run = self._run(1, confirm=False)
        self.assertFalse(self._comm(run))
        self.assertEqual(run.stats["excluded"], {"pending": 1})
        comm._send(now=datetime.datetime(2026, 11, 24, 7, 5))
        self.assertEqual(comm.state, "sent")
        self.assertEqual(item.credit_dunning_level_id, self.pre_due)

    def test_opt_out_drops_the_channel_only(self):
        self.customer.credit_optout_email = True
        self.first.channel_letter = True
        self.policy.skip_levels = True
        comm = self._prepared()
        self._send(comm, datetime.datetime(2026, 11, 23, 10, 0))
        self.assertEqual(comm.state, "sent")
        self.assertFalse(comm.channel_email)
        self.assertTrue(comm.channel_letter)
        self.assertFalse(comm.mail_id)

    def test_contact_cap_over_rolling_window(self):
        now = self.env.cr.now()
        for days in (0, 8):
            self._invoice(self.customer, 100, due_days=-20 + days, date_days=-20)
        sent = []
        for offset in range(2):
            run = self.env["credit.dunning.run"]._create_run(self.company, "partner")
            comm = run._process_batch([self.customer.id], force=True)
            comm._apply()
            comm._send(now=now.replace(hour=10) + timedelta(minutes=offset))
            sent.append(comm)
        self.assertEqual([c.state for c in sent], ["sent", "sent"])
        run = self.env["credit.dunning.run"]._create_run(self.company, "partner")
        third = run._process_batch([self.customer.id], force=True)
        third._apply()
        third._send(now=now.replace(hour=10) + timedelta(minutes=5))
        self.assertEqual(third.state, "postponed")
        self.assertIn("Contact cap", third.reason)
        self.assertEqual(
            third.postponed_until.date(), (sent[0].write_date + timedelta(days=7)).date()
        )


@tagged("post_install", "-at_install")
class TestDunningSideEffects(DunningCommon):
    """Levels, holds, cases and charges only for reminders that go out."""

    def _post_charges(self):
        income = self.company_data["default_account_revenue"]
        self.company.write(
            {
                "credit_dunning_post_charges": True,
                "credit_dunning_journal_id": self.company_data["default_journal_sale"].id,
                "credit_dunning_fee_account_id": income.id,
                "credit_dunning_interest_account_id": income.id,
            }
        )

    def test_undeliverable_reminder_changes_nothing(self):
        self._post_charges()
        self.policy.skip_levels = True
        self.final.write({"open_case": True, "channel_letter": True})
        nowhere = self.env["res.partner"].create({"name": "Nowhere Ltd", "is_company": True})
        invoice = self._invoice(nowhere, 1000, due_days=-70, date_days=-70)
        comm = self._comm(self._run(), nowhere)
        self.assertEqual((comm.level_id, comm.state), (self.final, "blocked"))
        self.assertIn("no address", comm.reason)
        self.assertFalse(invoice.credit_dunning_level_id)
        self.assertFalse(comm.line_ids.filtered("new_level"))
        self.assertFalse(nowhere.with_company(self.company).credit_hold)
        self.assertFalse(comm.charge_move_id)
        self.assertFalse(
            self.env["account.move"].search(
                [("partner_id", "=", nowhere.id), ("id", "!=", invoice.id)]
            )
        )
        self.assertFalse(
            self.env["credit.collection.case"].search([("partner_id", "=", nowhere.id)])
        )
        # With an email address the next run reminds it, with every side effect.
        nowhere.email = "ap@nowhere.example.com"
        comm = self._comm(self._run(1), nowhere)
        self.assertEqual((comm.level_id, comm.state), (self.final, "sent"))
        self.assertFalse(comm.channel_letter, "no postal address: email only")
        self.assertEqual(invoice.credit_dunning_level_id, self.final)
        self.assertTrue(nowhere.with_company(self.company).credit_hold)
        self.assertTrue(comm.charge_move_id)

    def test_next_run_does_not_climb_past_a_blocked_reminder(self):
        self.company.write(
            {"credit_guardrails": True, "credit_quiet_start": 0, "credit_quiet_end": 24}
        )
        self.customer.credit_optout_email = True  # the pre-due level sends emails only
        invoice = self._invoice(self.customer, 1000, due_days=-40, date_days=-40)
        comm = self._comm(self._run())
        self.assertEqual((comm.level_id, comm.state), (self.pre_due, "blocked"))
        self.assertFalse(invoice.credit_dunning_level_id)
        self.customer.credit_optout_email = False
        comm = self._comm(self._run(7))
        self.assertEqual((comm.level_id, comm.state), (self.pre_due, "sent"))
        self.assertEqual(invoice.credit_dunning_level_id, self.pre_due)

    def test_charges_invoice_earns_no_interest_nor_compensation(self):
        self._post_charges()
        self._eu_interest()
        self.policy.skip_levels = True
        self.final.write({"charge_interest": True, "charge_compensation": True})
        self._invoice(self.customer, 1000, due_days=-70, date_days=-70)
        first = self._comm(self._run())
        charges = first.charge_move_id
        self.assertTrue(charges.credit_dunning_charges)
        self.assertGreater(first.interest_total, 0)
        self.assertGreater(first.compensation_total, 0)
        # Seventy days later the unpaid charges are reminded as owed, without
        # interest or compensation of their own.
        later = self._comm(self._run(70))
        line = later.line_ids.filtered(lambda line: line.move_id == charges)
        self.assertEqual(line.level_id, self.final)
        self.assertEqual(line.amount_residual, charges.amount_total)
        self.assertEqual((line.interest, line.compensation), (0, 0))
        self.assertEqual(later.compensation_total, 0)

    def test_charges_mark_is_set_by_the_dunning_run_only(self):
        invoice = self._invoice(self.customer, 100)
        with self.assertRaises(UserError):
            invoice.write({"credit_dunning_charges": True})
        with self.assertRaises(UserError):
            self.env["account.move"].with_context(default_credit_dunning_charges=True).create(
                {"move_type": "out_invoice", "partner_id": self.customer.id}
            )

    def test_summary_escapes_level_names(self):
        self.first.name = "<img src=x onerror=alert(1)>"
        self.policy.skip_levels = True
        self._invoice(self.customer, 1000, due_days=-20, date_days=-20)
        html = str(self._run().stats_html)
        self.assertNotIn("<img", html)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", html)


@tagged("post_install", "-at_install")
class TestDunningPreview(DunningCommon):
    def test_preview_left_open_changes_nothing_a_run_reads(self):
        self._eu_interest()
        self.policy.skip_levels = True
        self.final.charge_interest = True
        self._invoice(self.customer, 10000, due_days=-70, date_days=-70)
        preview = self.env["credit.dunning.run"].create({"company_id": self.company.id})
        preview.action_preview()
        draft = preview.communication_ids
        self.assertEqual(draft.level_id, self.final)
        self.assertGreater(draft.interest_total, 0)
        # The nightly run of the same day reminds the customer, interest included.
        comm = self._comm(self._run())
        self.assertEqual((comm.level_id, comm.state), (self.final, "sent"))
        self.assertEqual(comm.interest_total, draft.interest_total)
        # The preview confirmed afterwards (by a credit controller) leaves the
        # customer to that run.
        preview.with_user(self.controller).action_confirm()
        self.assertFalse(preview.communication_ids)
        self.assertEqual(preview.stats["claimed"], 1)
        self.assertEqual(
            self.env["credit.dunning.communication"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            1,
        )

    def test_old_preview_cannot_be_confirmed(self):
        self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        # A run left from yesterday computes no preview today...
        yesterday = self.today - timedelta(days=1)
        run = self.env["credit.dunning.run"]._create_run(self.company, "manual", yesterday)
        with self.assertRaises(UserError):
            run.action_preview()
        # ... and a preview computed yesterday is not confirmed today.
        run._execute(confirm=False)
        self.assertTrue(run.communication_ids)
        with self.assertRaises(UserError):
            run.action_confirm()


@tagged("post_install", "-at_install")
class TestDunningStandardData(DunningCommon):
    def test_every_company_gets_classes_and_the_standard_policy(self):
        main = self.env.ref("base.main_company")
        self.assertTrue(self.env.ref(f"credit_management.{main.id}_credit_dunning_policy_standard"))
        company = self.setup_other_company(name="Fresh Dunning Co")["company"]
        policy = self.env.ref(f"credit_management.{company.id}_credit_dunning_policy_standard")
        self.assertEqual(policy.company_id, company)
        levels = policy.level_ids
        self.assertEqual(levels.mapped("days"), [-3, 7, 21, 45])
        self.assertTrue(all(levels.mapped("channel_email")))
        self.assertEqual(levels.mapped("channel_letter"), [False, False, True, True])
        for field in ("charge_interest", "charge_compensation", "hold_partner", "open_case"):
            self.assertFalse(any(levels.mapped(field)), field)
        self.assertEqual(set(levels.mapped("fee_type")), {"none"})
        classes = self.env["credit.risk.class"].with_company(company).search([])
        self.assertLessEqual({"A", "B", "C", "D", "E"}, set(classes.mapped("code")))
        # Shared by the companies, once (the demo data reuses them).
        shared = classes.filtered(lambda c: not c.company_id)
        self.assertEqual(sorted(shared.mapped("code")), ["A", "B", "C", "D", "E"])
        self.assertEqual(
            self.env["credit.dunning.policy"]
            .sudo()
            .search_count([("company_id", "=", main.id), ("name", "=", policy.name)]),
            1,
        )
        # Dunning stays off until a person picks the policy.
        self.assertFalse(company.credit_dunning_policy_id)
        self._invoice(self.customer, 100, due_days=-20, date_days=-20, company=company)
        self.assertNotIn(company, self.env["credit.dunning.run"]._dunning_companies())
        self.assertFalse(self._run(company=company).communication_ids)
        company.credit_dunning_policy_id = policy
        self.assertIn(company, self.env["credit.dunning.run"]._dunning_companies())
        self.assertEqual(self._comm(self._run(1, company=company)).level_id, levels[0])
