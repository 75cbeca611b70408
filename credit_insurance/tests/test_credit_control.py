from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import InsuranceCommon
from .sandbox import APP_KEY, CLIENT_ID, CLIENT_SECRET, InsurerSandbox


@tagged("post_install", "-at_install")
class TestCreditControl(InsuranceCommon):
    def _partner(self):
        return self.customer.with_company(self.company)

    def test_cover_caps_the_effective_limit(self):
        self._set_limit(self.customer, 200000)
        self._request(self.atradius_policy, 50000)
        partner = self._partner()
        self.assertEqual(partner.credit_limit_effective, 50000)
        self.assertEqual(partner.credit_insured_limit, 50000)
        # The credit check of credit_management stops at the cover.
        self._invoice(self.customer, 40000)
        invoice = self._invoice(self.customer, 20000, post=False)
        with self.assertRaises(UserError):
            invoice.with_user(self.salesman).action_post()
        self.assertEqual(invoice.state, "draft")

    def test_no_own_limit_takes_the_cover(self):
        self._request(self.atradius_policy, 30000)
        self.assertEqual(self._partner().credit_limit_effective, 30000)

    def test_discretionary_limit_without_cover(self):
        self.atradius_policy.discretionary_limit = 15000
        self._set_limit(self.customer, 200000)
        self.env["credit.insurance.buyer"]._match(self.atradius, self.customer)
        partner = self._partner()
        self.assertEqual(partner.credit_limit_effective, 15000)
        # Only a policy in force that covers the buyer's country.
        for vals in (
            {"country_ids": [(6, 0, self.env.ref("base.de").ids)]},
            {"country_ids": [(5, 0, 0)], "date_end": self.today - timedelta(days=1)},
        ):
            self.atradius_policy.write(vals)
            partner.invalidate_recordset()
            self.assertEqual(partner.credit_limit_effective, 200000, vals)
        self.atradius_policy.write(
            {"date_end": False, "country_ids": [(6, 0, self.env.ref("base.fr").ids)]}
        )
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_limit_effective, 15000)
        # A cover decision replaces it.
        self._request(self.atradius_policy, 60000)
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_limit_effective, 60000)

    def test_insured_and_uninsured_exposure(self):
        self._request(self.atradius_policy, 50000)
        self._invoice(self.customer, 70000)
        partner = self._partner()
        self.assertEqual(partner.credit_exposure, 70000)
        self.assertEqual(partner.credit_exposure_insured, 50000)
        self.assertEqual(partner.credit_exposure_uninsured, 20000)

    def test_announced_reduction_overtaken_by_a_newer_decision(self):
        """A reduction announced for a later date, then a new approval: on
        the reduction's date the newer approval stays in force."""
        cover = self._request(self.atradius_policy, 80000)
        later = self.today + timedelta(days=30)
        self.sandbox.decide(cover.insurer_ref, 20000, kind="REDUCTION", effective=later)
        self.atradius._sync()
        self.sandbox.decide(cover.insurer_ref, 80000)
        self.atradius._sync()
        self.assertEqual((cover.state, cover.amount), ("approved", 80000))
        reduction = cover.event_ids.filtered(lambda e: e.answer == "reduced")
        self.assertFalse(reduction.applied)
        with freeze_time(later):
            self.env["credit.insurance.backend"]._cron_sync()
        self.assertEqual((cover.state, cover.amount), ("approved", 80000))
        self.assertTrue(reduction.applied, "kept in the history, done with")
        self.assertTrue(reduction.superseded)
        self.assertIn("was not applied", cover.message_ids[:1].body)

    def test_reduction_takes_effect_on_its_date_and_holds(self):
        self.atradius_policy.shortfall_action = "hold"
        cover = self._request(self.atradius_policy, 80000)
        self._invoice(self.customer, 50000)
        later = self.today + timedelta(days=30)
        self.sandbox.decide(cover.insurer_ref, 20000, kind="REDUCTION", effective=later)
        self.atradius._sync()
        reduction = cover.event_ids.filtered(lambda e: e.answer == "reduced")
        self.assertEqual(len(reduction), 1)
        self.assertFalse(reduction.applied)
        self.assertEqual(cover.amount, 80000, "not before its effective date")
        # The daily sync finds nothing new the second time.
        self.atradius._sync()
        self.assertEqual(len(cover.event_ids), 2)
        with freeze_time(later):
            self.env["credit.insurance.backend"]._cron_sync()
        self.assertTrue(reduction.applied)
        self.assertEqual((cover.state, cover.amount), ("reduced", 20000))
        approval = cover.event_ids.filtered(lambda e: e.answer in ("partial", "approved"))
        self.assertTrue(approval.superseded, "the reduction replaced the approval")
        self.assertFalse(reduction.superseded)
        partner = self._partner()
        self.assertTrue(partner.credit_hold)
        activity = partner.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("credit_insurance.mail_activity_type_insurance_shortfall")
            )
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.atradius.user_id)

    def test_withdrawal_by_webhook_warns(self):
        cover = self._request(self.allianz_policy, 60000)
        self._invoice(self.customer, 10000)
        self.sandbox.decide(cover.insurer_ref, 0, kind="CANCELLATION")
        [(status, _answer)] = self._deliver(self.allianz)
        self.assertEqual(status, 200)
        self.assertEqual((cover.state, cover.amount), ("withdrawn", 0))
        self.assertEqual(cover.event_ids.sorted("id")[-1].answer_code, "8")
        partner = self._partner()
        self.assertFalse(partner.credit_hold, "the policy only warns")
        self.assertTrue(partner.activity_ids)

    def test_limit_request_asks_the_insurer(self):
        request = (
            self.env["credit.limit.request"]
            .with_user(self.controller)
            .create(
                {
                    "partner_id": self.customer.id,
                    "requested_limit": 150000,
                    "reason": "New contract",
                    "insurance_policy_id": self.atradius_policy.id,
                }
            )
        )
        request.action_ask_insurer()
        self.assertEqual(request.insurance_state, "partial")
        self.assertEqual(request.insurance_amount, 100000)
        request.action_ask_insurer()
        self.assertEqual(self.sandbox.count("/covers", "POST"), 1, "asked once per request")
        other = self.env["credit.insurance.cover"].sudo().search([], limit=1)
        with self.assertRaises(AccessError):
            request.write({"insurance_cover_id": other.id})

    def test_daily_sync_reads_every_page(self):
        france = self.env.ref("base.fr")
        covers = self._request(self.atradius_policy, 30000)
        for number in (1, 2):
            vat = f"FR9900000000{number}"
            partner = self.env["res.partner"].create(
                {"name": f"Buyer {number}", "is_company": True, "vat": vat, "country_id": france.id}
            )
            self.sandbox.add_buyer("FR", vat, partner.name)
            covers |= self._request(self.atradius_policy, 30000, partner=partner)
        for cover in covers:
            self.sandbox.decide(cover.insurer_ref, 10000, kind="REDUCTION", event=False)
        self.env["credit.insurance.backend"]._cron_sync()
        self.assertEqual(covers.mapped("state"), ["reduced"] * 3)
        self.assertEqual(covers.mapped("amount"), [10000] * 3)
        self.assertEqual(self.sandbox.count("/v1/covers", "GET"), 2, "two pages of two")
        self.assertTrue(self.atradius.last_sync)

    def test_daily_sync_goes_on_when_an_insurer_fails(self):
        """An insurer whose answers cannot be read, that answers 500 or
        times out: noted on it and in one log line; the others are
        synchronised all the same."""
        down = InsurerSandbox()
        down.__enter__()
        self.addCleanup(down.__exit__, None, None, None)
        down.timeout_delay = 0.5
        broken = self._backend("atradius", client_id="x", client_secret="y", app_key="z")
        broken.sudo().write({"name": "A Broken Insurer", "base_url": down.url, "timeout": 0.2})
        cover = self._request(self.atradius_policy, 30000)
        logger = "odoo.addons.credit_insurance.models.credit_insurance_backend"
        for fault, reduced_to in (("garbled", 20000), (500, 10000), ("timeout", 5000)):
            down.faults = [fault] * 3
            self.sandbox.decide(cover.insurer_ref, reduced_to, kind="REDUCTION", event=False)
            with self.assertLogs(logger, "WARNING") as logs:
                self.env["credit.insurance.backend"]._cron_sync()
            [record] = logs.records
            self.assertIn("A Broken Insurer", record.getMessage())
            self.assertIsNone(record.exc_info, "one line, no traceback")
            self.assertIn("did not answer", broken.sync_error)
            self.assertFalse(self.atradius.sync_error)
            self.assertEqual((cover.state, cover.amount), ("reduced", reduced_to), fault)
        self.assertFalse(broken.locked, "never a refused login")
        # Noted in its chatter when the reason changes, not every day.
        down.faults = ["timeout"] * 3
        self.env["credit.insurance.backend"]._cron_sync()
        self.assertEqual(len(broken.message_ids.filtered(lambda m: "failed" in m.body)), 3)
        # An answer the code does not expect: the same, named as unexpected.
        broken.sudo().write(
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "app_key": APP_KEY}
        )
        down.changes_answer = {"data": ["not a cover"]}
        with self.assertLogs(logger, "WARNING") as logs:
            self.env["credit.insurance.backend"]._cron_sync()
        [record] = logs.records
        self.assertIsNone(record.exc_info)
        self.assertIn("unexpected error AttributeError", broken.sync_error)
        # Back: the note goes.
        down.changes_answer = None
        self.env["credit.insurance.backend"]._cron_sync()
        self.assertFalse(broken.sync_error)

    def test_cover_stays_in_force_while_an_increase_is_examined(self):
        cover = self._request(self.allianz_policy, 50000)
        self.sandbox.job_polls = 10
        self._request(self.allianz_policy, 90000, kind="increase")
        self.assertEqual((cover.state, cover.amount, cover.pending), ("approved", 50000, True))
        self.assertEqual(self._partner().credit_limit_effective, 50000)
        message = self._refusal(self.allianz_policy, 95000, kind="increase")
        self.assertIn("already waiting", message)
        self.sandbox.jobs[cover.job_id]["polls"] = 0
        self.env["credit.insurance.backend"]._cron_sync()
        self.assertEqual((cover.state, cover.amount, cover.pending), ("approved", 90000, False))
        partner = self._partner()
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_limit_effective, 90000)

    def test_refused_buyer_gets_no_credit(self):
        cover = self._request(self.atradius_policy, 600000)
        self.assertEqual((cover.state, cover.amount), ("refused", 0))
        partner = self._partner()
        # No limit of its own: the refusal is not "no limit" but no credit.
        self.assertEqual(partner.credit_limit_source, "cap")
        self.assertEqual(partner.credit_limit_effective, 0)
        invoice = self._invoice(self.customer, 500, post=False)
        with self.assertRaisesRegex(UserError, r"Credit limit: \$\s0\.00"):
            invoice.with_user(self.salesman).action_post()
        self.assertEqual(invoice.state, "draft")
        # A credit note is not new credit.
        refund = self._invoice(self.customer, 500, post=False, move_type="out_refund")
        refund.with_user(self.salesman).action_post()
        self.assertEqual(refund.state, "posted")

    def test_exposure_list_utilisation_of_a_buyer_without_credit(self):
        """A cap of zero is used up by anything owed, in the list as in the
        risk score; nothing owed uses none of it."""
        self._request(self.atradius_policy, 600000)  # refused: no credit
        line = self._exposure_line()
        self.assertEqual((line.credit_limit, line.utilisation, line.over_limit), (0, 0, False))
        self._invoice(self.customer, 500)
        line = self._exposure_line()
        self.assertEqual((line.credit_limit, line.utilisation, line.over_limit), (0, 100, True))
        Score = self.env["credit.risk.score"]
        Score._compute_scores(self.company, self.customer)
        self.assertEqual(Score._current_for(self.customer, self.company).utilisation, 100)

    def _exposure_line(self):
        self.env.invalidate_all()
        return (
            self.env["credit.exposure"]
            .with_company(self.company)
            .search([("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)])
        )

    def test_withdrawn_cover_over_exposure_is_over_limit(self):
        self._set_limit(self.customer, 200000)
        cover = self._request(self.allianz_policy, 60000)
        self._invoice(self.customer, 10000)
        self.sandbox.decide(cover.insurer_ref, 0, kind="CANCELLATION")
        self._deliver(self.allianz)
        partner = self._partner()
        self.assertEqual((partner.credit_limit_effective, partner.credit_limit_source), (0, "cap"))
        self.assertEqual(partner.credit_available, -10000)
        self.assertTrue(partner.credit_over_limit)
        self.assertIn(partner, self.env["res.partner"].search([("credit_over_limit", "=", True)]))

    def test_refused_increase_keeps_the_cover(self):
        cover = self._request(self.allianz_policy, 50000)
        self.sandbox.job_polls = 10
        self._request(self.allianz_policy, 90000, kind="increase")
        self.assertTrue(cover.pending)
        # The underwriter says no to the increase.
        self.sandbox.decide(cover.insurer_ref, 0)
        self._deliver(self.allianz)
        self.assertEqual((cover.state, cover.amount, cover.pending), ("approved", 50000, False))
        self.assertEqual(cover.event_ids.sorted("id")[-1].answer, "refused")
        self.assertIn("stays in force", cover.message_ids[0].body)
        self.assertEqual(self._partner().credit_limit_effective, 50000)

    def test_exposure_list_shows_insured_and_uninsured(self):
        self._request(self.atradius_policy, 50000)
        self._invoice(self.customer, 70000)
        line = (
            self.env["credit.exposure"]
            .with_user(self.controller)
            .with_company(self.company)
            .search([("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)])
        )
        self.assertEqual(len(line), 1)
        self.assertEqual(
            (line.insured_limit, line.exposure_insured, line.exposure_uninsured),
            (50000, 50000, 20000),
        )
        uninsured = self.env["credit.exposure"].search([("exposure_uninsured", ">", 0)])
        self.assertIn(line, uninsured)

    def test_refused_group_top_gives_the_group_no_credit(self):
        self.company.credit_check_group = True
        subsidiary = self.env["res.partner"].create(
            {"name": "Customer Subsidiary", "is_company": True, "parent_id": self.customer.id}
        )
        self._request(self.atradius_policy, 600000)  # refused: the group's top gets no credit
        invoice = self._invoice(subsidiary, 500, post=False)
        with self.assertRaisesRegex(UserError, "group Customer Ltd"):
            invoice._post(soft=False)
        self.assertEqual(invoice.state, "draft")

    def test_expired_cover_no_longer_caps(self):
        self._set_limit(self.customer, 200000)
        cover = self._request(self.atradius_policy, 50000)
        partner = self._partner()
        self.assertEqual(partner.credit_limit_effective, 50000)
        cover.sudo().expiry_date = self.today - timedelta(days=1)
        partner.invalidate_recordset()
        # Expired, not refused: the customer's own limit again (no discretionary limit).
        self.assertEqual(partner.credit_limit_effective, 200000)
        self.assertEqual(partner.credit_insured_limit, 0)

    def test_covers_of_a_policy_not_in_force_neither_cap_nor_block(self):
        """The insurer covers nothing outside the policy's life, and its
        decisions stop binding: the customer's own limit applies again."""
        self._set_limit(self.customer, 200000)
        self._request(self.atradius_policy, 50000)
        partner = self._partner()
        self.assertEqual(partner.credit_limit_effective, 50000)
        for vals in (
            {"active": False},
            {"date_end": self.today - timedelta(days=1)},
            {"date_start": self.today + timedelta(days=1)},
        ):
            self.atradius_policy.write(vals)
            partner.invalidate_recordset()
            self.assertEqual(
                (partner.credit_limit_effective, partner.credit_insured_limit), (200000, 0), vals
            )
            self.atradius_policy.write({"active": True, "date_start": False, "date_end": False})
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_limit_effective, 50000)
        # A refusal under an ended policy no longer keeps the customer at zero.
        self._request(self.allianz_policy, 600000)
        self.atradius_policy.date_end = self.today - timedelta(days=1)
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_limit_effective, 0)
        self.allianz_policy.date_end = self.today - timedelta(days=1)
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_limit_effective, 200000)
