import base64

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .test_batch import BatchCommon


@tagged("post_install", "-at_install")
class TestFiles(BatchCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.debtor.write({"company_registry": "44306184100047", "ref": "C-1"})
        cls.bpce = cls.env.ref("factoring_connector.factoring_file_layout_bpce_v7")
        cls.generic = cls.env.ref("factoring_connector.factoring_file_layout_generic_csv")

    def _generated(self, layout):
        self.contract.layout_id = layout
        self.invoices = (
            self._invoice(self.debtor, 1234.56)
            | self._invoice(self.debtor, 100.10, move_type="out_refund")
            | self._invoice(self.second, 999.99)
        )
        batch = self._batch()
        batch.action_add_documents()
        batch.action_generate()
        return batch

    def _text(self, batch, encoding):
        self.assertEqual(len(batch.attachment_ids), 1)
        return base64.b64decode(batch.attachment_ids.datas).decode(encoding)

    def test_bpce_records(self):
        batch = self._generated(self.bpce)
        raw = base64.b64decode(batch.attachment_ids.datas)
        self.assertTrue(raw.endswith(b"\r\n"))
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""))
        records = raw.split(b"\r\n")[:-1]
        self.assertEqual(len(records), 5)
        self.assertEqual({len(r) for r in records}, {275})
        self.assertEqual([r[:2] for r in records], [b"01", b"02", b"02", b"02", b"09"])
        header, *details, trailer = (r.decode("cp1252") for r in records)
        self.assertEqual(header[2:8], "000001")
        self.assertEqual(header[8:11], "138")
        self.assertEqual(header[11:17], "004217")
        self.assertEqual(header[17:20], self.currency.name)
        self.assertEqual(header[45:53], batch.date.strftime("%d%m%Y"))
        self.assertEqual(header[61:64], str(batch.id % 1000).rjust(3, "0"))
        self.assertEqual(header[64:67], "7.0")
        self.assertEqual(header[67:].strip(), "")
        by_number = {d[82:112].strip(): d for d in details}
        invoice = by_number[self.invoices[0].name]
        self.assertEqual(sorted(d[2:8] for d in details), ["000002", "000003", "000004"])
        self.assertEqual(invoice[8:22], "44306184100047")
        self.assertEqual(invoice[37:47].strip(), "C-1")
        domestic = self.debtor.country_id == self.company.country_id
        self.assertEqual(invoice[52], "D" if domestic else "E")
        self.assertEqual(invoice[112:142].strip(), self.invoices[0].name)
        self.assertEqual(invoice[142:145], "FAC")
        self.assertEqual(invoice[145:148], "VIR")
        self.assertEqual(invoice[148:156], self.invoices[0].invoice_date.strftime("%d%m%Y"))
        self.assertEqual(invoice[156:164], self.invoices[0].invoice_date_due.strftime("%d%m%Y"))
        self.assertEqual(invoice[164:177], "0000000123456")
        # The published check reads the currency at [177:180].
        self.assertEqual(invoice[177:180], self.currency.name)
        refund = by_number[self.invoices[1].name]
        self.assertEqual((refund[142:145], refund[164:177]), ("AVO", "0000000010010"))
        # Trailer: its sequence counts the 5 records; balance
        # 1234.56 - 100.10 + 999.99 = 2134.45
        self.assertEqual(trailer[2:8], "000005")
        self.assertEqual(trailer[8:11], "138")
        self.assertEqual(trailer[11:17], "004217")
        self.assertEqual(trailer[42:55], "0000000213445")
        self.assertEqual(trailer[55], "+")
        self.assertEqual((batch.control_count, batch.control_total), (3, 2134.45))

    def test_generic_csv(self):
        batch = self._generated(self.generic)
        text = self._text(batch, "utf-8")
        rows = [row.split(";") for row in text.split("\r\n")[:-1]]
        self.assertEqual([row[0] for row in rows], ["01", "02", "02", "02", "09"])
        details = rows[1:4]
        self.assertEqual(sum(int(r[10]) * (-1 if r[9] == "-" else 1) for r in details), 213445)
        self.assertEqual(rows[4][1:], ["3", "+", "213445"])

    def test_control_total_must_match_the_books(self):
        self._invoice(self.debtor, 500)
        batch = self._batch()
        batch.action_add_documents()
        # A line that no longer says what the journal items say.
        self.env.cr.execute(
            "UPDATE factoring_batch_line SET amount = amount + 1 WHERE batch_id = %s", [batch.id]
        )
        batch.line_ids.invalidate_recordset(["amount"])
        with self.assertRaisesRegex(UserError, "nothing was generated"):
            batch.action_generate()
        self.assertEqual(batch.state, "draft")
        self.assertFalse(batch.attachment_ids)

    def test_sent_by_email_with_the_file(self):
        batch = self._generated(self.generic)
        batch.action_send()
        message = batch.message_ids.filtered(lambda m: m.attachment_ids)[:1]
        self.assertEqual(message.attachment_ids, batch.attachment_ids)
        self.assertIn(self.factor, message.partner_ids)
        self.assertEqual(batch.state, "sent")

    def test_back_to_draft_removes_the_file(self):
        batch = self._generated(self.generic)
        batch.action_reset_to_draft()
        self.assertFalse(batch.attachment_ids)
        self.assertEqual(batch.state, "draft")

    def test_layout_fields_checked(self):
        Field = self.env["factoring.file.layout.field"]
        with self.assertRaises(ValidationError):
            Field.create(
                {
                    "layout_id": self.bpce.id,
                    "record_type": "02",
                    "name": "Too far",
                    "source": "constant",
                    "position": 270,
                    "width": 10,
                }
            )
        with self.assertRaises(ValidationError):
            Field.create(
                {
                    "layout_id": self.bpce.id,
                    "record_type": "01",
                    "name": "No amount here",
                    "source": "amount_cents",
                    "position": 200,
                    "width": 13,
                }
            )
