from odoo.tests import tagged

from .common import InsuranceCommon
from .sandbox import API_KEY


@tagged("post_install", "-at_install")
class TestTransport(InsuranceCommon):
    def _logs(self, backend):
        return self.env["credit.insurance.request.log"].search(
            [("backend_id", "=", backend.id)], order="id"
        )

    def test_allianz_job_polled_until_processed(self):
        self.sandbox.job_polls = 1
        cover = self._request(self.allianz_policy, 50000)
        self.assertEqual(cover.state, "approved")
        self.assertEqual(cover.amount, 50000)
        self.assertEqual(cover.buyer_id.match_state, "matched")
        event = cover.event_ids
        self.assertEqual(len(event), 1)
        self.assertEqual((event.request_kind, event.request_code), ("new", "2"))
        self.assertEqual((event.answer, event.answer_code), ("approved", "2"))
        self.assertEqual(event.raw_answer["status"], "APPROVED")
        self.assertEqual(self.sandbox.count("/v1/jobs/"), 2, "polled once pending, once done")
        # An increase reuses the cached token.
        self._request(self.allianz_policy, 90000, kind="increase")
        self.assertEqual(cover.amount, 90000)
        self.assertEqual(self.sandbox.count("/oauth2/authorize"), 1)
        self.assertEqual(cover.event_ids.sorted("id").mapped("request_kind"), ["new", "increase"])

    def test_allianz_job_left_pending_for_the_sync(self):
        self.sandbox.job_polls = 10
        cover = self._request(self.allianz_policy, 40000)
        self.assertEqual(cover.state, "requested")
        self.assertTrue(cover.job_id)
        self.sandbox.job_polls = 0
        self.sandbox.jobs[cover.job_id]["polls"] = 0
        self.allianz._sync()
        self.assertEqual(cover.state, "approved")
        self.assertEqual(cover.amount, 40000)
        self.assertFalse(cover.job_id)

    def test_same_request_key_sent_once(self):
        first = self._request(self.atradius_policy, 30000, key="key-1")
        again = self._request(self.atradius_policy, 30000, key="key-1")
        self.assertEqual(first, again)
        self.assertEqual(self.sandbox.count("/covers", "POST"), 1)
        self.assertEqual(len(first.event_ids), 1)

    def test_atradius_referred_then_decided_by_webhook(self):
        cover = self._request(self.atradius_policy, 300000)
        self.assertEqual(cover.state, "referred")
        self.assertEqual(cover.event_ids.answer_code, "6")
        self.sandbox.decide(cover.insurer_ref, 250000)
        [(status, answer)] = self._deliver(self.atradius)
        self.assertEqual((status, answer), (200, {"status": "done"}))
        cover.invalidate_recordset()
        self.assertEqual(cover.state, "partial")
        self.assertEqual(cover.amount, 250000)
        # Insurers send an event again: received once.
        [(status, answer)] = self._deliver(self.atradius)
        self.assertEqual((status, answer), (200, {"status": "duplicate"}))
        self.assertEqual(len(cover.event_ids), 2)
        # A body not signed with the shared secret is refused.
        [(status, _answer)] = self._deliver(self.atradius, secret="guess")
        self.assertEqual(status, 401)

    def test_allianz_job_completed_webhook(self):
        self.sandbox.job_polls = 10
        self.allianz.poll_attempts = 1
        cover = self._request(self.allianz_policy, 20000)
        self.assertEqual(cover.state, "requested")
        self.sandbox.jobs[cover.job_id]["polls"] = 0
        event = {
            "eventId": "job-done-1",
            "eventType": "JOB_COMPLETED",
            "jobId": cover.job_id,
            "resourceUrl": f"{self.sandbox.url}/riskinfo/v3/covers/"
            + next(iter(self.sandbox.covers)),
        }
        [(status, answer)] = self._deliver(self.allianz, [event])
        self.assertEqual((status, answer), (200, {"status": "done"}))
        cover.invalidate_recordset()
        self.assertEqual((cover.state, cover.amount), ("approved", 20000))

    def test_failed_webhook_event_processed_when_sent_again(self):
        self.sandbox.job_polls = 10
        self.allianz.poll_attempts = 1
        cover = self._request(self.allianz_policy, 20000)
        self.sandbox.jobs[cover.job_id]["polls"] = 0
        event = {
            "eventId": "job-done-2",
            "eventType": "JOB_COMPLETED",
            "jobId": cover.job_id,
            "resourceUrl": f"{self.sandbox.url}/riskinfo/v3/covers/"
            + next(iter(self.sandbox.covers)),
        }
        # The insurer cannot be read back: the event fails, the cover waits.
        self.sandbox.faults = [500, 500, 500]
        [(status, answer)] = self._deliver(self.allianz, [event])
        self.assertEqual((status, answer), (200, {"status": "failed"}))
        cover.invalidate_recordset()
        self.assertEqual(cover.state, "requested")
        received = self.env["credit.insurance.webhook.event"].search(
            [("event_id", "=", "job-done-2")]
        )
        self.assertEqual(received.state, "failed")
        # Sent again: processed this time, then a true duplicate.
        [(status, answer)] = self._deliver(self.allianz, [event])
        self.assertEqual((status, answer), (200, {"status": "done"}))
        cover.invalidate_recordset()
        self.assertEqual((cover.state, cover.amount), ("approved", 20000))
        self.assertEqual((received.state, received.note), ("done", False))
        history = cover.event_ids
        [(status, answer)] = self._deliver(self.allianz, [event])
        self.assertEqual((status, answer), (200, {"status": "duplicate"}))
        self.assertEqual(cover.event_ids, history)

    def test_refusals_are_explained_and_write_nothing(self):
        Cover = self.env["credit.insurance.cover"]
        message = self._refusal(self.atradius_policy, 1500)
        self.assertIn("multiples of 1,000", message)
        self.assertEqual(self.sandbox.count("/covers", "POST"), 1, "a refusal is not retried")
        self.assertFalse(Cover.search([("partner_id", "=", self.customer.id)]))
        message = self._refusal(self.allianz_policy, 2500)
        self.assertIn("multiples of 1,000", message)
        # The insurer already covers the buyer (asked elsewhere).
        self.sandbox._new_cover(
            "atradius", self.customer_ref, "ATR-1", 10000, currency="USD", key="other"
        )
        message = self._refusal(self.atradius_policy, 20000)
        self.assertIn("already has a cover", message)
        self.assertFalse(Cover.search([("partner_id", "=", self.customer.id)]))

    def test_unknown_buyer_goes_to_manual_resolution(self):
        result = self._request(self.atradius_policy, 20000, partner=self.unknown)
        self.assertEqual(result._name, "credit.insurance.buyer")
        self.assertEqual(result.match_state, "missing")
        chosen = self.sandbox.add_buyer("FR", "FR000", "Nobody Known SA")
        self.sandbox.add_buyer("FR", "FR000", "Nobody Known SARL")
        result.action_match()
        self.assertEqual(result.match_state, "ambiguous")
        self.assertIn("Nobody Known SARL", result.candidates)
        # The manager picks one: the next request goes through.
        result.with_user(self.manager).insurer_ref = chosen
        self.assertEqual(result.match_state, "matched")
        cover = self._request(self.atradius_policy, 20000, partner=self.unknown)
        self.assertEqual(cover.state, "approved")

    def test_retries_on_429_and_server_errors(self):
        self.sandbox.faults = [500]
        self._request(self.atradius_policy, 10000)
        # token: 500, then the token; the buyer search; the cover
        self.assertEqual(self._statuses(), [500, 200, 200, 201])
        # With the token: a 429 and a 500 on the next call are retried.
        self.sandbox.faults = [429, 500]
        self.atradius._sync()
        self.assertEqual(self._statuses()[4:7], [429, 500, 200])
        self.assertEqual(self.sandbox.count("/authenticate/"), 2, "one 500, one token")

    def test_throttled_login_is_not_retried_nor_locks(self):
        """A 429 on the token call: the insurer locks the account for a
        while after repeated logins, so the login is not tried again by
        itself; the backend is not locked (no credentials to fix)."""
        self.sandbox.faults = [429]
        message = self._refusal(self.atradius_policy, 10000)
        self.assertIn("refuses logins for now", message)
        self.assertEqual(self.sandbox.count("/authenticate/"), 1, "never retried")
        self.atradius.invalidate_recordset()
        self.assertFalse(self.atradius.locked)
        self.assertEqual(self.atradius.login_failures, 0)
        # Later, a new call (a user's, a cron's) logs in again.
        self.assertEqual(self._request(self.atradius_policy, 10000).state, "approved")
        self.assertEqual(self.sandbox.count("/authenticate/"), 2)

    def _statuses(self):
        return self._logs(self.atradius).mapped("status_code")

    def test_gives_up_after_retries(self):
        self.sandbox.faults = [503, 503, 503, 503]
        message = self._refusal(self.atradius_policy, 10000)
        self.assertIn("did not answer", message)
        self.assertEqual(self.sandbox.count("/authenticate/"), 3, "1 try and 2 retries")

    def test_timeout_is_retried(self):
        self.sandbox.faults = ["timeout"]
        cover = self._request(self.atradius_policy, 10000)
        self.assertEqual(cover.state, "approved")
        self.assertIn("ReadTimeout", self._logs(self.atradius).mapped("error"))

    def test_wrong_password_locks_without_retry(self):
        self.atradius.sudo().client_secret = "wrong"
        message = self._refusal(self.atradius_policy, 10000)
        self.assertIn("refused the login", message)
        self.assertEqual(self.sandbox.count("/authenticate/"), 1)
        self.atradius.invalidate_recordset()
        self.assertTrue(self.atradius.locked)
        self.assertEqual(self.atradius.login_failures, 1)
        message = self._refusal(self.atradius_policy, 10000)
        self.assertIn("is locked", message)
        self.assertEqual(self.sandbox.count("/authenticate/"), 1, "never tried again")
        # Only an administrator unlocks, once the credentials are fixed.
        self.atradius.sudo().client_secret = "sandbox-secret-0002"
        self.atradius.with_user(self.admin).action_unlock()
        self.assertEqual(self._request(self.atradius_policy, 10000).state, "approved")

    def test_request_log_masks_secrets(self):
        self._request(self.allianz_policy, 10000)
        logs = self._logs(self.allianz)
        self.assertTrue(logs)
        text = " ".join(logs.mapped("request_body") + logs.mapped("response_body"))
        self.assertNotIn(API_KEY, text)
        for token in self.sandbox.tokens:
            self.assertNotIn(token, text)
        self.assertIn("****", text)

    def test_file_insurer_needs_no_network(self):
        backend = self.env["credit.insurance.backend"].create(
            {"name": "Lists", "kind": "file", "company_id": self.company.id}
        )
        policy = self._policy(backend, "FILE-1")
        cover = self._request(policy, 25000)
        self.assertEqual(cover.state, "requested")
        self.assertEqual(cover.buyer_id.insurer_ref, "FR40303265045")
        self.assertEqual(cover.event_ids.raw_answer["requestFile"]["amount"], 25000)
        self.assertEqual(self.sandbox.calls, [])
