from odoo.addons.credit_management.tests.test_dunning import DunningCommon
from odoo.tests import tagged

from .test_batch import BatchCommon


class FactoredCommon(BatchCommon, DunningCommon):
    def _factored(self, invoice, state="sent"):
        batch = self._batch()
        batch.action_add_documents([invoice.id])
        if state == "draft":
            return batch
        batch.action_generate()
        batch.action_send()
        if state == "acknowledged":
            batch.action_acknowledge()
        return batch


@tagged("post_install", "-at_install")
class TestFactoredDunning(FactoredCommon):
    def test_proposed_invoice_still_reminded(self):
        invoice = self._invoice(self.debtor, 1000, due_days=-20, date_days=-20)
        self._factored(invoice, state="draft")
        run = self._run()
        self.assertTrue(self._comm(run), "only proposed to the factor: still ours to remind")

    def test_sent_notified_invoice_not_reminded(self):
        invoice = self._invoice(self.debtor, 1000, due_days=-20, date_days=-20)
        self._factored(invoice)
        self.assertEqual(invoice.factoring_state, "submitted")
        run = self._run()
        self.assertFalse(self._comm(run))
        self.assertEqual(run.stats["excluded"], {"factored": 1})
        self.assertEqual(
            self.env["credit.dunning.run"]._exclusion_label("factored"), "Collected by the factor"
        )

    def test_confidential_invoice_still_reminded(self):
        self.contract.mode = "confidential"
        invoice = self._invoice(self.debtor, 1000, due_days=-20, date_days=-20)
        self._factored(invoice)
        run = self._run()
        self.assertTrue(self._comm(run))


@tagged("post_install", "-at_install")
class TestFactoredExposure(FactoredCommon):
    def _exposure(self):
        partner = self.debtor.with_company(self.company)
        partner.invalidate_recordset()
        return (
            partner.credit_exposure,
            partner.credit_exposure_factored,
            partner.credit_factored_without_recourse,
        )

    def test_without_recourse_leaves_our_exposure(self):
        self.contract.recourse = "without"
        self._invoice(self.debtor, 300)
        invoice = self._invoice(self.debtor, 1000)
        self.assertEqual(self._exposure(), (1300, 0, 0))
        batch = self._factored(invoice)
        self.assertEqual(self._exposure(), (1300, 0, 0), "submitted: not taken yet")
        batch.action_acknowledge()
        # Paid by the transfer: the factor's risk, shown for information only.
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._exposure(), (300, 0, 1000))

    def test_with_recourse_stays_in_exposure(self):
        invoice = self._invoice(self.debtor, 1000)
        self._factored(invoice, state="acknowledged")
        self.assertEqual(invoice.factoring_state, "assigned")
        self.assertEqual(invoice.payment_state, "paid")
        # Paid by the transfer, still our risk: the factored bucket.
        self.assertEqual(self._exposure(), (1000, 1000, 0))
        partner = self.debtor.with_company(self.company)
        self.assertEqual((partner.credit_exposure_not_due, partner.credit_exposure_overdue), (0, 0))
