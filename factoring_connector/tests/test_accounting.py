import base64
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .test_credit_control import FactoredCommon


class AccountingCommon(FactoredCommon):
    """Contract: advance 85 %, reserve 10 %, service fee 0.5 %, discount
    0.01 % a day, 20 per batch, fees taxed 20 %, advances paid on the bank
    journal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_tax = cls.env["account.tax"].create(
            {
                "name": "VAT on fees 20%",
                "amount": 20,
                "type_tax_use": "purchase",
                "company_id": cls.company.id,
            }
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.contract.write(
            {
                "fee_tax_ids": [Command.set(cls.fee_tax.ids)],
                "funding_journal_id": cls.bank_journal.id,
            }
        )
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.payable = cls.company_data["default_account_payable"]

    def _entries(self, move):
        """The lines of ``move`` as sorted (account code, partner, balance)."""
        return sorted(
            (aml.account_id.code, aml.partner_id.name or "", aml.balance) for aml in move.line_ids
        )

    def _expected(self, *rows):
        return sorted(
            (account.code, partner.name or "", balance) for account, partner, balance in rows
        )

    def _acknowledged(self, *invoices):
        batch = self._batch()
        batch.action_add_documents([inv.id for inv in invoices])
        batch.action_generate()
        batch.action_send()
        batch.action_acknowledge()
        return batch

    def _line(self, batch, invoice):
        return batch.line_ids.filtered(lambda ln: ln.move_id == invoice)


@tagged("post_install", "-at_install")
class TestTransfer(AccountingCommon):
    def test_transfer_pays_the_documents(self):
        inv = self._invoice(self.debtor, 1000)
        refund = self._invoice(self.debtor, 300, move_type="out_refund")
        batch = self._acknowledged(inv, refund)
        move = batch.transfer_move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.journal_id, self.contract.journal_id)
        self.assertEqual(move.ref, f"Factoring transfer {batch.name}")
        self.assertEqual(
            self._entries(move),
            self._expected(
                (self.receivable, self.debtor, -1000),
                (self.factor_account, self.factor, 1000),
                (self.receivable, self.debtor, 300),
                (self.factor_account, self.factor, -300),
            ),
        )
        factor_lines = move.line_ids.filtered(lambda aml: aml.account_id == self.factor_account)
        self.assertEqual(set(factor_lines.mapped("name")), {inv.name, refund.name})
        # Both documents are settled by the transfer, the payment widget shows it
        # (Odoo calls a credit note matched with an entry only "reversed").
        self.assertEqual((inv.payment_state, refund.payment_state), ("paid", "reversed"))
        self.assertTrue(refund.currency_id.is_zero(refund.amount_residual))
        widget = inv.invoice_payments_widget["content"]
        self.assertEqual([(w["move_id"], w["amount"]) for w in widget], [(move.id, 1000)])
        line = self._line(batch, inv)
        self.assertEqual(line.transferred_amount, 1000)
        self.assertEqual(self._line(batch, refund).transferred_amount, -300)
        self.assertEqual(line.transfer_line_id.move_id, move)
        self.assertTrue(line.transfer_line_id.reconciled)
        self.assertIn(move, batch.entry_ids)

    def test_missing_journal_books_nothing(self):
        self.contract.journal_id = False
        inv = self._invoice(self.debtor, 1000)
        batch = self._batch()
        batch.action_add_documents([inv.id])
        batch.action_generate()
        batch.action_send()
        moves = self.env["account.move"].search_count([])
        with self.refused(UserError, "choose its Journal"):
            batch.action_acknowledge()
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual((batch.state, batch.line_ids.state), ("sent", "pending"))
        self.assertEqual(inv.payment_state, "not_paid")

    def test_rejection_after_transfer_reopens_the_invoice(self):
        inv = self._invoice(self.debtor, 1000)
        kept = self._invoice(self.debtor, 2000)
        batch = self._acknowledged(inv, kept)
        line = self._line(batch, inv)
        transfer_line = line.transfer_line_id
        line.action_reject("Debtor unknown")
        self.assertEqual(batch.state, "partially_rejected")
        self.assertEqual(inv.factoring_state, "rejected")
        self.assertEqual((inv.payment_state, inv.amount_residual), ("not_paid", 1000))
        reversal = line.return_line_id.move_id
        self.assertEqual(
            self._entries(reversal),
            self._expected(
                (self.receivable, self.debtor, 1000),
                (self.factor_account, self.factor, -1000),
            ),
        )
        # The transfer line is matched with the reversal instead of the invoice.
        self.assertEqual(transfer_line.full_reconcile_id, line.return_line_id.full_reconcile_id)
        self.assertTrue(transfer_line.full_reconcile_id)
        self.assertEqual(kept.payment_state, "paid")
        # Given back: eligible for another batch.
        again = self._batch()
        again.action_add_documents()
        self.assertEqual(again.line_ids.move_id, inv)

    def test_partial_payment_before_acknowledgement(self):
        """Paid in part between generation and acknowledgement: refused like a
        paid document (the factor took the full amount), nothing written."""
        inv = self._invoice(self.debtor, 1000)
        batch = self._batch()
        batch.action_add_documents([inv.id])
        batch.action_generate()
        batch.action_send()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=inv.ids
        ).create({"amount": 400}).action_create_payments()
        moves = self.env["account.move"].search_count([])
        with self.assertRaisesRegex(UserError, "Reject it in the batch"):
            batch.action_acknowledge()
        self.assertEqual((batch.state, batch.line_ids.state), ("sent", "pending"))
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        batch.line_ids.action_reject("Paid meanwhile")
        self.assertEqual(batch.line_ids.state, "rejected")

    def test_foreign_currency_exchange_difference(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self.env["res.currency.rate"].create(
            {"name": self.today, "rate": 2.5, "currency_id": eur.id, "company_id": self.company.id}
        )
        self.contract.currency_ids = self.currency | eur
        self.env["res.currency.rate"].create(
            {
                "name": self.today - timedelta(days=10),
                "rate": 2.0,
                "currency_id": eur.id,
                "company_id": self.company.id,
            }
        )
        inv = self._invoice(self.debtor, 1000, currency=eur)
        receivable = inv.line_ids.filtered(lambda aml: aml.display_type == "payment_term")
        self.assertEqual(receivable.balance, 500)
        batch = self._acknowledged(inv)
        customer = self._line(batch, inv).transfer_line_id
        # Transferred at today's rate: 1,000 EUR = 400.
        self.assertEqual((customer.amount_currency, customer.balance), (-1000, -400))
        self.assertEqual(customer.currency_id, eur)
        self.assertEqual(
            self._entries(batch.transfer_move_id),
            self._expected(
                (self.receivable, self.debtor, -400), (self.factor_account, self.factor, 400)
            ),
        )
        self.assertEqual(self._line(batch, inv).transferred_amount, 400)
        self.assertEqual(inv.payment_state, "paid")
        exchange = (receivable.matched_credit_ids | customer.matched_debit_ids).exchange_move_id
        self.assertEqual(len(exchange), 1, "Odoo books the exchange difference")
        self.assertEqual(
            exchange.line_ids.filtered(lambda aml: aml.account_id == self.receivable).balance, -100
        )
        self.assertFalse(inv.factoring_transfer_due)


@tagged("post_install", "-at_install")
class TestFunding(AccountingCommon):
    def _funded(self):
        self.inv = self._invoice(self.debtor, 1000)
        self.inv2 = self._invoice(self.second, 2000)
        self.refund = self._invoice(self.debtor, 300, move_type="out_refund")
        batch = self._acknowledged(self.inv, self.inv2, self.refund)
        self.funding_date = self.today - timedelta(days=30)
        batch.action_fund(self.funding_date)
        return batch

    def test_funding_entries(self):
        batch = self._funded()
        self.assertEqual(batch.state, "funded")
        self.assertEqual(self.inv.factoring_state, "funded")
        # Total 2,700: reserve 10 % per document, fees 0.5 % x 2,700 + 20 = 33.50,
        # VAT 20 % 6.70, bill 40.20; advance 85 % x 2,700 - 40.20 = 2,254.80.
        funding = batch.funding_move_id
        self.assertEqual(funding.date, self.funding_date)
        self.assertEqual(batch.date_funded, self.funding_date, "the day the factor paid")
        bill = batch.fee_bill_id
        payable = bill.line_ids.filtered(lambda aml: aml.display_type == "payment_term")
        self.assertEqual(
            self._entries(funding),
            self._expected(
                (self.reserve_account, self.factor, 100),
                (self.reserve_account, self.factor, 200),
                (self.reserve_account, self.factor, -30),
                (self.factor_account, self.factor, -270),
                (payable.account_id, self.factor, 40.20),
                (self.factor_account, self.factor, -40.20),
            ),
        )
        reserve_names = funding.line_ids.filtered(
            lambda aml: aml.account_id == self.reserve_account
        ).mapped("name")
        self.assertEqual(
            sorted(reserve_names), sorted([self.inv.name, self.inv2.name, self.refund.name])
        )
        self.assertEqual(self._line(batch, self.inv).reserve_line_id.balance, 100)
        self.assertEqual(self._line(batch, self.refund).reserve_amount, -30)
        # The fee bill: a vendor bill of the factor with its tax, paid by the netting.
        self.assertEqual(
            (bill.move_type, bill.partner_id, bill.state), ("in_invoice", self.factor, "posted")
        )
        self.assertEqual(bill.invoice_date, self.funding_date)
        self.assertEqual(
            sorted((ln.name, ln.price_subtotal) for ln in bill.invoice_line_ids),
            sorted([(f"Service fee {batch.name}", 13.50), ("Batch fee", 20.0)]),
        )
        self.assertEqual(set(bill.invoice_line_ids.account_id), {self.fee_account})
        self.assertEqual(
            (bill.amount_untaxed, bill.amount_tax, bill.amount_total), (33.5, 6.7, 40.2)
        )
        tax_lines = bill.line_ids.filtered(lambda aml: aml.tax_line_id == self.fee_tax)
        self.assertEqual(sum(tax_lines.mapped("balance")), 6.7)
        self.assertEqual(bill.payment_state, "paid")
        self.assertTrue(payable.reconciled)
        # The advance: a payment from the factor on the funding journal.
        payment = batch.advance_payment_id
        self.assertEqual(
            (payment.amount, payment.partner_id, payment.journal_id, payment.payment_type),
            (2254.80, self.factor, self.bank_journal, "inbound"),
        )
        self.assertEqual(payment.state, "in_process")
        counterpart = payment.move_id.line_ids.filtered(
            lambda aml: aml.account_id == self.factor_account
        )
        self.assertEqual((counterpart.balance, counterpart.partner_id), (-2254.80, self.factor))
        self.assertFalse(
            payment.move_id.line_ids.filtered(lambda aml: aml.account_type == "asset_receivable")
        )
        # Left on the current account: the part neither advanced nor reserved (5 %).
        current = self.env["account.move.line"].search(
            [("account_id", "=", self.factor_account.id), ("parent_state", "=", "posted")]
        )
        self.assertAlmostEqual(sum(current.mapped("balance")), 135.0)
        self.assertEqual(set(current.partner_id), {self.factor})
        self.assertTrue({funding, bill, payment.move_id} <= set(batch.entry_ids))

    def test_missing_reserve_account_books_nothing(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._acknowledged(inv)
        self.contract.reserve_account_id = False
        moves = self.env["account.move"].search_count([])
        with self.refused(UserError, "Reserve Account"):
            batch.action_fund()
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual(batch.state, "acknowledged")
        self.assertFalse(self._line(batch, inv).date_funded)

    def test_settlement(self):
        batch = self._funded()
        line = self._line(batch, self.inv)
        moves = line._factoring_settle(self.today, paid_date=self.today)
        self.assertEqual((line.settle_state, line.date_settled), ("settled", self.today))
        # Discount: 0.01 % a day x advance 850 x 30 days = 2.55, VAT 0.51.
        self.assertEqual(line.discount_fee, 2.55)
        bill = moves.filtered(lambda m: m.move_type == "in_invoice")
        entry = moves - bill
        self.assertEqual(
            [(ln.name, ln.price_subtotal) for ln in bill.invoice_line_ids],
            [(f"Discount fee {self.inv.name} (30 days)", 2.55)],
        )
        self.assertEqual(
            (bill.amount_tax, bill.amount_total, bill.payment_state), (0.51, 3.06, "paid")
        )
        payable = bill.line_ids.filtered(lambda aml: aml.display_type == "payment_term")
        self.assertEqual(
            self._entries(entry),
            self._expected(
                (self.factor_account, self.factor, 100),
                (self.reserve_account, self.factor, -100),
                (payable.account_id, self.factor, 3.06),
                (self.factor_account, self.factor, -3.06),
            ),
        )
        self.assertTrue(line.reserve_line_id.reconciled)
        self.assertFalse(self._line(batch, self.inv2).reserve_line_id.reconciled)
        with self.refused(UserError, "already Settled"):
            line._factoring_settle(self.today)
        # Settled: no longer our risk.
        partner = self.debtor.with_company(self.company)
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_exposure_factored, -300, "the credit note is still open")

    def test_settle_refuses_unfunded_lines(self):
        funded = self._funded()
        inv = self._invoice(self.debtor, 1000)
        batch = self._acknowledged(inv)
        moves = self.env["account.move"].search_count([])
        mixed = funded.line_ids | batch.line_ids
        with self.refused(UserError, "not funded"):
            mixed._factoring_settle(self.today)
        with self.refused(UserError, "not funded"):
            mixed._factoring_buy_back(self.today)
        # Validated first: nothing booked for the funded lines either.
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual(set(funded.line_ids.mapped("settle_state")), {"open"})
        self.assertFalse(funded.line_ids.reserve_line_id.filtered("reconciled"))

    def test_fund_batch_of_credit_notes(self):
        """Credit notes outweigh the invoices: no service fee (the factor pays
        none back), the batch fee billed, no advance; we owe the factor."""
        inv = self._invoice(self.debtor, 1000)
        refund = self._invoice(self.debtor, 9000, move_type="out_refund")
        batch = self._acknowledged(inv, refund)
        batch.action_fund()
        self.assertEqual(batch.state, "funded")
        bill = batch.fee_bill_id
        self.assertEqual((bill.move_type, bill.state), ("in_invoice", "posted"))
        self.assertEqual(bill.amount_total, 24)
        self.assertEqual(bill.invoice_line_ids.mapped("price_unit"), [20])
        self.assertFalse(batch.advance_payment_id)
        current = self.env["account.move.line"].search(
            [("account_id", "=", self.factor_account.id), ("parent_state", "=", "posted")]
        )
        # Transfer -8000, reserve 800 given back to us, fees 24 netted.
        self.assertAlmostEqual(sum(current.mapped("balance")), -8000 + 800 - 24)


@tagged("post_install", "-at_install")
class TestRecourse(AccountingCommon):
    def test_buy_back_by_the_cron(self):
        self.contract.recourse_days = 10
        late = self._invoice(self.debtor, 1000, due_days=-20, date_days=-30)
        recent = self._invoice(self.debtor, 2000, due_days=-5, date_days=-30)
        batch = self._acknowledged(late, recent)
        batch.action_fund(self.today - timedelta(days=25))
        self.assertFalse(self._comm(self._run()), "paid by the transfer: nothing to remind")
        self.env["factoring.batch.line"]._cron_buy_back()
        line = self._line(batch, late)
        self.assertEqual((line.settle_state, line.date_settled), ("bought_back", self.today))
        self.assertEqual(self._line(batch, recent).settle_state, "open")
        self.assertEqual(late.factoring_state, "bought_back")
        self.assertNotEqual(late.partner_bank_id, self.factor_bank, "our bank account again")
        # Open and overdue again: in our exposure, reminded again.
        self.assertEqual((late.payment_state, late.amount_residual), ("not_paid", 1000))
        buy_back = line.return_line_id.move_id
        self.assertEqual(
            self._entries(buy_back),
            self._expected(
                (self.receivable, self.debtor, 1000),
                (self.factor_account, self.factor, -1000),
                (self.factor_account, self.factor, 100),
                (self.reserve_account, self.factor, -100),
            ),
        )
        self.assertTrue(line.transfer_line_id.reconciled)
        self.assertEqual(
            line.transfer_line_id.full_reconcile_id, line.return_line_id.full_reconcile_id
        )
        self.assertTrue(line.reserve_line_id.reconciled)
        partner = self.debtor.with_company(self.company)
        partner.invalidate_recordset()
        self.assertEqual(
            (partner.credit_exposure_overdue, partner.credit_exposure_factored), (1000, 2000)
        )
        self.assertEqual(self._comm(self._run()).mapped("partner_id"), self.debtor)
        # A second cron does nothing more.
        self.env["factoring.batch.line"]._cron_buy_back()
        self.assertEqual(self._line(batch, recent).settle_state, "open")

    def test_cron_other_contract_failing_does_not_block(self):
        """One contract that can no longer book (its reserve account removed)
        does not stop the buy-back of the others: a warning, a message on
        its chatter."""
        self.contract.recourse_days = 0
        late = self._invoice(self.debtor, 1000, due_days=-20, date_days=-30)
        batch = self._acknowledged(late)
        batch.action_fund(self.today - timedelta(days=25))
        broken = self.env["factoring.contract"].create(
            self._contract_vals(name="Broken", client_code="77", recourse_days=0)
        )
        self.env["factoring.debtor.approval"].create(
            {
                "contract_id": broken.id,
                "partner_id": self.debtor.id,
                "amount": 10000,
                "date_start": self.today - timedelta(days=365),
            }
        )
        other_inv = self._invoice(self.debtor, 500, due_days=-20, date_days=-30)
        other = self.env["factoring.batch"].create({"contract_id": broken.id})
        other.action_add_documents([other_inv.id])
        other.action_generate()
        other.action_send()
        other.action_acknowledge()
        other.action_fund(self.today - timedelta(days=25))
        broken.reserve_account_id = False
        with self.assertLogs(
            "odoo.addons.factoring_connector.models.factoring_accounting", "WARNING"
        ) as logs:
            self.env["factoring.batch.line"]._cron_buy_back()
        self.assertEqual(len(logs.records), 1)
        self.assertIsNone(logs.records[0].exc_info)
        self.assertIn("Reserve Account", logs.output[0])
        self.assertEqual(self._line(batch, late).settle_state, "bought_back")
        self.assertEqual(other.line_ids.settle_state, "open")
        self.assertIn("buy-back failed", broken.message_ids[0].body)

    def test_buy_back_needs_no_fees_account(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._acknowledged(inv)
        batch.action_fund()
        self.contract.fee_account_id = False
        batch.line_ids.action_buy_back()
        self.assertEqual(batch.line_ids.settle_state, "bought_back")
        with self.refused(UserError, "Fees Account"):
            self._acknowledged(self._invoice(self.debtor, 300)).action_fund()

    def test_no_buy_back_without_recourse(self):
        self.contract.recourse = "without"
        inv = self._invoice(self.debtor, 1000)
        batch = self._acknowledged(inv)
        batch.action_fund()
        moves = self.env["account.move"].search_count([])
        with self.refused(UserError, "without recourse"):
            batch.line_ids._factoring_buy_back(self.today)
        self.assertEqual(self.env["account.move"].search_count([]), moves)


@tagged("post_install", "-at_install")
class TestAccountingAccess(AccountingCommon):
    def test_who_funds_settles_buys_back(self):
        inv = self._invoice(self.debtor, 1000)
        inv2 = self._invoice(self.debtor, 2000)
        batch = self._acknowledged(inv, inv2)
        other = self.env["res.company"].create({"name": "Other Factoring Co"})
        stranger = new_test_user(
            self.env,
            login="other_credit_manager",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        for user in (self.controller, self.salesman, stranger):
            with self.assertRaises(AccessError):
                batch.with_user(user).action_fund()
        batch.with_user(self.accountant).action_fund()
        lines = batch.line_ids
        for user in (self.controller, self.salesman, stranger):
            with self.assertRaises(AccessError):
                lines.with_user(user)._factoring_settle(self.today)
            with self.assertRaises(AccessError):
                lines.with_user(user)._factoring_buy_back(self.today)
            with self.assertRaises(AccessError):
                lines.with_user(user).action_settle()
        self.assertEqual(lines.mapped("settle_state"), ["open", "open"])
        self._line(batch, inv).with_user(self.manager).action_settle()
        self._line(batch, inv2).with_user(self.accountant).action_buy_back()
        self.assertEqual(
            (self._line(batch, inv).settle_state, self._line(batch, inv2).settle_state),
            ("settled", "bought_back"),
        )

    def test_action_fields_refused(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._acknowledged(inv)
        for user in (self.manager, self.accountant):
            with self.assertRaises(AccessError):
                batch.line_ids.with_user(user).write({"settle_state": "settled"})
            with self.assertRaises(AccessError):
                batch.line_ids.with_user(user).write({"transfer_line_id": False})
            with self.assertRaises(AccessError):
                batch.with_user(user).write({"transfer_move_id": False})
        self.assertTrue(batch.transfer_move_id)

    def test_context_defaults_do_not_set_action_fields(self):
        """RPC create with context {'default_state': 'funded', ...}: refused
        for a batch; ignored by the statements the import creates."""
        Batch = self.env["factoring.batch"].with_user(self.accountant)
        moves = self.env["account.move"].search([], limit=1)
        for key, value in (
            ("default_state", "funded"),
            ("default_control_total", 123.0),
            ("default_entry_ids", [Command.set(moves.ids)]),
        ):
            with self.assertRaises(AccessError):
                Batch.with_context(**{key: value}).create({"contract_id": self.contract.id})
        batch = Batch.with_context(default_note="ok").create({"contract_id": self.contract.id})
        self.assertEqual((batch.state, batch.note), ("draft", "ok"))
        inv = self._invoice(self.debtor, 1000)
        self._acknowledged(inv).action_fund()
        content = f"date;kind;document;amount\n{self.today};payment;{inv.name};1000.00".encode()
        action = (
            self.env["factoring.statement.import"]
            .with_user(self.accountant)
            .create(
                {
                    "contract_id": self.contract.id,
                    "file": base64.b64encode(content),
                    "filename": "s.csv",
                    "decimal_separator": ".",
                }
            )
            .with_context(
                default_state="done",
                default_date_reconciled=self.today,
                default_match_state="settled",
                default_batch_line_id=batch.id,
            )
            .action_import()
        )
        statement = self.env["factoring.statement"].browse(action["res_id"])
        self.assertEqual((statement.state, statement.date_reconciled), ("matched", False))
        self.assertEqual(statement.line_ids.match_state, "matched")

    def test_current_account_not_a_receivable(self):
        with self.refused(ValidationError, "cannot be a receivable or payable"):
            self.contract.factor_receivable_account_id = self.receivable
        expense = self.fee_account
        with self.refused(ValidationError, "must allow reconciliation"):
            self.contract.reserve_account_id = expense
        with self.refused(ValidationError, "Reserve Account .* cannot be a receivable"):
            self.contract.reserve_account_id = self.receivable

    def test_fee_taxes_are_purchase_taxes(self):
        sale_tax = self.env["account.tax"].create(
            {"name": "Sale 20", "amount": 20, "type_tax_use": "sale", "company_id": self.company.id}
        )
        with self.refused(ValidationError, "purchase taxes, not Sale 20"):
            self.contract.fee_tax_ids = sale_tax
        self.contract.fee_tax_ids = self.fee_tax


@tagged("post_install", "-at_install")
class TestAccountingDemo(AccountingCommon):
    def test_demo_functions_fund_once(self):
        contract = self.env["factoring.contract"].create(
            self._contract_vals(
                name="Demo-like",
                journal_id=False,
                factor_receivable_account_id=False,
                reserve_account_id=False,
                fee_account_id=False,
                approval_required=False,
            )
        )
        contract._demo_accounting()
        self.assertTrue(contract.journal_id and contract.funding_journal_id)
        self.assertEqual(contract.factor_receivable_account_id.account_type, "asset_current")
        self.assertTrue(contract.reserve_account_id.reconcile)
        self.assertTrue(contract.fee_account_id)
        inv = self._invoice(self.debtor, 1000)
        batch = self.env["factoring.batch"].create({"contract_id": contract.id})
        Batch = self.env["factoring.batch"]
        Batch._demo_fund(batch.ids, inv.ids)
        self.assertEqual(batch.state, "funded")
        entries = batch.entry_ids
        self.assertTrue(
            batch.transfer_move_id and batch.funding_move_id and batch.advance_payment_id
        )
        contract._demo_accounting()
        Batch._demo_fund(batch.ids, inv.ids)
        self.assertEqual(batch.entry_ids, entries, "a second load books nothing")


@tagged("post_install", "-at_install")
class TestRepeatedIds(AccountingCommon):
    """RPC may repeat an id (execute_kw(..., [[id, id]])): booked once."""

    def _factor_bills(self):
        return self.env["account.move"].search(
            [("move_type", "=", "in_invoice"), ("partner_id", "=", self.factor.id)]
        )

    def _reserve_total(self):
        reserves = self.env["account.move.line"].search(
            [("account_id", "=", self.reserve_account.id), ("parent_state", "=", "posted")]
        )
        return sum(reserves.mapped("balance"))

    def _current_lines(self, balance):
        return self.env["account.move.line"].search(
            [
                ("account_id", "=", self.factor_account.id),
                ("parent_state", "=", "posted"),
                ("balance", "=", balance),
            ]
        )

    def test_fund_duplicate_ids_books_once(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._acknowledged(inv)
        twice = self.env["factoring.batch"].with_user(self.accountant).browse([batch.id] * 2)
        twice.action_fund()
        self.assertEqual(batch.state, "funded")
        self.assertLessEqual(len(self._factor_bills()), 1, "one fee bill")
        payments = self.env["account.payment"].search([("partner_id", "=", self.factor.id)])
        self.assertLessEqual(len(payments), 1, "one advance")
        self.assertLessEqual(self._reserve_total(), 100, "one reserve")
        # Funding again is refused by the booking itself.
        with self.assertRaises(UserError):
            batch._book_funding(self.today)

    def test_settle_duplicate_ids_books_once(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._acknowledged(inv)
        batch.action_fund(self.today - timedelta(days=30))
        line = batch.line_ids
        bills = self._factor_bills()
        twice = self.env["factoring.batch.line"].with_user(self.accountant).browse([line.id] * 2)
        twice.action_settle()
        self.assertEqual(line.settle_state, "settled")
        self.assertLessEqual(len(self._factor_bills() - bills), 1, "one discount bill")
        self.assertGreaterEqual(self._reserve_total(), 0, "reserve released once")

    def test_buy_back_duplicate_ids_books_once(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._acknowledged(inv)
        batch.action_fund()
        line = batch.line_ids
        twice = self.env["factoring.batch.line"].with_user(self.accountant).browse([line.id] * 2)
        twice.action_buy_back()
        self.assertEqual(line.settle_state, "bought_back")
        self.assertEqual(len(self._current_lines(-1000)), 1, "bought back once")
        with self.assertRaises(UserError):
            line._book_return(self.today, "again")

    def test_reject_duplicate_ids_books_once(self):
        inv = self._invoice(self.debtor, 1000)
        kept = self._invoice(self.debtor, 2000)
        batch = self._acknowledged(inv, kept)
        line = self._line(batch, inv)
        twice = self.env["factoring.batch.line"].with_user(self.accountant).browse([line.id] * 2)
        twice.action_reject("Unknown debtor")
        self.assertEqual(line.state, "rejected")
        self.assertEqual(len(self._current_lines(-1000)), 1, "given back once")
        self.assertEqual(inv.payment_state, "not_paid")
