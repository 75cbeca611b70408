import csv
import datetime
import io
from datetime import timedelta

import openpyxl
import xlwt
from freezegun import freeze_time

from odoo import Command
from odoo.addons.credit_management.engine import spreadsheet
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import InsuranceCommon

HEADER = [
    "Buyer ID",
    "Legal ID",
    "Country",
    "Policy",
    "Decision",
    "Amount",
    "Currency",
    "Effective Date",
    "Expiry Date",
    "Conditions",
]


@tagged("post_install", "-at_install")
class TestFileInsurer(InsuranceCommon):
    """A file insurer: limit lists in (.csv, .xls, .xlsx files made here),
    request files out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lists = cls.env["credit.insurance.backend"].create(
            {"name": "Limit Lists", "kind": "file", "company_id": cls.company.id}
        )
        cls.policy = cls._policy(cls.lists, "LL-1", shortfall_action="hold")
        cls.currency_code = cls.company.currency_id.name
        cls.alpha = cls.env["res.partner"].create(
            {
                "name": "Alpha NV",
                "is_company": True,
                "vat": "BE0477472701",
                "country_id": cls.env.ref("base.be").id,
            }
        )
        cls.beta = cls.env["res.partner"].create(
            {
                "name": "Beta GmbH",
                "is_company": True,
                "company_registry": "HRB 12345",
                "country_id": cls.env.ref("base.de").id,
            }
        )
        cls.twins = cls.env["res.partner"].create(
            [
                {
                    "name": f"Twin {n} BV",
                    "is_company": True,
                    "vat": "NL123456789B01",
                    "country_id": cls.env.ref("base.nl").id,
                }
                for n in (1, 2)
            ]
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Lists Co"})
        cls.other_manager = new_test_user(
            cls.env,
            login="other_lists_manager",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    # ------------------------------------------------------------------
    # Files
    # ------------------------------------------------------------------

    def _row(self, buyer="", legal="", country="", decision="Approved", amount="", **kw):
        return [
            buyer,
            legal,
            country,
            kw.get("policy", "LL-1"),
            decision,
            amount,
            kw.get("currency", self.currency_code),
            kw.get("effective", ""),
            kw.get("expiry", ""),
            kw.get("conditions", ""),
        ]

    def _csv(self, rows, delimiter=",", encoding="utf-8", header=None):
        header = header or HEADER
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().encode(encoding)

    def _xlsx(self, rows, header=None, before=()):
        header = header or HEADER
        book = openpyxl.Workbook()
        sheet = book.active
        for line in (*before, header, *rows):
            sheet.append(list(line))
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def _xls(self, rows):
        book = xlwt.Workbook()
        sheet = book.add_sheet("Limits")
        dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
        for col, title in enumerate(HEADER):
            sheet.write(0, col, title)
        for number, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, datetime.date):
                    sheet.write(number, col, value, dates)
                else:
                    sheet.write(number, col, value)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def _import(self, content, filename, user=None, backend=None):
        backend = (backend or self.lists).with_user(user or self.manager)
        result = backend._import_limit_list(content, filename)
        self.env.invalidate_all()
        return result

    def _cover(self, partner, policy=None):
        return self.env["credit.insurance.cover"].search(
            [
                ("partner_id", "=", partner.id),
                ("policy_id", "=", (policy or self.policy).id),
            ]
        )

    def _refused(self, content, filename, user=None):
        with self.assertRaises(UserError) as caught:
            self._import(content, filename, user=user)
        return str(caught.exception)

    # ------------------------------------------------------------------
    # Limit lists in
    # ------------------------------------------------------------------

    def test_csv_semicolons_decimal_comma_latin1(self):
        content = self._csv(
            [
                self._row("B-1", "FR 40 303 265 045", "FR", "Approved", "50.000,00"),
                self._row(
                    "B-2",
                    "0477.472.701",
                    "BE",
                    "Partly approved",
                    "20.000",
                    conditions="Paiement à 60 jours",
                    expiry="31/12/2027",
                ),
                self._row("B-3", "HRB 12345", "DE", "Refused", ""),
            ],
            delimiter=";",
            encoding="latin-1",
        )
        counts = self._import(content, "limits.csv")
        self.assertEqual((counts["rows"], counts["decisions"]), (3, 3))
        self.assertFalse(counts["to_resolve"])
        customer, alpha, beta = (self._cover(p) for p in (self.customer, self.alpha, self.beta))
        self.assertEqual((customer.state, customer.amount), ("approved", 50000))
        self.assertEqual((alpha.state, alpha.amount), ("partial", 20000))
        self.assertEqual(alpha.conditions, "Paiement à 60 jours")
        self.assertEqual(alpha.expiry_date, datetime.date(2027, 12, 31))
        self.assertEqual(alpha.event_ids.answer_code, "5")
        self.assertEqual((beta.state, beta.amount), ("refused", 0))
        self.assertEqual(alpha.buyer_id.insurer_ref, "B-2")
        self.assertEqual(alpha.buyer_id.match_state, "matched")
        self.assertEqual(customer.event_ids.source, "file")
        self.assertEqual(customer.event_ids.raw_answer["amount"], "50.000,00")
        # The list is kept on the insurer.
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "credit.insurance.backend"), ("res_id", "=", self.lists.id)]
        )
        self.assertEqual(attachment.name, "limits.csv")
        # The cover caps the credit limit as an API's cover does.
        self.assertEqual(self.customer.with_company(self.company).credit_limit_effective, 50000)

    def test_xlsx_with_title_rows_dates_and_numbers(self):
        content = self._xlsx(
            [
                [
                    "B-1",
                    "FR40303265045",
                    "FR",
                    "LL-1",
                    "APPROVED",
                    75000,
                    self.currency_code,
                    datetime.datetime(2026, 1, 15),
                    datetime.date(2027, 1, 14),
                    None,
                ]
            ],
            before=[["Limit list of policy LL-1"], []],
        )
        self._import(content, "limits.xlsx")
        cover = self._cover(self.customer)
        self.assertEqual((cover.state, cover.amount), ("approved", 75000))
        self.assertEqual(cover.effective_date, datetime.date(2026, 1, 15))
        self.assertEqual(cover.expiry_date, datetime.date(2027, 1, 14))

    def test_xls_read_with_xlrd(self):
        content = self._xls(
            [
                [
                    "B-2",
                    "BE0477472701",
                    "BE",
                    "LL-1",
                    "approved",
                    30000,
                    self.currency_code,
                    datetime.date(2026, 2, 1),
                    datetime.date(2027, 1, 31),
                    "",
                ]
            ]
        )
        self._import(content, "limits.xls")
        cover = self._cover(self.alpha)
        self.assertEqual((cover.state, cover.amount), ("approved", 30000))
        self.assertEqual(cover.expiry_date, datetime.date(2027, 1, 31))

    def test_same_list_again_records_nothing(self):
        later = (self.today + timedelta(days=30)).isoformat()
        rows = [
            self._row("B-1", "FR40303265045", "FR", "Approved", "60000"),
            self._row("B-2", "BE0477472701", "BE", "Reduced", "10000", effective=later),
        ]
        self._import(
            self._csv([rows[0], self._row("B-2", "BE0477472701", "BE", "Approved", "40000")]),
            "a.csv",
        )
        self._import(self._csv(rows), "b.csv")
        events = self.env["credit.insurance.cover.event"].search_count([])
        counts = self._import(self._csv(rows), "b.csv")
        self.assertEqual(counts["decisions"], 0)
        self.assertEqual(self.env["credit.insurance.cover.event"].search_count([]), events)
        self.assertEqual(len(self._cover(self.alpha).event_ids), 2)
        self.assertEqual(len(self._cover(self.customer).event_ids), 1)

    def test_bad_rows_refuse_the_whole_list(self):
        other_policy = self._policy(self.allianz, "ALZ-OTHER")
        content = self._csv(
            [
                self._row("B-1", "FR40303265045", "FR", "Approved", "50000"),
                self._row("B-2", "BE0477472701", "BE", "Approved", "12x00"),
                self._row("B-3", "HRB 12345", "DE", "Maybe", "1000"),
                self._row("B-4", "X1", "FR", "Approved", "1000", expiry="31/02/2027"),
                self._row("B-5", "X2", "FR", "Approved", "1000", policy=other_policy.name),
                self._row("B-1", "FR40303265045", "FR", "Approved", "40000"),
                self._row("", "", "", "Approved", "1000"),
                self._row("B-6", "X3", "ZZ", "Approved", "1000"),
                self._row("B-7", "X4", "FR", "Approved", "-5"),
                self._row("B-8", "X5", "FR", "Approved", "1000", currency="XXY"),
            ]
        )
        message = self._refused(content, "limits.csv")
        self.assertIn("Nothing was imported from limits.csv: 9 row(s)", message)
        for expected in (
            "Row 3: Amount 12x00 is not a number.",
            "Row 4: Unknown decision Maybe.",
            "Row 5: 31/02/2027 is not a date.",
            "Row 6: Policy ALZ-OTHER is not a policy of this insurer",
            "Row 7: The buyer already appears on row 2.",
            "Row 8: No buyer id, nor a legal id with its country.",
            "Row 9: Unknown country code ZZ.",
            "Row 10: Amount -5 is negative.",
            "Row 11: Unknown currency XXY.",
        ):
            self.assertIn(expected, message)
        self.assertFalse(
            self.env["credit.insurance.cover"].search([("backend_id", "=", self.lists.id)])
        )
        self.assertFalse(
            self.env["credit.insurance.buyer"].search([("backend_id", "=", self.lists.id)])
        )

    def test_unreadable_and_foreign_files(self):
        self.assertIn("unsupported file type", self._refused(b"%PDF-1.4", "limits.pdf"))
        self.assertIn("not a readable .xlsx", self._refused(b"\x00garbage", "limits.xlsx"))
        self.assertIn("not a readable .xls", self._refused(b"\x00garbage", "limits.xls"))
        message = self._refused(
            self._csv([["x", "1"]], header=["Customer", "Outstanding"]), "ledger.csv"
        )
        self.assertIn("is not a limit list of Limit Lists", message)
        self.assertIn("Decision, Amount", message)
        # Another company's list names its own policy: every row is refused.
        self._policy(self.lists, "LL-2")
        message = self._refused(
            self._csv([self._row("B-1", "FR40303265045", "FR", policy="OTHER-9", amount="1")]),
            "theirs.csv",
        )
        self.assertIn("Policy OTHER-9 is not a policy of this insurer", message)

    def test_unmatched_rows_wait_on_buyers_to_resolve(self):
        content = self._csv(
            [
                self._row("B-9", "FR99999999999", "FR", "Approved", "15000"),
                self._row("B-10", "NL123456789B01", "NL", "Approved", "25000"),
                self._row("B-1", "FR40303265045", "FR", "Approved", "5000"),
            ]
        )
        counts = self._import(content, "limits.csv")
        self.assertEqual(len(counts["to_resolve"]), 2)
        Buyer = self.env["credit.insurance.buyer"].with_user(self.manager)
        waiting = Buyer.search(
            [("match_state", "!=", "matched"), ("backend_id", "=", self.lists.id)]
        )
        self.assertEqual(len(waiting), 2)
        missing = waiting.filtered(lambda b: b.insurer_ref == "B-9")
        ambiguous = waiting.filtered(lambda b: b.insurer_ref == "B-10")
        self.assertEqual((missing.match_state, missing.held_count), ("missing", 1))
        self.assertEqual(ambiguous.match_state, "ambiguous")
        self.assertIn("Twin 1 BV", ambiguous.candidates)
        self.assertIn("B-9", missing.display_name)
        with self.assertRaises(AccessError):
            ambiguous.write({"held_decisions": []})
        # The same list again holds the same decisions, on the same buyers.
        self._import(content, "limits.csv")
        self.assertEqual(Buyer.search_count([("backend_id", "=", self.lists.id)]), 3)
        # The manager names the customer: the held decision is recorded.
        ambiguous.partner_id = self.twins[1]
        self.assertEqual(ambiguous.match_state, "matched")
        self.assertFalse(ambiguous.held_count)
        cover = self._cover(self.twins[1])
        self.assertEqual((cover.state, cover.amount), ("approved", 25000))
        self.assertEqual(cover.event_ids.source, "file")
        # Next list: the buyer id finds it.
        self._import(self._csv([self._row("B-10", "", "", "Approved", "30000")]), "next.csv")
        self.assertEqual(self._cover(self.twins[1]).amount, 30000)

    def test_future_withdrawal_takes_effect_on_its_date(self):
        self._import(
            self._csv([self._row("B-1", "FR40303265045", "FR", "Approved", "80000")]), "a.csv"
        )
        self._invoice(self.customer, 30000)
        later = self.today + timedelta(days=30)
        withdrawal = self._row(
            "B-1", "FR40303265045", "FR", "Withdrawn", "", effective=later.strftime("%d/%m/%Y")
        )
        self._import(self._csv([withdrawal]), "b.csv")
        cover = self._cover(self.customer)
        event = cover.event_ids.filtered(lambda e: e.answer == "withdrawn")
        self.assertFalse(event.applied)
        self.assertEqual((cover.state, cover.amount), ("approved", 80000))
        self._import(self._csv([withdrawal]), "b.csv")
        self.assertEqual(len(cover.event_ids), 2)
        with freeze_time(later):
            self.env["credit.insurance.backend"]._cron_sync()
        self.env.invalidate_all()
        self.assertTrue(event.applied)
        self.assertEqual((cover.state, cover.amount), ("withdrawn", 0))
        self.assertTrue(self.customer.with_company(self.company).credit_hold)

    def test_columns_named_per_insurer(self):
        self.lists.with_user(self.manager).write(
            {
                "file_col_buyer_ref": "Numéro acheteur",
                "file_col_decision": "Décision",
                "file_col_amount": "Montant garanti",
                "file_decimal": ",",
                "file_delimiter": "|",
            }
        )
        header = ["Numéro acheteur", "Policy", "Décision", "Montant garanti"]
        self.env["credit.insurance.buyer"].sudo().create(
            {
                "backend_id": self.lists.id,
                "partner_id": self.beta.id,
                "insurer_ref": "77-1",
                "match_state": "matched",
            }
        )
        content = self._csv([["77-1", "LL-1", "approved", "1234,5"]], delimiter="|", header=header)
        self._import(content, "liste.csv")
        self.assertEqual(self._cover(self.beta).amount, 1234.5)

    # ------------------------------------------------------------------
    # Request files out
    # ------------------------------------------------------------------

    def test_request_file_round_trip(self):
        self._import(
            self._csv([self._row("B-2", "BE0477472701", "BE", "Approved", "20000")]), "a.csv"
        )
        new = self._request(self.policy, 35000)
        increase = self._request(self.policy, 40000, kind="increase", partner=self.alpha)
        self.assertEqual(new.state, "requested")
        self.assertEqual(
            (increase.state, increase.amount, increase.pending), ("approved", 20000, True)
        )
        backend = self.lists.with_user(self.manager)
        attachment = backend._export_requests("csv")
        header, rows = spreadsheet.read_rows(attachment.raw, attachment.name)
        self.assertEqual(header[:3], ["request key", "policy", "buyer id"])
        by_buyer = {row[2]: row for row in rows}
        self.assertEqual(set(by_buyer), {"FR40303265045", "B-2"})
        self.assertEqual(by_buyer["B-2"][6:10], ["increase", "3", "40000.0", self.currency_code])
        self.assertEqual(by_buyer["FR40303265045"][6], "new")
        sent = (new | increase).event_ids.filtered("request_kind")
        self.assertTrue(all(sent.mapped("sent_date")))
        self.assertEqual(sent.request_file_id, attachment)
        with self.assertRaises(UserError):
            backend._export_requests("csv")
        # A list that does not answer yet leaves them waiting.
        self._import(
            self._csv([self._row("B-2", "BE0477472701", "BE", "Approved", "20000")]), "b.csv"
        )
        self.assertTrue(increase.pending)
        # The insurer answers with its list: buyer ids from the request file.
        answer = [
            self._row(buyer, row[3], row[4], "Approved", row[8]) for buyer, row in by_buyer.items()
        ]
        self._import(self._xlsx(answer), "answer.xlsx")
        self.assertEqual((new.state, new.amount, new.pending), ("approved", 35000, False))
        self.assertEqual(
            (increase.state, increase.amount, increase.pending), ("approved", 40000, False)
        )

    def test_request_file_xlsx(self):
        cover = self._request(self.policy, 12000)
        action = self.lists.with_user(self.manager).action_export_requests()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        self.assertTrue(attachment.name.endswith(".xlsx"))
        _header, rows = spreadsheet.read_rows(attachment.raw, attachment.name)
        self.assertEqual(rows[0][8].value, 12000.0)
        self.assertEqual(rows[0][11], self.today.isoformat())
        self.assertEqual(cover.state, "requested")

    # ------------------------------------------------------------------
    # Security
    # ------------------------------------------------------------------

    def test_managers_of_the_company_only(self):
        content = self._csv([self._row("B-1", "FR40303265045", "FR", "Approved", "1000")])
        self._request(self.policy, 12000)
        for method, args in (
            ("_import_limit_list", (content, "limits.csv")),
            ("_export_requests", ("csv",)),
            ("action_import_limit_list", ()),
        ):
            with self.assertRaises(AccessError):
                getattr(self.lists.with_user(self.controller), method)(*args)
            with self.assertRaises(AccessError):
                getattr(self.lists.with_user(self.other_manager), method)(*args)
        with self.assertRaises(UserError):
            self.atradius.with_user(self.manager)._import_limit_list(content, "limits.csv")
        self.assertFalse(self._cover(self.customer).event_ids.filtered("sent_date"))
        wizard = self.env["credit.insurance.limit.import"].with_user(self.controller)
        with self.assertRaises(AccessError):
            wizard.create({"backend_id": self.lists.id, "file": b"", "filename": "x.csv"})
