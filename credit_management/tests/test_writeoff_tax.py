from datetime import timedelta

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..engine import check
from .test_collection import CollectionCommon


@tagged("post_install", "-at_install")
class TestWriteoffTax(CollectionCommon):
    """A write-off reverses the output tax of what it settles, as a credit
    note would: compared line by line with the credit note Odoo posts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        country = cls.company.account_fiscal_country_id
        cls.tags = {
            name: cls.env["account.account.tag"].create(
                {"name": f"wo_{name}", "applicability": "taxes", "country_id": country.id}
            )
            for name in ("inv_base", "inv_tax", "ref_base", "ref_tax")
        }
        cls.tax_account = cls.company_data["default_account_tax_sale"]
        cls.vat = cls._tax("VAT 20", "on_invoice")
        cls.transition = cls.tax_account.copy({"reconcile": True})
        cls.company.tax_exigibility = True
        cls.caba_vat = cls._tax(
            "VAT 20 cash basis",
            "on_payment",
            cash_basis_transition_account_id=cls.transition.id,
        )
        cls.expense = cls.company_data["default_account_expense"]

    @classmethod
    def _tax(cls, name, exigibility, **values):
        def repartition(kind):
            return [
                Command.create(
                    {
                        "repartition_type": "base",
                        "tag_ids": [Command.set(cls.tags[f"{kind}_base"].ids)],
                    }
                ),
                Command.create(
                    {
                        "repartition_type": "tax",
                        "account_id": cls.tax_account.id,
                        "tag_ids": [Command.set(cls.tags[f"{kind}_tax"].ids)],
                    }
                ),
            ]

        return cls.env["account.tax"].create(
            {
                "name": name,
                "amount_type": "percent",
                "amount": 20.0,
                "type_tax_use": "sale",
                "tax_exigibility": exigibility,
                "company_id": cls.company.id,
                "invoice_repartition_line_ids": repartition("inv"),
                "refund_repartition_line_ids": repartition("ref"),
                **values,
            }
        )

    def _taxed_invoice(self, price, tax, currency=None, move_type="out_invoice", date_days=-230):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": self.customer.id,
                "invoice_date": self.today + timedelta(days=date_days),
                "invoice_date_due": self.today + timedelta(days=date_days + 30),
                "currency_id": (currency or self.currency).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Goods",
                            "quantity": 1,
                            "price_unit": price,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                ],
            }
        )
        with check.skipped():
            move._post(soft=False)
        return move

    def _write_off_all(self):
        self._writeoff_accounts()
        self.case = self._case()
        wizard = (
            self.env["credit.writeoff.wizard"]
            .with_context(default_case_id=self.case.id)
            .create({"reason": "Insolvent"})
        )
        action = wizard.action_confirm()
        return self.env["account.move"].browse(action.get("res_id") or action["domain"][0][2])

    def _tag_total(self, tag):
        lines = self.env["account.move.line"].search(
            [("tax_tag_ids", "in", tag.ids), ("parent_state", "=", "posted")]
        )
        return sum(lines.mapped("balance"))

    def _caba_moves(self, moves):
        return self.env["account.move"].search([("tax_cash_basis_origin_move_id", "in", moves.ids)])

    @staticmethod
    def _tax_view(move):
        return sorted(
            (
                line.account_id.id,
                line.tax_repartition_line_id.document_type,
                tuple(line.tax_tag_ids.ids),
                line.amount_currency,
                line.balance,
            )
            for line in move.line_ids.filtered("tax_repartition_line_id")
        )

    # ------------------------------------------------------------------
    # Bad-debt credit note (default)
    # ------------------------------------------------------------------

    def test_credit_note_reverses_tax_of_a_partially_paid_invoice(self):
        self.assertEqual(self.company.credit_writeoff_tax_mode, "refund")
        invoice = self._taxed_invoice(1000, self.vat)
        self._pay(invoice, 300)
        refund = self._write_off_all()
        self.assertRecordValues(
            refund,
            [{"move_type": "out_refund", "state": "posted", "reversed_entry_id": invoice.id}],
        )
        self.assertEqual(invoice.amount_residual, 0)
        loss = refund.invoice_line_ids
        self.assertRecordValues(
            loss,
            [{"account_id": self.expense.id, "balance": 750.0, "tax_ids": self.vat.ids}],
        )
        # What Odoo posts for a credit note of the same amount and tax.
        odoo_refund = self._taxed_invoice(750, self.vat, move_type="out_refund", date_days=0)
        self.assertEqual(self._tax_view(refund), self._tax_view(odoo_refund))
        self.assertEqual(refund.amount_total_signed, odoo_refund.amount_total_signed)
        self.assertEqual(self._tax_view(refund)[0][2], tuple(self.tags["ref_tax"].ids))
        self.assertEqual(self._tag_total(self.tags["ref_tax"]), 300)  # 150 each
        self.assertEqual(self.case.amount_written_off, 900)

    def test_credit_note_cent_rounding_settles_the_invoice(self):
        invoice = self._taxed_invoice(100.01, self.vat)
        self._pay(invoice, 40)
        refund = self._write_off_all()
        self.assertEqual(refund.amount_total, 80.01)
        self.assertEqual(invoice.amount_residual, 0)
        self.assertFalse(refund.line_ids.filtered(lambda line: line.amount_residual))

    def test_credit_note_reversal_makes_debt_and_tax_due_again(self):
        self.customer.with_company(self.company).credit_limit = 1  # posting would be refused
        invoice = self._taxed_invoice(1000, self.vat)
        refund = self._write_off_all()
        case = self.case
        self.assertEqual(case.stage_type, "written_off")
        refund.action_credit_reverse_writeoff()
        self.assertEqual(invoice.amount_residual, 1200)
        self.assertRecordValues(
            refund.reversal_move_ids, [{"move_type": "out_invoice", "state": "posted"}]
        )
        # The output tax of the invoice is due again (Odoo reverses a credit
        # note with an invoice: the invoice's tax tags).
        self.assertEqual(
            self._tag_total(self.tags["inv_tax"]) + self._tag_total(self.tags["ref_tax"]), -200
        )
        self.assertEqual(case.amount_written_off, 0)
        self.assertNotIn(case.stage_type, ("closed", "written_off"))

    def test_credit_note_with_cash_basis_tax(self):
        invoice = self._taxed_invoice(1000, self.caba_vat)
        self._pay(invoice, 600)  # half paid: half the tax is due
        self.assertEqual(self._tag_total(self.tags["inv_tax"]), -100)
        refund = self._write_off_all()
        self.assertEqual(invoice.amount_residual, 0)
        # Odoo's own handling of a credit note: the cash-basis entries of the
        # invoice and of the credit note cancel out.
        self.assertEqual(
            self._tag_total(self.tags["inv_tax"]) + self._tag_total(self.tags["ref_tax"]), -100
        )
        transition = self.env["account.move.line"].search(
            [("account_id", "=", self.transition.id), ("parent_state", "=", "posted")]
        )
        self.assertEqual(sum(transition.mapped("balance")), 0)
        self.assertFalse(transition.filtered(lambda line: line.amount_residual))
        self.assertEqual(refund.invoice_line_ids.balance, 500)

    def test_credit_note_in_foreign_currency(self):
        eur = self.setup_other_currency(
            "EUR",
            rates=[("2000-01-01", 2.0), ((self.today - timedelta(days=5)).isoformat(), 4.0)],
        )
        invoice = self._taxed_invoice(1000, self.vat, currency=eur)
        self.assertEqual(invoice.amount_total_signed, 600)
        refund = self._write_off_all()
        self.assertEqual(refund.currency_id, eur)
        self.assertEqual((invoice.amount_residual, invoice.amount_residual_signed), (0, 0))
        odoo_refund = self._taxed_invoice(1000, self.vat, eur, "out_refund", date_days=0)
        self.assertEqual(self._tax_view(refund), self._tax_view(odoo_refund))
        self.assertEqual(refund.invoice_line_ids.balance, 250)
        # Booked at 600, settled by 300 at today's rate: Odoo's exchange difference.
        exchange = invoice.line_ids.matched_credit_ids.exchange_move_id
        self.assertEqual(len(exchange), 1)
        self.assertEqual(abs(exchange.amount_total_signed), 300)

    # ------------------------------------------------------------------
    # Tax lines on the write-off entry
    # ------------------------------------------------------------------

    def test_entry_reverses_tax_with_refund_distribution(self):
        self.company.credit_writeoff_tax_mode = "entry"
        invoice = self._taxed_invoice(1000, self.vat)
        self._pay(invoice, 300)
        entry = self._write_off_all()
        self.assertEqual(entry.move_type, "entry")
        self.assertEqual(invoice.amount_residual, 0)
        loss = entry.line_ids.filtered(lambda line: line.account_id == self.expense)
        self.assertRecordValues(loss, [{"balance": 750.0, "tax_ids": self.vat.ids}])
        self.assertEqual(loss.tax_tag_ids, self.tags["ref_base"])
        odoo_refund = self._taxed_invoice(750, self.vat, move_type="out_refund", date_days=0)
        self.assertEqual(self._tax_view(entry), self._tax_view(odoo_refund))
        self.assertFalse(self._caba_moves(invoice | entry))
        self.assertEqual(self.case.amount_written_off, 900)
        entry.action_credit_reverse_writeoff()
        self.assertEqual(invoice.amount_residual, 900)
        self.assertEqual(self._tag_total(self.tags["ref_tax"]), 150)  # Odoo's credit note only

    def test_entry_with_cash_basis_tax_creates_no_cash_basis_entry(self):
        self.company.credit_writeoff_tax_mode = "entry"
        invoice = self._taxed_invoice(1000, self.caba_vat)
        self._pay(invoice, 600)
        self.assertEqual(len(self._caba_moves(invoice)), 1)
        entry = self._write_off_all()
        self.assertEqual(invoice.amount_residual, 0)
        self.assertEqual(len(self._caba_moves(invoice | entry)), 1, "the payment's only")
        # The tax never due leaves the transition account, not through the report.
        self.assertEqual(self._tag_total(self.tags["inv_tax"]), -100)
        self.assertEqual(self._tag_total(self.tags["ref_tax"]), 0)
        transition = invoice.line_ids.filtered(lambda line: line.account_id == self.transition)
        self.assertTrue(transition.reconciled)
        loss = entry.line_ids.filtered(lambda line: line.account_id == self.expense)
        self.assertRecordValues(loss, [{"balance": 500.0, "tax_ids": []}])
        entry.action_credit_reverse_writeoff()
        self.assertEqual(invoice.amount_residual, 600)
        self.assertFalse(transition.reconciled)

    def test_entry_in_foreign_currency(self):
        self.company.credit_writeoff_tax_mode = "entry"
        eur = self.setup_other_currency(
            "EUR",
            rates=[("2000-01-01", 2.0), ((self.today - timedelta(days=5)).isoformat(), 4.0)],
        )
        invoice = self._taxed_invoice(1000, self.vat, currency=eur)
        entry = self._write_off_all()
        self.assertEqual((invoice.amount_residual, invoice.amount_residual_signed), (0, 0))
        loss = entry.line_ids.filtered(lambda line: line.account_id == self.expense)
        self.assertRecordValues(loss, [{"amount_currency": 1000, "balance": 250}])
        odoo_refund = self._taxed_invoice(1000, self.vat, eur, "out_refund", date_days=0)
        self.assertEqual(self._tax_view(entry), self._tax_view(odoo_refund))
        exchange = invoice.line_ids.matched_credit_ids.exchange_move_id
        self.assertEqual(abs(exchange.amount_total_signed), 300)

    # ------------------------------------------------------------------
    # Account
    # ------------------------------------------------------------------

    def test_bad_debt_account_must_be_an_expense(self):
        income = self.company_data["default_account_revenue"]
        with self.assertRaises(ValidationError):
            self.company.credit_writeoff_account_id = income
        self._invoice(self.customer, 100, due_days=-200, date_days=-230)
        self._writeoff_accounts()
        with self.assertRaises(ValidationError):
            self.env["credit.writeoff.wizard"].create(
                {"case_id": self._case().id, "reason": "x", "account_id": income.id}
            )
