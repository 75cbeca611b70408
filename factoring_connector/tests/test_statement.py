import base64
import io
from datetime import date, timedelta

import openpyxl
import xlwt

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import FactoringCommon

HEADER = ("Date", "Kind", "Document", "Debtor", "Amount", "Factor Ref", "Label")


class StatementCommon(FactoringCommon):
    """A funded batch (two invoices and a credit note), a batch only sent,
    and a funded batch of a second contract."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv1 = cls._invoice(cls.debtor, 1000, date_days=-20, due_days=-5)
        cls.inv2 = cls._invoice(cls.debtor, 2000, date_days=-15)
        cls.refund = cls._invoice(cls.debtor, 300, move_type="out_refund", date_days=-12)
        cls.batch = cls._funded_batch(cls.contract)
        cls.pending_inv = cls._invoice(cls.debtor, 400, date_days=-3)
        cls.pending = cls._new_batch(cls.contract)
        cls.pending.action_generate()
        cls.pending.action_send()
        cls.other_contract = cls.env["factoring.contract"].create(
            cls._contract_vals(name="Factor SA confidential", mode="confidential", client_code="9")
        )
        cls.env["factoring.debtor.approval"].create(
            {
                "contract_id": cls.other_contract.id,
                "partner_id": cls.debtor.id,
                "amount": 10000,
                "date_start": cls.today - timedelta(days=365),
            }
        )
        cls.other_inv = cls._invoice(cls.debtor, 700, date_days=-2)
        cls.other_batch = cls._funded_batch(cls.other_contract)

    @classmethod
    def _new_batch(cls, contract):
        batch = (
            cls.env["factoring.batch"].with_user(cls.manager).create({"contract_id": contract.id})
        )
        batch.action_add_documents()
        return batch

    @classmethod
    def _funded_batch(cls, contract):
        batch = cls._new_batch(contract)
        batch.action_generate()
        batch.action_send()
        batch.action_acknowledge()
        batch.action_fund()
        return batch

    def _row(self, kind, move_or_number, amount, days=0, **extra):
        number = getattr(move_or_number, "name", move_or_number)
        day = (self.today + timedelta(days=days)).isoformat()
        return [
            day,
            kind,
            number,
            extra.get("debtor", "Customer Ltd"),
            amount,
            extra.get("ref", ""),
            extra.get("label", ""),
        ]

    def _csv(self, rows, header=HEADER):
        return "\n".join(";".join(str(c) for c in row) for row in [header, *rows]).encode()

    def _wizard(self, content, filename, user=None, contract=None, **vals):
        return (
            self.env["factoring.statement.import"]
            .with_user(user or self.manager)
            .create(
                {
                    "contract_id": (contract or self.contract).id,
                    "file": base64.b64encode(content),
                    "filename": filename,
                    **vals,
                }
            )
        )

    def _import(self, content, filename="statement.csv", user=None, **vals):
        action = self._wizard(content, filename, user=user, **vals).action_import()
        return self.env["factoring.statement"].browse(action["res_id"])

    def _states(self, statement):
        return [(ln.document_number or ln.kind, ln.match_state) for ln in statement.line_ids]


@tagged("post_install", "-at_install")
class TestStatementImport(StatementCommon):
    def test_csv_matching_and_differences(self):
        rows = [
            self._row("Debtor payment", self.inv1, "1000.00", days=-1),
            self._row("payment", self.inv2, "1500", days=-1),
            self._row("payment", self.refund, "-300"),
            self._row("payment", "INV/1999/99999", "50"),
            self._row("payment", self.pending_inv, "400"),
            self._row("payment", self.other_inv, "700"),
            self._row("payment", self.inv1, "1000"),
            self._row("Interest", "", "-12.50", label="Discount March"),
            self._row("Charge-back", self.inv2, "-2000", ref="NOT-THIS-BATCH"),
        ]
        statement = self._import(self._csv(rows), reference="ST-0042")
        self.assertEqual(statement.state, "matched")
        self.assertEqual(statement.reference, "ST-0042")
        self.assertEqual(
            self._states(statement),
            [
                (self.inv1.name, "matched"),
                (self.inv2.name, "amount_differs"),
                (self.refund.name, "matched"),
                ("INV/1999/99999", "unknown"),
                (self.pending_inv.name, "not_funded"),
                (self.other_inv.name, "other_contract"),
                (self.inv1.name, "other"),
                ("fee", "info"),
                (self.inv2.name, "other"),
            ],
        )
        lines = statement.line_ids
        self.assertEqual(lines[0].batch_line_id.batch_id, self.batch)
        self.assertEqual(lines[0].partner_id, self.debtor)
        self.assertEqual((lines[1].expected_amount, lines[1].difference), (2000, -500))
        self.assertEqual(lines[2].expected_amount, -300)
        self.assertEqual(lines[3].difference, 50)
        self.assertEqual(lines[5].batch_line_id.contract_id, self.other_contract)
        self.assertIn(self.other_contract.name, lines[5].match_note)
        self.assertIn("1500", lines[1].match_note)
        self.assertEqual(statement.difference_count, 6)
        self.assertEqual(statement.matched_count, 2)
        self.assertEqual(statement.total_payment, 1000 + 1500 - 300 + 50 + 400 + 700 + 1000)
        self.assertEqual((statement.total_fee, statement.total_recourse), (-12.5, -2000))
        self.assertEqual(
            (statement.date, statement.period_start, statement.period_end),
            (self.today, self.today - timedelta(days=1), self.today),
        )
        differences = self.env["factoring.statement.line"].search(
            statement.action_open_differences()["domain"]
            + [("match_state", "not in", ("matched", "info"))]
        )
        self.assertEqual(len(differences), 6)

    def test_factor_reference_picks_the_batch(self):
        self.batch._set_state("funded", factor_ref="F-77")
        rows = [
            self._row("payment", self.inv1, "1000", ref="F-77"),
            self._row("payment", self.inv2, "2000", ref="F-78"),
        ]
        statement = self._import(self._csv(rows))
        self.assertEqual(
            self._states(statement), [(self.inv1.name, "matched"), (self.inv2.name, "other")]
        )

    def test_xlsx_with_date_and_number_cells(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(HEADER)
        sheet.append([date(2031, 1, 2), "payment", self.inv1.name, "Customer Ltd", 1000.0])
        sheet.append([date(2031, 1, 3), "fee", None, None, -8.4, None, "Service fee"])
        buffer = io.BytesIO()
        book.save(buffer)
        statement = self._import(buffer.getvalue(), "march.xlsx")
        self.assertEqual(statement.reference, "march")
        self.assertEqual(statement.line_ids.mapped("date"), [date(2031, 1, 2), date(2031, 1, 3)])
        self.assertEqual(statement.line_ids.mapped("amount"), [1000.0, -8.4])
        self.assertEqual(statement.line_ids.mapped("match_state"), ["matched", "info"])
        self.assertEqual(statement.date, date(2031, 1, 3))

    def test_xls_with_serial_dates(self):
        book = xlwt.Workbook()
        sheet = book.add_sheet("Statement")
        for column, title in enumerate(HEADER):
            sheet.write(0, column, title)
        sheet.write(1, 0, 47484.0)  # 2030-01-01 as a spreadsheet serial date
        sheet.write(1, 1, "Recourse")
        sheet.write(1, 2, self.inv2.name)
        sheet.write(1, 4, -2000)
        buffer = io.BytesIO()
        book.save(buffer)
        statement = self._import(buffer.getvalue(), "statement.xls")
        line = statement.line_ids
        self.assertEqual((line.date, line.kind, line.amount), (date(2030, 1, 1), "recourse", -2000))
        # The factor takes the document back: minus the document's amount.
        self.assertEqual(line.match_state, "matched")

    def test_decimal_comma(self):
        rows = [self._row("payment", self.inv2, "2.000,00")]
        statement = self._import(self._csv(rows), decimal_separator=",")
        self.assertEqual(statement.line_ids.match_state, "matched")

    def test_same_file_twice_is_refused(self):
        content = self._csv([self._row("payment", self.inv1, "1000")])
        first = self._import(content, reference="A")
        with self.refused(UserError, "already imported as statement A"):
            self._import(content, "copy.csv")
        self.assertEqual(self.env["factoring.statement"].search([]), first)

    def test_bad_files_write_nothing(self):
        good = self._row("payment", self.inv1, "1000")
        cases = [
            (b"%PDF-1.4", "statement.pdf", "Cannot read statement.pdf"),
            (b"", "statement.csv", "the file is empty"),
            (b"PK\x03\x04garbage", "statement.xlsx", "not a readable .xlsx"),
            (b"\xd0\xcf\x11\xe0garbage", "statement.xls", "not a readable .xls"),
            (self._csv([], header=HEADER), "statement.csv", "has no line"),
            (
                self._csv([good[:3] + good[4:5]], header=["Date", "Kind", "Document", "Total"]),
                "statement.csv",
                "lacks the column.s. amount",
            ),
            (self._csv([self._row("payment", self.inv1, "1O00")]), "a.csv", "1O00 is not a num"),
            (self._csv([[*good[:4], "1e400", "", ""]]), "b.csv", "1e400 is not a number"),
            (self._csv([["31/02/2030", *good[1:]]]), "c.csv", "31/02/2030 is not a date"),
            (self._csv([["", *good[1:]]]), "d.csv", "No date"),
            (self._csv([self._row("refund", self.inv1, "10")]), "e.csv", "Unknown kind refund"),
            (self._csv([self._row("payment", "", "10")]), "f.csv", "names its document"),
            (self._csv([self._row("payment", self.inv1, "")]), "g.csv", "No amount"),
        ]
        for content, filename, message in cases:
            with self.subTest(message=message), self.refused(UserError, message):
                self._import(content, filename)
        self.assertFalse(self.env["factoring.statement"].search([]))
        self.assertFalse(self.env["factoring.statement.line"].search([]))

    def test_every_bad_row_is_reported(self):
        rows = [
            self._row("payment", self.inv1, "1000"),
            self._row("payment", self.inv2, "abc"),
            self._row("bonus", self.inv2, "1"),
        ]
        with self.refused(UserError, r"2 row\(s\).*\nRow 3: .*abc.*\nRow 4: Unknown kind bonus"):
            self._import(self._csv(rows))
        self.assertFalse(self.env["factoring.statement"].search([]))

    def test_another_contracts_file(self):
        header = [*HEADER, "Client Code"]
        rows = [[*self._row("payment", self.inv1, "1000"), "9"]]
        with self.refused(UserError, "for client code or contract 9, not for contract"):
            self._import(self._csv(rows, header=header))
        rows = [[*self._row("payment", self.inv1, "1000"), "00 42 17"]]
        self.assertEqual(self._import(self._csv(rows, header=header)).line_count, 1)

    def test_currency_of_the_file(self):
        header = [*HEADER, "Currency"]
        rows = [[*self._row("payment", self.inv1, "1000"), "JPY"]]
        with self.refused(UserError, "Currency JPY is not the contract's"):
            self._import(self._csv(rows, header=header))


@tagged("post_install", "-at_install")
class TestStatementAccess(StatementCommon):
    def test_only_managers_import(self):
        content = self._csv([self._row("payment", self.inv1, "1000")])
        for user in (self.controller, self.salesman):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._import(content, user=user)
        self.assertFalse(self.env["factoring.statement"].search([]))
        statement = self._import(content, user=self.accountant)
        self.assertEqual(statement.line_ids.match_state, "matched")

    def test_other_company_contract_refused(self):
        other = self.setup_other_company(name="Other Factoring Co")["company"]
        outsider = new_test_user(
            self.env,
            login="other_credit_manager",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        content = self._csv([self._row("payment", self.inv1, "1000")])
        with self.refused(UserError, "not one of the companies you work in"):
            self._import(content, user=outsider)
        statement = self._import(content)
        with self.assertRaises(AccessError):
            statement.with_user(outsider).action_reconcile()
        with self.assertRaises(AccessError):
            statement.with_user(outsider).reference  # noqa: B018

    def test_state_and_lines_change_by_actions_only(self):
        statement = self._import(self._csv([self._row("payment", self.inv2, "1")]))
        line = statement.line_ids
        for user in (self.manager, self.accountant):
            as_user = statement.with_user(user)
            with self.subTest(user=user.login):
                for vals in ({"state": "done"}, {"checksum": "x"}, {"contract_id": 1}):
                    with self.assertRaises(AccessError):
                        as_user.write(vals)
                with self.assertRaises(AccessError):
                    line.with_user(user).write({"match_state": "matched"})
                with self.assertRaises(AccessError):
                    as_user.create({"contract_id": self.contract.id, "reference": "X"})
                with self.assertRaises(AccessError):
                    line.with_user(user).create(
                        {"statement_id": statement.id, "date": self.today, "kind": "other"}
                    )
        statement.with_user(self.manager).write({"accept_differences": True, "note": "ok"})
        self.assertEqual(statement.state, "matched")
        with self.assertRaises(AccessError):
            statement.with_user(self.controller).write({"note": "no"})
        with self.assertRaises(AccessError):
            statement.with_user(self.controller).action_match()
        with self.assertRaises(AccessError):
            statement.with_user(self.controller).action_reconcile()
        self.assertEqual(
            statement.with_user(self.controller).line_ids.match_state, "amount_differs"
        )


@tagged("post_install", "-at_install")
class TestStatementReconcile(StatementCommon):
    def _batch_line(self, move):
        return self.batch.line_ids.filtered(lambda ln: ln.move_id == move)

    def test_reconcile_books_settlement_and_buy_back(self):
        rows = [
            self._row("payment", self.inv2, "2000", days=-1),
            self._row("payment", self.refund, "-300", days=-2),
            self._row("recourse", self.inv1, "-1000"),
            self._row("fee", "", "-4.20"),
        ]
        statement = self._import(self._csv(rows))
        self.assertEqual(statement.difference_count, 0)
        self.assertEqual(self.inv1.payment_state, "paid", "paid by the transfer")
        statement.with_user(self.accountant).action_reconcile()
        self.assertEqual(statement.state, "done")
        self.assertEqual(statement.reconciled_by_id, self.accountant)
        settled, refund, bought = (self._batch_line(m) for m in (self.inv2, self.refund, self.inv1))
        self.assertEqual(
            (settled.settle_state, settled.date_settled),
            ("settled", self.today - timedelta(days=1)),
        )
        self.assertEqual(
            (refund.settle_state, refund.date_settled), ("settled", self.today - timedelta(days=2))
        )
        self.assertEqual(bought.settle_state, "bought_back")
        self.assertTrue(settled.reserve_line_id.reconciled, "reserve released")
        self.assertTrue(bought.reserve_line_id.reconciled, "reserve released")
        self.assertEqual(self.inv1.payment_state, "not_paid", "open and overdue again")
        self.assertEqual(
            statement.line_ids.mapped("reconciled"), [True, True, True, False], "the fee is info"
        )
        # The next statement finds them settled; a reconciled statement stays.
        again = self._import(self._csv([self._row("payment", self.inv2, "2000", days=1)]))
        self.assertEqual(again.line_ids.match_state, "settled")
        with self.refused(UserError, "Reconciled: this needs"):
            statement.action_reconcile()
        with self.refused(UserError, "no longer changes"):
            statement.write({"date": self.today})
        with self.refused(UserError, "cannot be deleted"):
            statement.unlink()
        # Nor its lines, one by one (the manager may delete lines of a
        # statement being matched).
        with self.refused(UserError, "audit trail"):
            statement.line_ids[:1].with_user(self.manager).unlink()
        self.assertEqual(len(statement.line_ids), 4)

    def test_differences_need_acceptance(self):
        rows = [
            self._row("payment", self.inv2, "2000"),
            self._row("payment", "INV/1999/99999", "50"),
        ]
        statement = self._import(self._csv(rows))
        with self.refused(UserError, "1 line.s. that do not match.*Accept Differences"):
            statement.action_reconcile()
        self.assertEqual(self._batch_line(self.inv2).settle_state, "open")
        statement.accept_differences = True
        statement.action_match()
        self.assertFalse(statement.accept_differences, "accepted before the new matching")
        statement.accept_differences = True
        statement.action_reconcile()
        self.assertEqual(self._batch_line(self.inv2).settle_state, "settled")
        unknown = statement.line_ids[1]
        self.assertEqual((unknown.match_state, unknown.reconciled), ("unknown", False))
        self.assertEqual((statement.state, statement.difference_count), ("done", 1))

    def test_nothing_booked_when_one_booking_is_refused(self):
        statement = self._import(
            self._csv(
                [
                    self._row("payment", self.inv2, "2000"),
                    self._row("recourse", self.inv1, "-1000"),
                ]
            )
        )
        # The contract's reserve account goes missing after the matching.
        self.contract.reserve_account_id = False
        with self.refused(UserError, "cannot book its factoring entries"):
            statement.action_reconcile()
        self.assertEqual(self.batch.line_ids.mapped("settle_state"), ["open"] * 3)
        self.assertEqual(statement.state, "matched")

    def test_recourse_without_recourse_contract_is_a_difference(self):
        self.contract.recourse = "without"
        statement = self._import(self._csv([self._row("recourse", self.inv1, "-1000")]))
        self.assertEqual(statement.line_ids.match_state, "other")
        self.assertIn("without recourse", statement.line_ids.match_note)

    def test_deleting_a_matched_statement_allows_the_file_again(self):
        content = self._csv([self._row("payment", self.inv2, "2000")])
        self._import(content).with_user(self.manager).unlink()
        self.assertEqual(self._import(content).line_ids.match_state, "matched")

    def test_matching_is_set_based(self):
        rows = [self._row("payment", f"NONE/{n}", "1") for n in range(300)]
        rows.append(self._row("payment", self.inv2, "2000"))
        statement = self._import(self._csv(rows))
        with self.assertQueryCount(6):  # whatever the number of lines
            statement.action_match()
        self.assertEqual(statement.difference_count, 300)


@tagged("post_install", "-at_install")
class TestStatementDemo(FactoringCommon):
    def test_demo_statement(self):
        env = self.env(su=True)  # the demo lives in the main company
        batch = env.ref("factoring_connector.factoring_batch_demo", raise_if_not_found=False)
        if not batch or batch.state != "funded":
            self.skipTest("the database has no funded demo batch")
        Statement = env["factoring.statement"]
        # An update that adds the demo file runs no function: load it here then.
        Statement._demo_statement(batch.ids)
        statement = Statement.search([("reference", "=", "DEMO-STATEMENT-1")])
        self.assertEqual(statement.state, "matched")
        self.assertEqual(
            statement.line_ids.mapped("match_state"), ["matched", "amount_differs", "info"]
        )
        self.assertEqual(statement.line_ids[1].difference, -100)
        # Loading it again imports nothing more.
        Statement._demo_statement(batch.ids)
        self.assertEqual(Statement.search_count([("reference", "=", "DEMO-STATEMENT-1")]), 1)
