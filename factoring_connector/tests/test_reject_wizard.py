from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .test_batch import BatchCommon


@tagged("post_install", "-at_install")
class TestRejectWizard(BatchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.refused_inv = cls._invoice(cls.debtor, 1000)
        cls.kept_inv = cls._invoice(cls.debtor, 2000)

    def _sent_batch(self):
        batch = self._batch()
        batch.action_add_documents()
        batch.action_generate()
        batch.action_send()
        return batch

    def _line(self, batch, move):
        return batch.line_ids.filtered(lambda ln: ln.move_id == move)

    def _reject(self, batch, lines, reason, user=None):
        wizard = (
            self.env["factoring.batch.reject"]
            .with_user(user or self.manager)
            .create({"batch_id": batch.id, "line_ids": [Command.set(lines.ids)], "reason": reason})
        )
        return wizard.action_confirm()

    def test_reject_in_sent_batch(self):
        batch = self._sent_batch()
        line = self._line(batch, self.refused_inv)
        self._reject(batch, line, "Debtor unknown to the factor")
        self.assertEqual(
            (line.state, line.live, line.reject_reason),
            ("rejected", False, "Debtor unknown to the factor"),
        )
        self.assertEqual(batch.state, "sent")
        self.assertEqual(self.refused_inv.factoring_state, "rejected")
        self.assertEqual(self.kept_inv.factoring_state, "submitted")
        batch.action_acknowledge()
        self.assertEqual(batch.state, "partially_rejected")
        self.assertEqual(self.kept_inv.factoring_state, "assigned")
        # The document is given back: another batch takes it.
        again = self._batch()
        again.action_add_documents()
        self.assertEqual(self._moves(again), self.refused_inv)

    def test_reject_after_acknowledgement(self):
        batch = self._sent_batch()
        batch.action_acknowledge()
        self.assertEqual(batch.state, "acknowledged")
        self._reject(batch, self._line(batch, self.kept_inv), "Disputed by the debtor")
        self.assertEqual(batch.state, "partially_rejected")
        # A second rejection in a partially rejected batch.
        self._reject(batch, self._line(batch, self.refused_inv), "Over the debtor's limit")
        self.assertEqual(batch.line_ids.mapped("state"), ["rejected", "rejected"])
        self.assertEqual(batch.line_count, 0)

    def test_reason_required_and_documents_checked(self):
        batch = self._sent_batch()
        line = self._line(batch, self.refused_inv)
        with self.refused(UserError, "Say why"):
            self._reject(batch, line, "   ")
        with self.refused(UserError, "Pick the documents"):
            self._reject(batch, line.browse(), "No document")
        self._reject(batch, line, "Debtor unknown")
        with self.refused(UserError, "no longer belong"):
            self._reject(batch, line, "Twice")
        other = self._batch()
        self._invoice(self.second, 300)
        other.action_add_documents()
        with self.refused(ValidationError, "Only documents of batch"):
            self._reject(batch, other.line_ids, "Not this batch")
        self.assertEqual(set(other.line_ids.mapped("state")), {"pending"})

    def test_only_in_sent_or_acknowledged_batches(self):
        batch = self._batch()
        batch.action_add_documents()
        with self.refused(UserError, "is Draft"):
            self._reject(batch, batch.line_ids, "Too early")
        batch.action_generate()
        with self.refused(UserError, "is Generated"):
            self._reject(batch, batch.line_ids, "Too early")
        self.assertEqual(batch.line_ids.mapped("state"), ["pending", "pending"])

    def test_senders_only(self):
        batch = self._sent_batch()
        line = self._line(batch, self.refused_inv)
        for user in (self.controller, self.salesman):
            with self.assertRaises(AccessError):
                self._reject(batch, line, "Not mine to say", user=user)
            with self.assertRaises(AccessError):
                line.with_user(user).action_reject("Not mine to say")
        # A wizard a sender made cannot be confirmed by another user.
        wizard = (
            self.env["factoring.batch.reject"]
            .with_user(self.manager)
            .create({"batch_id": batch.id, "line_ids": [Command.set(line.ids)], "reason": "R"})
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.controller).action_confirm()
        self.assertEqual((line.state, line.live), ("pending", True))
        # Accounting managers and credit control managers do.
        self._reject(batch, line, "Debtor unknown", user=self.accountant)
        self.assertEqual(line.state, "rejected")

    def test_form(self):
        batch = self._sent_batch()
        action = self.env.ref("factoring_connector.factoring_batch_reject_action")
        form = Form(
            self.env["factoring.batch.reject"]
            .with_user(self.manager)
            .with_context(default_batch_id=batch.id),
            view="factoring_connector.factoring_batch_reject_view_form",
        )
        form.line_ids.add(self._line(batch, self.refused_inv))
        form.reason = "Debtor unknown"
        wizard = form.save()
        wizard.action_confirm()
        self.assertEqual(self._line(batch, self.refused_inv).state, "rejected")
        self.assertEqual(action.res_model, "factoring.batch.reject")
