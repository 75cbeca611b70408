import csv
import io
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..engine import overdue
from .common import InsuranceCommon

OVERDUE_ACTIVITY = "credit_insurance.mail_activity_type_insurance_overdue"
LATE_ACTIVITY = "credit_insurance.mail_activity_type_insurance_overdue_late"


class OverdueCommon(InsuranceCommon):
    """Policies of the sandbox with MEP 60 days and a 30-day notification
    period counted from the end of the MEP (the field defaults)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Overdue = cls.env["credit.insurance.overdue"]
        cls.Notice = cls.env["credit.insurance.overdue.notice"]

    def _request(self, *args, **kwargs):
        result = super()._request(*args, **kwargs)
        if result._name == "credit.insurance.cover":
            # Decided before the late deliveries: a delivery is insured by
            # the cover in force on its invoice date.
            result.event_ids.sudo().write({"effective_date": self._day(-365)})
        return result

    def _late_invoice(self, amount, days_late, partner=None, **kwargs):
        return self._invoice(
            partner or self.customer,
            amount,
            due_days=-days_late,
            date_days=-days_late - 30,
            **kwargs,
        )

    def _rows(self, policy, invoice=None):
        self.Overdue._refresh(self.company)
        domain = [("policy_id", "=", policy.id)]
        if invoice:
            domain.append(("move_id", "=", invoice.id))
        return self.Overdue.search(domain)

    def _notice(self, row, kind="default", user=None, **vals):
        """A notice created as the worklist's button prepares it."""
        action = (
            row.with_user(user or self.controller)
            .with_context(notice_kind=kind)
            .action_new_notice()
        )
        defaults = {key.removeprefix("default_"): value for key, value in action["context"].items()}
        return self.Notice.with_user(user or self.controller).create({**defaults, **vals})

    def _day(self, days):
        return self.today + timedelta(days=days)

    def _mep_passed(self):
        query = overdue.mep_passed_query(self.company.ids, self.today)
        return {row_id for (row_id,) in self.env.execute_query(query)}


@tagged("post_install", "-at_install")
class TestOverdueDeadlines(OverdueCommon):
    def test_deadline_from_due_date_mep_and_notice_period(self):
        self._request(self.atradius_policy, 50000)
        invoice = self._late_invoice(1000, 10)
        self._invoice(self.customer, 500, due_days=5)  # not yet due: not listed
        row = self._rows(self.atradius_policy)
        self.assertEqual(row.move_id, invoice)
        self.assertEqual(row.date_maturity, self._day(-10))
        self.assertEqual(row.date_mep, self._day(50), "due date + MEP 60")
        self.assertEqual(row.deadline, self._day(80), "30 days after the MEP")
        self.assertEqual((row.days_overdue, row.days_left), (10, 80))
        self.assertEqual((row.state, row.amount_residual), ("to_notify", 1000))
        self.assertEqual(row.buyer_id.partner_id, self.customer)
        # The Allianz rule: 15 days from the default (the due date).
        self.atradius_policy.write({"overdue_deadline_basis": "due", "overdue_notice_days": 15})
        row = self._rows(self.atradius_policy)
        self.assertEqual(row.deadline, self._day(5))
        self.atradius_policy.overdue_notice_days = 5
        row = self._rows(self.atradius_policy)
        self.assertEqual((row.deadline, row.state), (self._day(-5), "late"))

    def test_only_insured_buyers_under_their_policy(self):
        self._request(self.atradius_policy, 50000)
        self._late_invoice(1000, 10)
        stranger = self.env["res.partner"].create({"name": "Not Insured", "is_company": True})
        self._late_invoice(800, 10, partner=stranger)
        self.assertEqual(self._rows(self.atradius_policy).partner_id, self.customer)
        self.assertFalse(self._rows(self.allianz_policy), "no cover under the Allianz policy")
        # The discretionary limit insures a buyer with no decision yet.
        self.allianz_policy.discretionary_limit = 10000
        self.env["credit.insurance.buyer"]._match(self.allianz, self.customer)
        self.assertEqual(len(self._rows(self.allianz_policy)), 1)
        # A buyer the policy covers only in other countries is not insured.
        self.atradius_policy.country_ids = self.env.ref("base.de")
        new_invoice = self._late_invoice(300, 3)
        self.assertFalse(self._rows(self.atradius_policy, new_invoice))

    def test_expired_cover_insures_only_deliveries_before_its_expiry(self):
        cover = self._request(self.atradius_policy, 50000)
        cover.sudo().expiry_date = self._day(-20)
        before = self._late_invoice(1000, 10)  # booked 40 days ago, cover running
        after = self._invoice(self.customer, 600, due_days=-2, date_days=-10)
        self.assertEqual(self._rows(self.atradius_policy).move_id, before)
        # Expired, it is not a decision either: the discretionary limit applies.
        self.atradius_policy.discretionary_limit = 10000
        self.assertEqual(self._rows(self.atradius_policy).move_id, before | after)

    def test_withdrawal_keeps_earlier_deliveries_on_the_worklist(self):
        """A delivery made while the cover ran stays insured after the
        insurer withdraws the cover (the claim counts it insured too); one
        delivered after the withdrawal is not listed."""
        cover = self._request(self.atradius_policy, 50000)
        invoice = self._late_invoice(1000, 10)  # delivered 40 days ago, under the cover
        self.sandbox.decide(cover.insurer_ref, 0, kind="CANCELLATION")
        self.atradius._sync()
        self.assertEqual(cover.state, "withdrawn")
        withdrawal = cover.event_ids.sorted("id")[-1]
        withdrawal.sudo().effective_date = self._day(-20)
        later = self._invoice(self.customer, 600, due_days=-2, date_days=-10)
        claim = self.env["credit.insurance.claim"].create(
            {"policy_id": self.atradius_policy.id, "partner_id": self.customer.id}
        )
        self.assertEqual(claim.amount_covered, 1000, "the claim counts the delivery insured")
        self.assertEqual(self._rows(self.atradius_policy).move_id, invoice)
        self.assertFalse(self._rows(self.atradius_policy, later))

    def test_contact_invoice_counts_for_the_buyer(self):
        self._request(self.atradius_policy, 50000)
        invoice = self._late_invoice(700, 4, partner=self.customer_contact)
        row = self._rows(self.atradius_policy, invoice)
        self.assertEqual(row.partner_id, self.customer)

    def test_partial_payment_then_credit_note_settle(self):
        self._request(self.atradius_policy, 50000)
        invoice = self._late_invoice(1000, 10)
        row = self._rows(self.atradius_policy)
        self._pay(invoice, 400)
        self._rows(self.atradius_policy)
        self.assertEqual((row.amount_residual, row.deadline), (600, self._day(80)))
        refund = self._invoice(self.customer, 600, move_type="out_refund")
        receivable = (invoice | refund).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        receivable.reconcile()
        self._rows(self.atradius_policy)
        self.assertEqual((row.state, row.amount_residual), ("settled", 0))
        self.assertFalse(
            self._rows(self.atradius_policy, refund), "a credit note is not an overdue"
        )

    def test_foreign_currency_item(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._request(self.atradius_policy, 50000)
        invoice = self._late_invoice(1000, 10, currency=eur)
        row = self._rows(self.atradius_policy, invoice)
        self.assertEqual(row.currency_id, eur)
        self.assertEqual(row.amount_residual_currency, 1000)
        self.assertEqual(row.amount_residual, 500, "in company currency")
        notice = self._notice(row)
        self.assertEqual((notice.amount, notice.currency_id), (1000, eur))


@tagged("post_install", "-at_install")
class TestOverdueAlerts(OverdueCommon):
    def _activities(self, rows, xmlid):
        kind = self.env.ref(xmlid)
        return rows.activity_ids.filtered(lambda a: a.activity_type_id == kind)

    def test_daily_alerts_once_per_item(self):
        self.atradius_policy.write({"overdue_alert_days": 7, "overdue_user_id": self.controller.id})
        self._request(self.atradius_policy, 50000)
        near = self._late_invoice(1000, 85)  # deadline in 5 days
        far = self._late_invoice(1000, 10)  # deadline in 80 days
        late = self._late_invoice(1000, 100)  # deadline 10 days ago
        self.Overdue._cron_overdue()
        near_row, far_row, late_row = (
            self._rows(self.atradius_policy, inv) for inv in (near, far, late)
        )
        activity = self._activities(near_row, OVERDUE_ACTIVITY)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.controller)
        self.assertEqual(activity.date_deadline, self._day(5))
        self.assertFalse(far_row.activity_ids)
        self.assertEqual(late_row.state, "late")
        self.assertEqual(len(self._activities(late_row, LATE_ACTIVITY)), 1)
        self.assertEqual(late_row.late_date, self.today)
        # The next day's run adds nothing, even once the activity is done.
        activity.with_user(self.controller).action_feedback(feedback="Reported by phone first")
        self.Overdue._cron_overdue()
        rows = near_row | far_row | late_row
        self.assertFalse(self._activities(rows, OVERDUE_ACTIVITY))
        self.assertEqual(len(self._activities(rows, LATE_ACTIVITY)), 1)
        self.assertEqual(near_row.alert_date, self.today)

    def test_mep_run_out_holds_the_customer(self):
        self.atradius_policy.overdue_mep_action = "hold"
        self._request(self.atradius_policy, 50000)
        self._late_invoice(1000, 70)  # MEP of 60 days ended 10 days ago
        self.Overdue._cron_overdue()
        partner = self.customer.with_company(self.company)
        self.assertTrue(partner.credit_hold)
        self.assertIn("deliveries must stop", partner.credit_hold_reason)
        # Released by credit control, the same item does not hold again.
        partner.with_user(self.manager).action_credit_release()
        self.Overdue._cron_overdue()
        self.assertFalse(partner.credit_hold)

    def test_mep_warns_by_default(self):
        self._request(self.atradius_policy, 50000)
        self._late_invoice(1000, 70)
        self.Overdue._cron_overdue()
        partner = self.customer.with_company(self.company)
        self.assertFalse(partner.credit_hold)
        self.assertIn("deliveries must stop", partner.message_ids[0].body)


@tagged("post_install", "-at_install")
class TestOverdueNotices(OverdueCommon):
    def test_allianz_default_answered_by_a_job(self):
        self._request(self.allianz_policy, 50000)
        invoice = self._late_invoice(1200, 15)
        row = self._rows(self.allianz_policy)
        self.sandbox.job_polls = 1
        polls = self.sandbox.count("/v1/jobs/")
        notice = self._notice(row)
        self.assertEqual((notice.state, notice.amount, notice.kind_code), ("draft", 1200, "OVD"))
        notice.action_send()
        self.assertEqual(notice.state, "accepted")
        self.assertTrue(notice.insurer_ref.startswith("N"))
        self.assertEqual(notice.raw_answer["overdueCategoryTypeCode"], "OVD")
        self.assertEqual(notice.raw_answer["invoiceReference"], invoice.name)
        self.assertEqual((notice.answer_date, notice.sent_by_id), (self.today, self.controller))
        self.assertFalse(notice.sent_late)
        self.assertEqual(row.state, "notified")
        self.assertEqual(self.sandbox.count("/v1/overdues", "POST"), 1)
        self.assertEqual(self.sandbox.count("/v1/jobs/") - polls, 2, "pending, then processed")

    def test_allianz_job_left_for_the_sync(self):
        self._request(self.allianz_policy, 50000)
        self._late_invoice(1200, 15)
        row = self._rows(self.allianz_policy)
        self.allianz.poll_attempts = 1
        self.sandbox.job_polls = 5
        notice = self._notice(row)
        notice.action_send()
        self.assertEqual(notice.state, "sent")
        self.assertTrue(notice.job_id)
        self.assertEqual(row.state, "notified", "a default counts once sent")
        self.sandbox.jobs[notice.job_id]["polls"] = 0
        self.allianz._sync()
        self.assertEqual((notice.state, notice.job_id), ("accepted", False))

    def test_allianz_job_completed_by_webhook(self):
        self._request(self.allianz_policy, 50000)
        self._late_invoice(1200, 15)
        self.allianz.poll_attempts = 1
        self.sandbox.job_polls = 5
        notice = self._notice(self._rows(self.allianz_policy))
        notice.action_send()
        self.sandbox.jobs[notice.job_id]["polls"] = 0
        event = {"eventId": "overdue-job-1", "eventType": "JOB_COMPLETED", "jobId": notice.job_id}
        [(status, answer)] = self._deliver(self.allianz, [event])
        self.assertEqual((status, answer), (200, {"status": "done"}))
        notice.invalidate_recordset()
        self.assertEqual(notice.state, "accepted")

    def test_atradius_rescheduling_referred_then_decided(self):
        self._request(self.atradius_policy, 50000)
        self._late_invoice(5000, 20)
        row = self._rows(self.atradius_policy)
        notice = self._notice(row, "rescheduling", new_due_date=self._day(90))
        self.assertEqual(notice.kind_code, "PAYMENT_ARRANGEMENT")
        notice.action_send()
        self.assertEqual(notice.state, "sent", "202: examined by an underwriter")
        self.assertEqual(row.state, "to_notify", "not rescheduled before the insurer agrees")
        notice.with_user(self.controller).action_fetch_answer()
        self.assertEqual(notice.state, "sent")
        self.sandbox.decide_notice(notice.insurer_ref, True)
        notice.with_user(self.controller).action_fetch_answer()
        self.assertEqual((notice.state, row.state), ("accepted", "rescheduled"))

    def test_atradius_extension_moves_the_due_date_within_the_mep(self):
        self._request(self.atradius_policy, 50000)
        self._late_invoice(1000, 10)
        row = self._rows(self.atradius_policy)
        notice = self._notice(row, "extension", new_due_date=self._day(20))
        notice.action_send()
        self.assertEqual(notice.state, "accepted", "201: decided at once")
        self.assertEqual(row.state, "extended")
        self.assertEqual(row.date_due, self._day(20))
        # The MEP runs from the original due date, and the deadline from its end.
        self.assertEqual(row.date_mep, self._day(50), "original due date + MEP 60")
        self.assertEqual(row.deadline, self._day(80), "30 days after the MEP")
        # Counted from the default: the extended due date is the one missed.
        self.atradius_policy.write({"overdue_deadline_basis": "due", "overdue_notice_days": 15})
        self._rows(self.atradius_policy)
        self.assertEqual((row.date_mep, row.deadline), (self._day(50), self._day(35)))

    def test_extension_beyond_the_mep_refused_with_the_reason(self):
        # Our policy says 120 days; the insurer's MEP is 90: the insurer refuses.
        self.allianz_policy.max_extension_days = 120
        self._request(self.allianz_policy, 50000)
        self._late_invoice(1000, 10)
        row = self._rows(self.allianz_policy)
        notice = self._notice(row, "extension", new_due_date=self._day(100))
        action = notice.action_send()
        self.assertEqual(notice.state, "refused")
        self.assertIn("maximum extension period", notice.message)
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("refused", action["params"]["message"])
        self.assertEqual(row.state, "to_notify")

    def test_extension_beyond_the_mep_is_refused_before_sending(self):
        """A new due date after the end of the MEP would hide a passed
        deadline (counted from the MEP): refused on entry, for a file
        insurer too (answers entered by hand)."""
        backend = self.env["credit.insurance.backend"].create(
            {"name": "Lists", "kind": "file", "company_id": self.company.id}
        )
        policy = self._policy(backend, "FILE-MEP", discretionary_limit=20000)
        self.env["credit.insurance.buyer"]._match(backend, self.customer)
        self._late_invoice(900, 100)
        row = self._rows(policy)
        self.assertEqual(
            (row.date_mep, row.deadline, row.state), (self._day(-40), self._day(-10), "late")
        )
        with self.assertRaisesRegex(ValidationError, "end of the maximum extension period"):
            self._notice(row, "extension", new_due_date=self._day(30))
        self.assertIn(row.id, self._mep_passed(), "MEP run out 40 days ago")

    def test_passed_deadline_is_late_under_an_accepted_extension(self):
        """An extension accepted within the MEP, then the policy's MEP and
        notification period shortened: the deadline has passed, the item
        is late, not 'extended'."""
        backend = self.env["credit.insurance.backend"].create(
            {"name": "Lists", "kind": "file", "company_id": self.company.id}
        )
        policy = self._policy(backend, "FILE-EXT", discretionary_limit=20000)
        self.env["credit.insurance.buyer"]._match(backend, self.customer)
        self._late_invoice(900, 10)
        row = self._rows(policy)
        notice = self._notice(row, "extension", new_due_date=self._day(30))
        notice.action_send()
        self.env["credit.insurance.overdue.answer"].with_user(self.controller).create(
            {"notice_id": notice.id, "state": "accepted", "reference": "EXT-1"}
        ).action_confirm()
        self._rows(policy)
        self.assertEqual(row.state, "extended")
        policy.write({"max_extension_days": 5, "overdue_notice_days": 0})
        self._rows(policy)
        self.assertEqual((row.deadline, row.state), (self._day(-5), "late"))
        self.assertIn(row.id, self._mep_passed())

    def test_refusals_are_explained_and_write_nothing(self):
        self._request(self.atradius_policy, 50000)
        self._late_invoice(1000, 10)
        row = self._rows(self.atradius_policy)
        self._notice(row).action_send()
        again = self._notice(row)
        with self.assertRaises(UserError) as caught:
            again.action_send()
        self.assertIn("already has a notice", str(caught.exception))
        self.assertEqual(again.state, "draft")
        self.assertFalse(again.sent_date)
        self.assertEqual(self.sandbox.count("non-payment-notifications", "POST"), 2)
        # Sent notices stay as sent.
        with self.assertRaises(UserError):
            row.notice_ids.filtered(lambda n: n.state == "accepted").with_user(
                self.controller
            ).write({"amount": 1})

    def test_late_default_still_sent_and_flagged(self):
        self._request(self.atradius_policy, 50000)
        self._late_invoice(1000, 100)  # deadline 10 days ago
        row = self._rows(self.atradius_policy)
        self.assertEqual(row.state, "late")
        notice = self._notice(row, amount=1500)
        with self.assertRaises(UserError) as caught:
            notice.action_send()
        self.assertIn("left to pay", str(caught.exception))
        notice.amount = 1000
        notice.action_send()
        self.assertEqual(
            (notice.state, notice.sent_late, row.state), ("accepted", True, "notified")
        )

    def test_same_notice_sent_once(self):
        self._request(self.atradius_policy, 50000)
        self._late_invoice(1000, 10)
        row = self._rows(self.atradius_policy)
        notice = self._notice(row)
        notice.action_send()
        with self.assertRaises(UserError):
            notice.action_send()
        self.assertEqual(self.sandbox.count("non-payment-notifications", "POST"), 1)

    def test_file_insurer_notice_file_and_answer_by_hand(self):
        backend = self.env["credit.insurance.backend"].create(
            {"name": "Lists", "kind": "file", "company_id": self.company.id}
        )
        policy = self._policy(backend, "FILE-1", discretionary_limit=20000)
        self.env["credit.insurance.buyer"]._match(backend, self.customer)
        invoice = self._late_invoice(900, 12)
        row = self._rows(policy)
        notice = self._notice(row)
        notice.action_send()
        self.assertEqual(notice.state, "sent")
        rows = list(csv.reader(io.StringIO(notice._file_content().decode()), delimiter=";"))
        self.assertEqual(rows[0][:2], ["reference", "type"])
        self.assertEqual(rows[1][1:3], ["OVD", "FILE-1"])
        self.assertEqual(rows[1][5], invoice.name)
        self.assertEqual(rows[1][9], "900.00")
        self.assertEqual(self.sandbox.calls, [])
        wizard = (
            self.env["credit.insurance.overdue.answer"]
            .with_user(self.controller)
            .create({"notice_id": notice.id, "state": "accepted", "reference": "F-77"})
        )
        wizard.action_confirm()
        self.assertEqual((notice.state, notice.insurer_ref), ("accepted", "F-77"))
        self.assertEqual(row.state, "notified")

    def test_api_answers_are_not_entered_by_hand(self):
        self._request(self.allianz_policy, 50000)
        self._late_invoice(1000, 10)
        self.allianz.poll_attempts = 1
        self.sandbox.job_polls = 5
        notice = self._notice(self._rows(self.allianz_policy))
        notice.action_send()
        with self.assertRaises(UserError):
            notice._record_manual_answer("accepted", "X", self.today, "")
        self.assertEqual(notice.state, "sent")


@tagged("post_install", "-at_install")
class TestOverdueDunning(OverdueCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        policy = cls.env["credit.dunning.policy"].create(
            {
                "name": "Overdue test",
                "company_id": cls.company.id,
                "level_ids": [
                    Command.create({"sequence": 1, "name": "First", "days": 10}),
                ],
            }
        )
        cls.company.credit_dunning_policy_id = policy
        cls.customer.email = "customer@example.com"

    def _dun(self, days=0):
        run = self.env["credit.dunning.run"]._create_run(self.company, "cron", self._day(days))
        run._execute(confirm=False)
        return run

    def test_notified_item_leaves_or_stays_in_dunning(self):
        self._request(self.atradius_policy, 50000)
        invoice = self._late_invoice(1000, 20)
        self._notice(self._rows(self.atradius_policy)).action_send()
        self.atradius_policy.overdue_dunning = "exclude"
        run = self._dun()
        self.assertFalse(run.communication_ids)
        self.assertEqual(run.stats["excluded"], {"insurer_notice": 1})
        excluded = self.env["credit.dunning.exclusion"].search([("move_id", "=", invoice.id)])
        self.assertEqual(excluded.reason, "Reported to the credit insurer")
        self.atradius_policy.overdue_dunning = "keep"
        run = self._dun(1)
        self.assertEqual(run.communication_ids.line_ids.move_id, invoice)

    def test_unnotified_item_stays_in_dunning(self):
        self.atradius_policy.overdue_dunning = "exclude"
        self._request(self.atradius_policy, 50000)
        invoice = self._late_invoice(1000, 20)
        self._rows(self.atradius_policy)
        run = self._dun()
        self.assertEqual(run.communication_ids.line_ids.move_id, invoice)


@tagged("post_install", "-at_install")
class TestOverdueSecurity(OverdueCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Overdue Co"})
        cls.other_user = new_test_user(
            cls.env,
            login="other_overdue_manager",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    def setUp(self):
        super().setUp()
        self._request(self.atradius_policy, 50000)
        self._late_invoice(1000, 10)
        self.row = self._rows(self.atradius_policy)

    def test_accountant_without_credit_rights(self):
        with self.assertRaises(AccessError):
            self.Overdue.with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.Notice.with_user(self.salesman).create({"overdue_id": self.row.id})
        with self.assertRaises(AccessError):
            self.Overdue.with_user(self.salesman).action_open_worklist()
        notice = self._notice(self.row)
        with self.assertRaises(AccessError):
            notice.with_user(self.salesman).action_send()
        self.assertEqual(notice.state, "draft")
        self.assertEqual(self.sandbox.count("non-payment-notifications"), 0)

    def test_other_company_sees_and_sends_nothing(self):
        notice = self._notice(self.row)
        for model in ("credit.insurance.overdue", "credit.insurance.overdue.notice"):
            self.assertFalse(self.env[model].with_user(self.other_user).search([]), model)
        with self.assertRaises(AccessError):
            self.Notice.with_user(self.other_user).create({"overdue_id": self.row.id})
        with self.assertRaises(AccessError):
            notice.with_user(self.other_user).action_send()
        self.assertEqual(self.sandbox.count("non-payment-notifications"), 0)
        # The other company's worklist refresh leaves this company's rows alone.
        self.Overdue.with_user(self.other_user).action_open_worklist()
        self.assertEqual(self.row.state, "to_notify")

    def test_states_and_rows_are_the_flows(self):
        notice = self._notice(self.row)
        with self.assertRaises(AccessError):
            notice.write({"state": "accepted"})
        with self.assertRaises(AccessError):
            self.Notice.with_user(self.controller).create(
                {"overdue_id": self.row.id, "state": "accepted", "insurer_ref": "forged"}
            )
        with self.assertRaises(AccessError):
            self.Overdue.with_user(self.manager).create(
                {
                    "policy_id": self.atradius_policy.id,
                    "company_id": self.company.id,
                    "move_line_id": self.row.move_line_id.id,
                }
            )
        with self.assertRaises(AccessError):
            self.row.with_user(self.manager).write({"state": "notified"})
        # Credit control closes its alerts and notes on the item.
        self.row.with_user(self.controller).message_post(body="Called the buyer")

    def test_views_load_for_the_roles(self):
        for user in (self.controller, self.manager):
            for model in (
                "credit.insurance.overdue",
                "credit.insurance.overdue.notice",
                "credit.insurance.policy",
            ):
                views = (
                    self.env[model].with_user(user).get_views([(False, "list"), (False, "form")])
                )
                self.assertIn("form", views["views"])
        action = self.atradius_policy.with_user(self.controller).action_view_overdues()
        self.assertEqual(action["res_model"], "credit.insurance.overdue")


@tagged("post_install", "-at_install")
class TestOverdueDemo(OverdueCommon):
    def test_demo_worklist(self):
        with self.assertRaises(AccessError):
            self.env["credit.insurance.overdue.notice"]._demo_create("x.y", 0, {})
        notice = self.env.ref(
            "credit_insurance.credit_insurance_overdue_notice_azure_demo", raise_if_not_found=False
        )
        self.assertTrue(notice, "the suite's databases are made with demo data")
        # The demo is the main company's; the test user works in the test company.
        notice = notice.sudo()
        self.assertEqual((notice.state, notice.overdue_id.state), ("accepted", "notified"))
        deco = self.env.ref("credit_insurance.account_move_deco_overdue_demo")
        row = self.Overdue.sudo().search([("move_id", "=", deco.id)])
        self.assertEqual(row.state, "to_notify")
        self.assertEqual(row.deadline, row.date_maturity + timedelta(days=90))
