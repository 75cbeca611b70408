"""Reports printed as a user gets them: real PDFs from wkhtmltopdf, read back.

Odoo renders HTML instead of PDF in tests unless ``force_report_rendering``
is set; these tests set it, so a machine without wkhtmltopdf fails here
instead of passing on HTML.
"""

import io
import os
import re

from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from .test_collection import CollectionCommon


def pdf_text(pdf):
    """The text of every page, whitespace folded."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


@tagged("post_install", "-at_install")
class TestPrintedReports(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "name": "Sender Trading GmbH",
                "street": "Hafenstrasse 12",
                "zip": "20457",
                "city": "Hamburg",
                "vat": False,
            }
        )
        cls.customer.write({"street": "1 Debtor Road", "city": "Leeds", "lang": "en_US"})
        cls.Report = cls.env["ir.actions.report"].with_context(force_report_rendering=True)

    def _pdf(self, report, records):
        pdf, kind = self.Report._render_qweb_pdf(report, records.ids)
        self.assertEqual(kind, "pdf", "wkhtmltopdf must print a real PDF")
        self.assertTrue(pdf.startswith(b"%PDF"))
        if os.environ.get("CREDIT_PDF_DIR"):  # to look at them: pdftoppm -png FILE
            path = os.path.join(os.environ["CREDIT_PDF_DIR"], f"{self._testMethodName}.pdf")
            with open(path, "wb") as out:
                out.write(pdf)
        return pdf_text(pdf)

    def assertSender(self, text):
        for part in ("Sender Trading GmbH", "Hafenstrasse 12", "20457", "Hamburg"):
            self.assertIn(part, text)

    def test_dunning_letter_names_sender_and_debt(self):
        invoice = self._invoice(self.customer, 1234.5, due_days=-40, date_days=-40)
        self.policy.skip_levels = True
        comm = self._comm(self._run())
        self.assertTrue(comm.channel_letter)
        text = self._pdf("credit_management.report_dunning_letter", comm)
        self.assertSender(text)
        self.assertIn("1 Debtor Road", text)
        self.assertIn(invoice.name, text)
        self.assertIn("Total due", text)
        self.assertIn("1,234.50", text)

    def test_letters_of_several_customers_print_in_one_file(self):
        other = self.env["res.partner"].create(
            {"name": "Second Debtor", "is_company": True, "email": "second@example.com"}
        )
        self._invoice(self.customer, 500, due_days=-40, date_days=-40)
        self._invoice(other, 700, due_days=-40, date_days=-40)
        self.policy.skip_levels = True
        comms = self._run().communication_ids
        self.assertEqual(len(comms), 2)
        comms.action_print_letter()
        self.assertEqual(comms.mapped("letter_printed"), [True, True])
        text = self._pdf("credit_management.report_dunning_letter", comms)
        self.assertIn("Customer Ltd", text)
        self.assertIn("Second Debtor", text)
        self.assertEqual(text.count("Sender Trading GmbH"), 2)

    def test_customer_statement(self):
        late = self._invoice(self.customer, 1000, due_days=-45, date_days=-75)
        case = self._case()
        text = self._pdf("credit_management.action_report_customer_statement", case)
        self.assertSender(text)
        self.assertIn("Statement of Account", text)
        self.assertIn(late.name, text)
        self.assertIn("1,000.00", text)

    def test_case_file_handed_over_is_a_pdf(self):
        late = self._invoice(self.customer, 1000, due_days=-45, date_days=-75)
        case = self._case()
        agency = self.env["res.partner"].create({"name": "Agency", "email": "a@example.com"})
        self.env["credit.collection.handover"].with_context(force_report_rendering=True).create(
            {"case_id": case.id, "partner_id": agency.id, "handover_type": "legal"}
        ).action_confirm()
        case_file = case.message_ids[0].attachment_ids.filtered(
            lambda a: a.mimetype == "application/pdf"
        )
        self.assertEqual(len(case_file), 1)
        self.assertTrue(case_file.name.endswith(".pdf"))
        text = pdf_text(case_file.raw)
        self.assertSender(text)
        self.assertIn("Case File", text)
        self.assertIn(case.name, text)
        self.assertIn(late.name, text)

    def test_credit_status(self):
        self.customer.with_company(self.company).credit_limit = 2000
        self._invoice(self.customer, 750, due_days=-5)
        text = self._pdf("credit_management.credit_status_report", self.customer)
        self.assertIn("Credit status", text)
        self.assertIn("Customer Ltd", text)
        self.assertIn("1,250.00", text)

    def test_invoice_pdf_prints_with_the_suite_installed(self):
        invoice = self._invoice(self.customer, 321.0, due_days=10)
        text = self._pdf("account.account_invoices", invoice)
        self.assertIn(invoice.name, text)
        self.assertIn("321.00", text)
