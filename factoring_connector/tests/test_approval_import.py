import base64
import io
from datetime import date, timedelta

import openpyxl
import xlwt

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import FactoringCommon

HEADER = ["VAT", "Ref", "Amount", "Currency", "From", "Until", "Factor Ref"]


@tagged("post_install", "-at_install")
class TestApprovalImport(FactoringCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.debtor.vat = "BE0477472701"
        cls.second = cls.env["res.partner"].create(
            {"name": "Second Debtor", "is_company": True, "ref": "D-002"}
        )

    def _wizard(self, content, filename, user=None):
        return (
            self.env["factoring.approval.import"]
            .with_user(user or self.manager)
            .create(
                {
                    "contract_id": self.contract.id,
                    "file": base64.b64encode(content),
                    "filename": filename,
                }
            )
        )

    def _csv(self, rows):
        return "\n".join(",".join(row) for row in [HEADER, *rows]).encode()

    def _approvals(self, partner):
        return self.env["factoring.debtor.approval"].search(
            [("contract_id", "=", self.contract.id), ("partner_id", "=", partner.id)],
            order="date_start",
        )

    def test_csv_replaces_the_current_approval(self):
        start = self.today.isoformat()
        content = self._csv(
            [
                ["BE 0477.472.701", "", "25000", "", start, "", "APP-1"],
                ["", "D-002", "7500.50", self.currency.name, "", "", ""],
            ]
        )
        self._wizard(content, "approvals.csv").action_import()
        old, new = self._approvals(self.debtor)
        self.assertEqual(old, self.approval)
        self.assertEqual(old.date_end, self.today - timedelta(days=1))
        self.assertEqual((new.amount, new.date_start, new.factor_ref), (25000, self.today, "APP-1"))
        second = self._approvals(self.second)
        self.assertEqual((second.amount, second.date_start), (7500.5, self.today))

    def test_same_start_updates(self):
        start = self.approval.date_start.strftime("%d/%m/%Y")
        content = self._csv([["BE0477472701", "", "3000", "", start, "", ""]])
        self._wizard(content, "approvals.csv").action_import()
        self.assertEqual(self._approvals(self.debtor), self.approval)
        self.assertEqual(self.approval.amount, 3000)

    def test_xlsx_with_date_cells(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(HEADER)
        sheet.append(["", "D-002", 12000, "", date(2031, 1, 1), date(2031, 12, 31), "X"])
        buffer = io.BytesIO()
        book.save(buffer)
        self._wizard(buffer.getvalue(), "approvals.xlsx").action_import()
        approval = self._approvals(self.second)
        self.assertEqual(
            (approval.amount, approval.date_start, approval.date_end),
            (12000, date(2031, 1, 1), date(2031, 12, 31)),
        )

    def test_xls(self):
        book = xlwt.Workbook()
        sheet = book.add_sheet("Approvals")
        for column, title in enumerate(HEADER):
            sheet.write(0, column, title)
        sheet.write(1, 1, "D-002")
        sheet.write(1, 2, 4500)
        sheet.write(1, 4, 47484.0)  # 2030-01-01 as a spreadsheet serial date
        buffer = io.BytesIO()
        book.save(buffer)
        self._wizard(buffer.getvalue(), "approvals.xls").action_import()
        approval = self._approvals(self.second)
        self.assertEqual((approval.amount, approval.date_start), (4500, date(2030, 1, 1)))

    def test_row_errors_write_nothing(self):
        content = self._csv(
            [
                ["BE0477472701", "", "25000", "", "", "", ""],
                ["", "NOBODY", "100", "", "", "", ""],
                ["", "D-002", "12x", "", "", "", ""],
                ["", "D-002", "100", "XYZ", "", "", ""],
                ["", "D-002", "100", "", "31/02/2030", "", ""],
            ]
        )
        wizard = self._wizard(content, "approvals.csv")
        wizard.action_preview()
        errors = wizard.line_ids.mapped("error")
        self.assertFalse(errors[0])
        self.assertIn("No customer found with ref: NOBODY", errors[1])
        self.assertIn("12x is not a number", errors[2])
        self.assertIn("not the contract's", errors[3])
        self.assertIn("is not a date", errors[4])
        with self.refused(UserError, "Nothing was imported: 4 row"):
            wizard.action_import()
        self.assertEqual(self._approvals(self.debtor), self.approval)
        self.assertEqual(self.approval.amount, 10000)
        self.assertFalse(self.approval.date_end)

    def test_constraint_on_one_row_writes_nothing(self):
        # The debtor already has a later approval: today's open-ended one overlaps it.
        self.approval.date_end = self.today + timedelta(days=9)
        later = self.env["factoring.debtor.approval"].create(
            {
                "contract_id": self.contract.id,
                "partner_id": self.debtor.id,
                "amount": 1,
                "date_start": self.today + timedelta(days=10),
            }
        )
        content = self._csv(
            [
                ["", "D-002", "100", "", "", "", ""],
                ["BE0477472701", "", "500", "", self.today.isoformat(), "", ""],
            ]
        )
        with self.assertRaisesRegex(Exception, "already has an approval"):
            self._wizard(content, "approvals.csv").action_import()
        self.assertFalse(self._approvals(self.second))
        self.assertEqual(self._approvals(self.debtor), self.approval | later)
        self.assertEqual(self.approval.date_end, self.today + timedelta(days=9))

    def test_only_managers_import(self):
        content = self._csv([["", "D-002", "100", "", "", "", ""]])
        with self.assertRaises(AccessError):
            self._wizard(content, "approvals.csv", user=self.controller).action_import()
        self._wizard(content, "approvals.csv", user=self.accountant).action_import()
        self.assertEqual(self._approvals(self.second).amount, 100)

    def test_unreadable_file(self):
        with self.refused(UserError, "Cannot read approvals.pdf"):
            self._wizard(b"%PDF", "approvals.pdf").action_import()
