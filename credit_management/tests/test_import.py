import base64
import io

import openpyxl
import xlwt

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestLimitImport(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.risk_class = cls.env["credit.risk.class"].create(
            {"name": "Import class", "code": "IMP"}
        )
        cls.alpha = cls.env["res.partner"].create(
            {"name": "Alpha", "is_company": True, "vat": "BE0477472701"}
        )
        cls.beta = cls.env["res.partner"].create(
            {"name": "Beta", "is_company": True, "company_registry": "RCS 123 456"}
        )
        cls.gamma = cls.env["res.partner"].create(
            {"name": "Gamma", "is_company": True, "ref": "C-0042"}
        )
        cls.twins = cls.env["res.partner"].create(
            [{"name": f"Twin {n}", "is_company": True, "ref": "TWIN"} for n in (1, 2)]
        )
        cls.header = [
            "VAT",
            "Company Registry",
            "Ref",
            "Credit Limit",
            "Currency",
            "Risk Class",
            "External Rating",
        ]

    def _wizard(self, content, filename, decimal="."):
        return (
            self.env["credit.limit.import"]
            .with_company(self.company)
            .create(
                {
                    "file": base64.b64encode(content),
                    "filename": filename,
                    "decimal_separator": decimal,
                }
            )
        )

    def _csv(self, rows, sep=","):
        lines = [sep.join(self.header)] + [sep.join(row) for row in rows]
        return "\n".join(lines).encode()

    def _limit(self, partner):
        return partner.with_company(self.company).credit_limit

    def test_csv_matched_by_each_key(self):
        content = self._csv(
            [
                ["be 0477.472.701", "", "", "12500.50", "", "IMP", "80"],
                ["", "RCS123456", "", "7000", "", "", ""],
                ["", "", "c-0042", "", "", "IMP", ""],
            ]
        )
        wizard = self._wizard(content, "limits.csv")
        wizard.action_preview()
        self.assertEqual(wizard.error_count, 0)
        self.assertEqual(wizard.line_ids.partner_id, self.alpha | self.beta | self.gamma)
        wizard.action_import()
        self.assertEqual(self._limit(self.alpha), 12500.5)
        self.assertEqual(
            self.alpha.with_company(self.company).credit_risk_class_id, self.risk_class
        )
        self.assertEqual(self.alpha.credit_external_rating, 80)
        self.assertEqual(self._limit(self.beta), 7000)
        self.assertEqual(self._limit(self.gamma), 0, "no limit column value: unchanged")
        self.assertEqual(
            self.gamma.with_company(self.company).credit_risk_class_id, self.risk_class
        )

    def test_semicolon_csv_with_decimal_comma(self):
        content = self._csv([["BE0477472701", "", "", "1 250,75", "", "", ""]], sep=";")
        self._wizard(content, "limits.csv", decimal=",").action_import()
        self.assertEqual(self._limit(self.alpha), 1250.75)

    def test_xlsx(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(self.header)
        sheet.append(["BE0477472701", None, None, 3000, None, None, None])
        sheet.append([None, None, "C-0042", 4500.5, None, None, None])
        buffer = io.BytesIO()
        book.save(buffer)
        self._wizard(buffer.getvalue(), "limits.xlsx").action_import()
        self.assertEqual(self._limit(self.alpha), 3000)
        self.assertEqual(self._limit(self.gamma), 4500.5)

    def test_xlsx_numeric_cells_need_no_format(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(self.header)
        sheet.append(["BE0477472701", None, None, 25000.5, None, None, None])
        sheet.append([None, None, "C-0042", "1.500", None, None, None])
        buffer = io.BytesIO()
        book.save(buffer)
        self._wizard(buffer.getvalue(), "limits.xlsx", decimal=",").action_import()
        self.assertEqual(self._limit(self.alpha), 25000.5, "a number cell is its value")
        self.assertEqual(self._limit(self.gamma), 1500, "text follows the decimal comma")

    def test_xls(self):
        book = xlwt.Workbook()
        sheet = book.add_sheet("Limits")
        for col, title in enumerate(self.header):
            sheet.write(0, col, title)
        sheet.write(1, 1, "RCS 123 456")
        sheet.write(1, 3, 8800)
        buffer = io.BytesIO()
        book.save(buffer)
        self._wizard(buffer.getvalue(), "limits.xls").action_import()
        self.assertEqual(self._limit(self.beta), 8800)

    def test_foreign_currency_converted(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        content = self._csv([["BE0477472701", "", "", "1000", "EUR", "", ""]])
        self._wizard(content, "limits.csv").action_import()
        self.assertEqual(self._limit(self.alpha), 500)
        self.assertTrue(eur)

    def test_row_errors_and_nothing_written(self):
        self._limit(self.alpha)
        content = self._csv(
            [
                ["BE0477472701", "", "", "9000", "", "", ""],
                ["XX999", "", "", "100", "", "", ""],
                ["", "", "TWIN", "100", "", "", ""],
                ["", "RCS123456", "", "-5", "", "", ""],
                ["", "", "C-0042", "lots", "", "", ""],
                ["", "", "C-0042", "100", "ZZZ", "", ""],
                ["", "", "C-0042", "", "", "NOPE", ""],
                ["", "", "C-0042", "", "", "", "140"],
                ["", "", "", "100", "", "", ""],
                ["be0477472701", "", "", "100", "", "", ""],
            ]
        )
        wizard = self._wizard(content, "limits.csv")
        wizard.action_preview()
        errors = wizard.line_ids.sorted("row").mapped("error")
        self.assertFalse(errors[0])
        for expected, error in zip(
            [
                "No partner found",
                "several partners",
                "negative",
                "not a number written as 1,234.56",
                "Unknown currency",
                "Unknown risk class",
                "between 0 and 100",
                "No vat, company_registry or ref",
                "already appears on row 2",
            ],
            errors[1:],
            strict=True,
        ):
            self.assertIn(expected, error)
        with self.assertRaises(UserError) as raised:
            wizard.action_import()
        self.assertIn("Nothing was imported: 9 row(s)", str(raised.exception))
        self.assertEqual(self._limit(self.alpha), 0, "the valid row was not written either")

    def test_separators_follow_the_chosen_format(self):
        rows = [
            ["BE0477472701", "", "", "25,000", "", "", ""],
            ["", "", "C-0042", "1.500", "", "", ""],
        ]
        content = self._csv(rows, sep=";")
        wizard = self._wizard(content, "limits.csv", decimal=".")
        wizard.action_preview()
        lines = wizard.line_ids.sorted("row")
        self.assertEqual(lines.mapped("amount_text"), ["25,000", "1.500"])
        self.assertEqual(lines.mapped("credit_limit"), [25000.0, 1.5])
        wizard = self._wizard(content, "limits.csv", decimal=",")
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.sorted("row").mapped("credit_limit"), [25.0, 1500.0])

    def test_default_format_is_the_users_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        content = self._csv([["BE0477472701", "", "", "1", "", "", ""]])
        Import = self.env["credit.limit.import"].with_company(self.company)
        vals = {"file": base64.b64encode(content), "filename": "l.csv"}
        self.assertEqual(Import.with_context(lang="en_US").create(vals).decimal_separator, ".")
        self.env.user.lang = "fr_FR"
        self.assertEqual(Import.create(vals).decimal_separator, ",")

    def test_amounts_that_are_no_finite_number_are_row_errors(self):
        bad = [
            *("nan", "inf", "-inf", "1e999", "1e5", "1,5", "12,34,567", "0x10", "1.2.3"),
            *("1" * 16, "1 5", "12'5", "1 25.5"),
        ]
        rows = [["BE0477472701", "", "", text, "", "", ""] for text in bad]
        wizard = self._wizard(self._csv(rows, sep=";"), "limits.csv")
        wizard.action_preview()
        for line, text in zip(wizard.line_ids.sorted("row"), bad, strict=True):
            self.assertIn(f"Credit limit {text} is not a number written as 1,234.56", line.error)
        rating = self._csv([["BE0477472701", "", "", "", "", "", "nan"]])
        wizard = self._wizard(rating, "limits.csv")
        wizard.action_preview()
        self.assertIn("External rating nan is not a number", wizard.line_ids.error)
        with self.assertRaises(UserError):
            wizard.action_import()
        self.assertEqual(self.alpha.credit_external_rating, 0)

    def test_unreadable_files(self):
        cases = [
            (b"\x00\x01garbage", "limits.xlsx", "not a readable .xlsx"),
            (b"\x00\x01garbage", "limits.xls", "not a readable .xls"),
            (b"", "limits.csv", "empty"),
            (b"vat,credit_limit\n", "limits.pdf", "unsupported file type"),
            (b"name,amount\nAlpha,5\n", "limits.csv", "column to find partners by"),
            (b"vat,notes\nBE0477472701,x\n", "limits.csv", "credit_limit, risk_class"),
        ]
        for content, filename, message in cases:
            with self.subTest(filename=filename, message=message):
                with self.assertRaises(UserError) as raised:
                    self._wizard(content, filename).action_preview()
                self.assertIn(message, str(raised.exception))

    def test_spaces_and_apostrophes_group_thousands(self):
        rows = [
            ["BE0477472701", "", "", "1 250 000.5", "", "", ""],
            ["", "", "C-0042", "12'500", "", "", ""],
        ]
        wizard = self._wizard(self._csv(rows, sep=";"), "limits.csv")
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.sorted("row").mapped("credit_limit"), [1250000.5, 12500])

    def test_only_into_the_users_companies(self):
        other = self.setup_other_company(name="Other Import Co")["company"]
        content = self._csv([["BE0477472701", "", "", "1000", "", "", ""]])
        wizard = (
            self.env["credit.limit.import"]
            .with_user(self.manager)
            .create(
                {
                    "file": base64.b64encode(content),
                    "filename": "limits.csv",
                    "decimal_separator": ".",
                    "company_id": other.id,
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard.action_preview()
        with self.assertRaises(AccessError):
            wizard.action_import()
        self.assertEqual(self.alpha.with_company(other).credit_limit, 0)

    def test_manager_only(self):
        wizard = self._wizard(self._csv([["BE0477472701", "", "", "1", "", "", ""]]), "l.csv")
        with self.assertRaises(Exception):  # noqa: B017 - AccessError on model or action
            wizard.with_user(self.controller).action_import()
