from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .sandbox import API_KEY, FactorSandbox
from .test_batch import BatchCommon


@tagged("post_install", "-at_install")
class TestApiTransport(BatchCommon):
    """The JSON API against a factor the test starts on 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.factor_api = FactorSandbox()
        cls.factor_api.__enter__()
        cls.addClassCleanup(cls.factor_api.__exit__, None, None, None)
        cls.contract.write(
            {
                "transport": "api",
                "api_url": cls.factor_api.url,
                "api_timeout": 5,
                "api_max_retries": 2,
                "api_backoff": 0.01,
            }
        )
        cls.contract.sudo().api_key = API_KEY

    def setUp(self):
        super().setUp()
        self.factor_api.reset()

    def _generated(self):
        self.first = self._invoice(self.debtor, 1000)
        self.second_inv = self._invoice(self.debtor, 2000)
        batch = self._batch()
        batch.action_add_documents()
        batch.action_generate()
        return batch

    def test_accepted(self):
        batch = self._generated()
        batch.action_send()
        self.assertEqual(batch.state, "acknowledged")
        self.assertEqual(batch.factor_ref, "S00001")
        [submission] = self.factor_api.submissions
        self.assertEqual(submission["balanceCents"], 300000)
        self.assertEqual(submission["documentCount"], 2)
        self.assertEqual(self.factor_api.calls, [("/batches", batch.idempotency_key)])
        self.assertEqual(self.first.factoring_state, "assigned")

    def test_rejects_a_line(self):
        batch = self._generated()
        self.factor_api.reject = {self.first.name: "Debtor over the factor's limit"}
        batch.action_send()
        self.assertEqual(batch.state, "partially_rejected")
        line = batch.line_ids.filtered(lambda ln: ln.move_id == self.first)
        self.assertEqual((line.live, line.state), (False, "rejected"))
        self.assertEqual(line.reject_reason, "Debtor over the factor's limit")
        self.assertEqual(self.first.factoring_state, "rejected")
        self.assertEqual(self.second_inv.factoring_state, "assigned")

    def test_timeout_then_retry_gets_the_first_answer(self):
        batch = self._generated()
        self.factor_api.faults = ["timeout"]
        batch.action_send()
        # The first call timed out after the factor took the batch; the retry
        # carried the same key and got the first answer: one submission.
        self.assertEqual(len(self.factor_api.calls), 2)
        self.assertEqual({key for _path, key in self.factor_api.calls}, {batch.idempotency_key})
        self.assertEqual(len(self.factor_api.submissions), 1)
        self.assertEqual(batch.factor_ref, "S00001")
        self.assertEqual(batch.state, "acknowledged")

    def test_resend_answered_with_the_first_result(self):
        batch = self._generated()
        self.factor_api.faults = [503, 503, 503]
        with self.assertRaisesRegex(UserError, "did not answer"):
            batch.action_send()
        self.assertEqual(batch.state, "generated")
        self.assertEqual(len(self.factor_api.submissions), 1, "taken, answer lost")
        batch.action_send()
        self.assertEqual(len(self.factor_api.submissions), 1)
        self.assertEqual(batch.factor_ref, "S00001")
        self.assertEqual(batch.state, "acknowledged")

    def test_refusal_not_retried(self):
        batch = self._generated()
        self.contract.sudo().api_key = "wrong"
        with self.assertRaisesRegex(UserError, "refused the batch"):
            batch.action_send()
        self.assertEqual(len(self.factor_api.calls), 1)
        self.assertEqual(batch.state, "generated")

    def test_api_key_for_administrators_only(self):
        with self.assertRaises(AccessError):
            self.contract.with_user(self.manager).read(["api_key"])
