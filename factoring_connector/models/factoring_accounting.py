"""Factoring entries, booked the way Odoo books the same events.

Vocabulary (see the readme): the *Factor Current Account* of the contract
holds what the factor owes us (debit) for the documents transferred to it;
the *reserve* is what it holds back per document until the debtor pays; fees
are vendor bills from the factor, netted against the current account.

1. transfer at acknowledgement: receivable -> current account, reconciled
   with the document (the document is paid by the transfer);
2. rejection after transfer and 5. recourse buy-back: current account ->
   receivable, the document open again;
3. funding: reserve per document, fee bill netted, advance received;
4. settlement: reserve released, discount fee bill netted.

Every public entry point validates everything before booking anything.
"""

import logging
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import UserError

from .factoring_batch import BATCH_ACTION

_logger = logging.getLogger(__name__)

SETTLE_STATES = [("open", "Open"), ("settled", "Settled"), ("bought_back", "Bought Back")]


class FactoringBatch(models.Model):
    _inherit = "factoring.batch"

    transfer_move_id = fields.Many2one(
        "account.move", string="Transfer Entry", readonly=True, copy=False, check_company=True
    )
    funding_move_id = fields.Many2one(
        "account.move", string="Funding Entry", readonly=True, copy=False, check_company=True
    )
    fee_bill_id = fields.Many2one(
        "account.move", string="Fee Bill", readonly=True, copy=False, check_company=True
    )
    advance_payment_id = fields.Many2one(
        "account.payment", string="Advance Received", readonly=True, copy=False, check_company=True
    )
    entry_ids = fields.Many2many(
        "account.move",
        "factoring_batch_entry_rel",
        "batch_id",
        "move_id",
        string="Factoring Entries",
        readonly=True,
        copy=False,
        help="Every entry and bill the factoring of this batch booked.",
    )
    entry_count = fields.Integer(compute="_compute_entry_count")

    @api.depends("entry_ids")
    def _compute_entry_count(self):
        for batch in self:
            batch.entry_count = len(batch.entry_ids)

    def action_open_entries(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Entries of %s", self.name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.entry_ids.ids)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _check_accounting(self, funding=False, fees=None):
        """Raises a UserError naming what the contracts lack to book the
        transfer (and the funding; its fees unless ``fees`` is False)."""
        fees = funding if fees is None else fees
        for contract in self.contract_id:
            missing = []
            if not contract.journal_id:
                missing.append(self.env._("Journal"))
            if not contract.factor_receivable_account_id:
                missing.append(self.env._("Factor Current Account"))
            if funding and contract.reserve_percent and not contract.reserve_account_id:
                missing.append(self.env._("Reserve Account"))
            charged = (
                contract.service_fee_percent or contract.batch_fee or contract.discount_rate_daily
            )
            if fees and charged and not contract.fee_account_id:
                missing.append(self.env._("Fees Account"))
            if missing:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s cannot book its factoring entries: choose its "
                        "%(missing)s.",
                        contract=contract.name,
                        missing=", ".join(missing),
                    )
                )

    def _link_entries(self, moves):
        with privilege.granted(BATCH_ACTION):
            for batch in self:
                batch.entry_ids = [Command.link(move.id) for move in moves]

    # ------------------------------------------------------------------
    # 1. Transfer
    # ------------------------------------------------------------------

    def _book_transfer(self):
        """Transfers the accepted documents of the batch to the factor: one
        posted entry, each document reconciled with its own line."""
        self.ensure_one()
        lines = self.line_ids.filtered(
            lambda ln: ln.live and ln.state == "accepted" and not ln.transfer_line_id
        )
        if not lines:
            return self.env["account.move"]
        contract = self.contract_id
        date = fields.Date.context_today(self)
        vals, plans = [], []
        for line in lines:
            receivables = line._open_receivable_lines()
            if not receivables:
                raise UserError(
                    self.env._(
                        "Document %s has nothing left to transfer to the factor: it was paid "
                        "meanwhile. Reject it in the batch, then acknowledge.",
                        line.move_id.name,
                    )
                )
            plans.append(receivables)
            vals += line._transfer_line_vals(receivables, date)
        move = self._post_entry(
            contract, date, self.env._("Factoring transfer %s", self.name), vals
        )
        # Two lines a document, in the order of ``lines``: its own, the factor's.
        customer_lines = move.line_ids.sorted("id")[0::2]
        self.env["account.move.line"]._reconcile_plan(
            [plan | aml for plan, aml in zip(plans, customer_lines, strict=True)]
        )
        with privilege.granted(BATCH_ACTION):
            for line, aml in zip(lines, customer_lines, strict=True):
                line.write({"transfer_line_id": aml.id, "transferred_amount": -aml.balance})
            self.write({"transfer_move_id": move.id})
        self._link_entries(move)
        return move

    def _post_entry(self, contract, date, ref, line_vals):
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": contract.journal_id.id,
                "company_id": contract.company_id.id,
                "date": date,
                "ref": ref,
                "line_ids": [Command.create(vals) for vals in line_vals],
            }
        )
        move._post(soft=False)
        return move

    # ------------------------------------------------------------------
    # 3. Funding
    # ------------------------------------------------------------------

    def _book_funding(self, date):
        """Reserve per document, the fee bill netted against the current
        account, the advance received on the funding journal."""
        self.ensure_one()
        contract = self.contract_id
        company = contract.company_id
        currency = company.currency_id
        lines = self.line_ids.filtered(lambda ln: ln.live and ln.transfer_line_id)
        funded = lines.filtered("date_funded")
        if funded:
            raise UserError(
                self.env._("Document %s is already funded by the factor.", funded[0].move_id.name)
            )
        total = sum(lines.mapped("transferred_amount"))
        # The factor charges its service on what it finances and pays no fee
        # back: a batch whose credit notes outweigh its invoices bears none
        # (a negative bill is no bill Odoo posts; a refund would be wrong).
        service = max(currency.round(total * contract.service_fee_percent / 100), 0.0)
        batch_fee = contract.currency_id._convert(contract.batch_fee, currency, company, date)
        bill = contract._fee_bill(
            date,
            self.name,
            [
                (self.env._("Service fee %s", self.name), service),
                (self.env._("Batch fee"), batch_fee),
            ],
        )
        vals, reserves = [], []
        for line in lines:
            amount = currency.round(line.transferred_amount * contract.reserve_percent / 100)
            index = None
            if not currency.is_zero(amount):
                index = len(vals)
                vals.append(contract._line(contract.reserve_account_id, amount, line.move_id.name))
            reserves.append((line, amount, index))
        reserve_total = sum(amount for _line, amount, _index in reserves)
        if not currency.is_zero(reserve_total):
            vals.append(contract._current_line(-reserve_total, self.env._("Reserve %s", self.name)))
        vals += contract._netting_vals(bill)
        move = self.env["account.move"]
        if vals:
            ref = self.env._("Factoring funding %s", self.name)
            move = self._post_entry(contract, date, ref, vals)
            contract._reconcile_netting(bill, move)
        amls = move.line_ids.sorted("id")
        advance = currency.round(total * contract.advance_percent / 100) - bill.amount_total
        payment = contract._advance_payment(date, advance, self.name)
        with privilege.granted(BATCH_ACTION):
            for line, amount, index in reserves:
                line.write(
                    {
                        "reserve_amount": amount,
                        "reserve_line_id": amls[index].id if index is not None else False,
                        "date_funded": date,
                    }
                )
            self.write(
                {
                    "funding_move_id": move.id,
                    "fee_bill_id": bill.id,
                    "advance_payment_id": payment.id,
                }
            )
        self._link_entries(move | bill | payment.move_id)
        return move


class FactoringContract(models.Model):
    _inherit = "factoring.contract"

    def _line(self, account, balance, name, partner=None):
        return {
            "account_id": account.id,
            "partner_id": (partner or self.factor_id).id,
            "balance": balance,
            "name": name,
        }

    def _current_line(self, balance, name):
        """A line on the Factor Current Account: debit, the factor owes us."""
        return self._line(self.factor_receivable_account_id, balance, name)

    def _fee_bill(self, date, ref, fees):
        """The factor's bill of ``fees`` [(label, amount)], posted; an empty
        bill when every fee is zero."""
        self.ensure_one()
        currency = self.company_id.currency_id
        invoice_lines = [
            Command.create(
                {
                    "name": name,
                    "quantity": 1,
                    "price_unit": amount,
                    "account_id": self.fee_account_id.id,
                    "tax_ids": [Command.set(self.fee_tax_ids.ids)],
                }
            )
            for name, amount in fees
            if not currency.is_zero(amount)
        ]
        if not invoice_lines:
            return self.env["account.move"]
        bill = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.factor_id.id,
                    "company_id": self.company_id.id,
                    "currency_id": currency.id,
                    "invoice_date": date,
                    "date": date,
                    "ref": ref,
                    "invoice_line_ids": invoice_lines,
                }
            )
        )
        bill._post(soft=False)
        return bill

    def _netting_vals(self, bill):
        """Pays ``bill`` out of the current account: Dr payable / Cr current."""
        if not bill:
            return []
        payable = bill.line_ids.filtered(lambda aml: aml.display_type == "payment_term")
        name = self.env._("Fees %s", bill.name)
        return [
            *(self._line(aml.account_id, -aml.balance, name) for aml in payable),
            self._current_line(sum(payable.mapped("balance")), name),
        ]

    def _reconcile_netting(self, bill, move):
        if not bill:
            return
        payable = bill.line_ids.filtered(lambda aml: aml.display_type == "payment_term")
        netting = move.line_ids.filtered(
            lambda aml: aml.account_id in payable.account_id and aml.partner_id == self.factor_id
        )
        (payable | netting).reconcile()

    def _advance_payment(self, date, amount, memo):
        """The advance the factor pays on the funding journal, its
        counterpart on the current account; none without a funding journal."""
        self.ensure_one()
        currency = self.company_id.currency_id
        if not self.funding_journal_id or currency.compare_amounts(amount, 0) <= 0:
            return self.env["account.payment"]
        payment = (
            self.env["account.payment"]
            .with_company(self.company_id)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.factor_id.id,
                    "company_id": self.company_id.id,
                    "journal_id": self.funding_journal_id.id,
                    "currency_id": currency.id,
                    "amount": amount,
                    "date": date,
                    "memo": memo,
                    "destination_account_id": self.factor_receivable_account_id.id,
                }
            )
        )
        payment.action_post()
        return payment


class FactoringBatchLine(models.Model):
    _inherit = "factoring.batch.line"

    settle_state = fields.Selection(
        selection=SETTLE_STATES,
        string="Settlement",
        required=True,
        default="open",
        readonly=True,
        copy=False,
        help="Settled: the debtor paid the factor and the reserve is released. Bought back: "
        "the document came back to us under the recourse.",
    )
    date_funded = fields.Date(readonly=True, copy=False)
    date_settled = fields.Date(readonly=True, copy=False)
    transfer_line_id = fields.Many2one(
        "account.move.line",
        string="Transfer Item",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The receivable line of the transfer entry that paid the document.",
    )
    reserve_line_id = fields.Many2one(
        "account.move.line",
        string="Reserve Item",
        readonly=True,
        copy=False,
        check_company=True,
    )
    return_line_id = fields.Many2one(
        "account.move.line",
        string="Return Item",
        readonly=True,
        copy=False,
        check_company=True,
        help="The receivable line that gave the document back (rejection or buy-back).",
    )
    transferred_amount = fields.Monetary(
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        help="What the transfer moved to the Factor Current Account (company currency).",
    )
    reserve_amount = fields.Monetary(
        currency_field="company_currency_id", readonly=True, copy=False
    )
    discount_fee = fields.Monetary(currency_field="company_currency_id", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------

    def _open_receivable_lines(self):
        self.ensure_one()
        return self.move_id.line_ids.filtered(
            lambda aml: aml.account_type == "asset_receivable" and not aml.reconciled
        )

    def _transfer_line_vals(self, receivables, date):
        """The customer-side line (the document's residual, in its currency,
        at the rate of ``date``) and the Factor Current line."""
        self.ensure_one()
        contract, company = self.contract_id, self.company_id
        doc_currency = self.move_id.currency_id
        residual_currency = sum(receivables.mapped("amount_residual_currency"))
        if doc_currency == company.currency_id:
            balance = sum(receivables.mapped("amount_residual"))
        else:
            balance = doc_currency._convert(residual_currency, company.currency_id, company, date)
        name = self.move_id.name
        return [
            {
                "account_id": receivables[0].account_id.id,
                "partner_id": receivables[0].partner_id.id,
                "currency_id": doc_currency.id,
                "amount_currency": -residual_currency,
                "balance": -balance,
                "name": self.env._(
                    "Transferred to %(factor)s: %(doc)s", factor=contract.factor_id.name, doc=name
                ),
            },
            contract._current_line(balance, name),
        ]

    def _return_line_vals(self, date, label):
        """Reverses the transfer of the line: the customer-side line (at the
        transfer's amounts: fully reconciled with it) and the current account."""
        self.ensure_one()
        transfer = self.transfer_line_id
        return [
            {
                "account_id": transfer.account_id.id,
                "partner_id": transfer.partner_id.id,
                "currency_id": transfer.currency_id.id,
                "amount_currency": -transfer.amount_currency,
                "balance": -transfer.balance,
                "date_maturity": date,
                "name": f"{label}: {self.move_id.name}",
            },
            self.contract_id._current_line(transfer.balance, self.move_id.name),
        ]

    def _release_vals(self):
        """Reserve released: Dr current / Cr reserve."""
        self.ensure_one()
        if not self.reserve_line_id:
            return []
        contract = self.contract_id
        name = self.env._("Reserve released: %s", self.move_id.name)
        return [
            contract._current_line(self.reserve_amount, name),
            contract._line(contract.reserve_account_id, -self.reserve_amount, name),
        ]

    # ------------------------------------------------------------------
    # 2. Rejection after transfer, 5. buy-back: the document open again
    # ------------------------------------------------------------------

    def _book_return(self, date, label, release=False):
        """Gives the transferred documents of ``self`` (one contract) back:
        one entry; each document unreconciled from its transfer, whose line
        is reconciled with the return line instead."""
        if not self:
            return self.env["account.move"]
        returned = self.filtered("return_line_id")
        if returned or len(self) != len(set(self.ids)):
            raise UserError(
                self.env._("Document %s is already given back.", (returned or self)[0].move_id.name)
            )
        contract = self.contract_id
        contract.ensure_one()
        vals, customer_index, release_index = [], [], []
        for line in self:
            customer_index.append(len(vals))
            vals += line._return_line_vals(date, label)
            if release:
                release_index.append(len(vals) + 1)
                vals += line._release_vals()
        move = self.batch_id[:1]._post_entry(
            contract, date, f"{label} {', '.join(self.batch_id.mapped('name'))}", vals
        )
        amls = move.line_ids.sorted("id")
        returns = [amls[index] for index in customer_index]
        self.transfer_line_id.remove_move_reconcile()
        plans = [line.transfer_line_id | aml for line, aml in zip(self, returns, strict=True)]
        if release:
            plans += self._release_plans(amls, release_index)
        self.env["account.move.line"]._reconcile_plan(plans)
        with privilege.granted(BATCH_ACTION):
            for line, aml in zip(self, returns, strict=True):
                line.return_line_id = aml
        self.batch_id._link_entries(move)
        return move

    def _release_plans(self, amls, release_index):
        """Each reserve line with its release line (at ``release_index`` in
        ``amls``, lines without a reserve skipped)."""
        plans = []
        for line, index in zip(self, release_index, strict=True):
            if line.reserve_line_id:
                plans.append(line.reserve_line_id | amls[index])
        return plans

    # ------------------------------------------------------------------
    # 4. Settlement, 5. buy-back: the API of the statement import
    # ------------------------------------------------------------------

    def _check_settleable(self, action, fees=True):
        if len(self) != len(set(self.ids)):
            raise UserError(self.env._("A document appears twice: it is booked once."))
        allowed = self.env.companies
        for line in self:
            if line.company_id not in allowed:
                raise UserError(
                    self.env._("Document %s belongs to another company.", line.move_id.name)
                )
            if line.batch_id.state != "funded" or not line.live or not line.date_funded:
                raise UserError(
                    self.env._(
                        "Document %(doc)s is not funded by the factor: it cannot be %(action)s.",
                        doc=line.move_id.name,
                        action=action,
                    )
                )
            if line.settle_state != "open":
                raise UserError(
                    self.env._(
                        "Document %(doc)s is already %(state)s.",
                        doc=line.move_id.name,
                        state=dict(SETTLE_STATES)[line.settle_state],
                    )
                )
        self.batch_id._check_accounting(funding=True, fees=fees)

    def _discount_fees(self, paid_date):
        """{line: (days, discount fee)}: rate a day x advance of the document
        x days from funding to payment; credit notes carry no advance, hence
        no fee."""
        fees = {}
        for line in self:
            contract = line.contract_id
            days = max((paid_date - line.date_funded).days, 0)
            advance = line.transferred_amount * contract.advance_percent / 100
            fee = line.company_currency_id.round(
                advance * contract.discount_rate_daily / 100 * days
            )
            fees[line] = (days, max(fee, 0.0))
        return fees

    def _factoring_settle(self, date, paid_date=None):
        """The debtors paid the factor (on ``paid_date``, else ``date``): per
        document its reserve released (reconciled with the reserve line), and
        the discount fees billed by the factor (one bill per contract),
        netted against the current account. Validates every line first."""
        # A repeated id (browse([id, id]) by RPC) settles once.
        return self.browse(dict.fromkeys(self.ids))._settle(date, paid_date)

    def _settle(self, date, paid_date=None):
        self.batch_id._check_sender()
        self._check_settleable(self.env._("settled"))
        date = fields.Date.to_date(date)
        paid_date = fields.Date.to_date(paid_date) or date
        fees = self._discount_fees(paid_date)
        moves = self.env["account.move"]
        for contract in self.contract_id:
            lines = self.filtered(lambda ln, c=contract: ln.contract_id == c)
            moves |= lines._book_settlement(date, fees)
        with privilege.granted(BATCH_ACTION):
            for line in self:
                line.write(
                    {
                        "settle_state": "settled",
                        "date_settled": paid_date,
                        "discount_fee": fees[line][1],
                    }
                )
        return moves

    def _book_settlement(self, date, fees):
        contract = self.contract_id
        bill_lines = [
            (
                self.env._(
                    "Discount fee %(doc)s (%(days)s days)",
                    doc=line.move_id.name,
                    days=fees[line][0],
                ),
                fees[line][1],
            )
            for line in self
        ]
        label = ", ".join(self.batch_id.mapped("name"))
        bill = contract._fee_bill(date, label, bill_lines)
        vals, release_index = [], []
        for line in self:
            release_index.append(len(vals) + 1)
            vals += line._release_vals()
        vals += contract._netting_vals(bill)
        if not vals:
            return bill
        move = self.batch_id[:1]._post_entry(
            contract, date, self.env._("Factoring settlement %s", label), vals
        )
        amls = move.line_ids.sorted("id")
        self.env["account.move.line"]._reconcile_plan(self._release_plans(amls, release_index))
        contract._reconcile_netting(bill, move)
        for batch in self.batch_id:
            batch._link_entries(move | bill)
        return move | bill

    def _factoring_buy_back(self, date):
        """Recourse: buys back these documents the debtors did not pay the
        factor. Each document is open (and overdue) again, its reserve
        released. Validates every line first."""
        # A repeated id (browse([id, id]) by RPC) buys back once.
        return self.browse(dict.fromkeys(self.ids))._buy_back(date)

    def _buy_back(self, date):
        self.batch_id._check_sender()
        # A buy-back bills no fee: no Fees Account needed.
        self._check_settleable(self.env._("bought back"), fees=False)
        without = self.filtered(lambda ln: ln.contract_id.recourse != "with")
        if without:
            raise UserError(
                self.env._(
                    "Document %s is factored without recourse: the factor bears its default.",
                    without[0].move_id.name,
                )
            )
        date = fields.Date.to_date(date)
        moves = self.env["account.move"]
        for contract in self.contract_id:
            lines = self.filtered(lambda ln, c=contract: ln.contract_id == c)
            moves |= lines._book_return(date, self.env._("Factoring buy-back"), release=True)
        with privilege.granted(BATCH_ACTION):
            self.write({"settle_state": "bought_back", "date_settled": date})
        self._sync_invoices()
        return moves

    # ------------------------------------------------------------------
    # Actions and cron
    # ------------------------------------------------------------------

    def action_settle(self):
        """The debtors paid the factor today."""
        self._factoring_settle(fields.Date.context_today(self))

    def action_buy_back(self):
        self._factoring_buy_back(fields.Date.context_today(self))

    @api.model
    def _recourse_due_domain(self, today):
        return [
            ("live", "=", True),
            ("settle_state", "=", "open"),
            ("batch_id.state", "=", "funded"),
            ("date_funded", "!=", False),
            ("contract_id.recourse", "=", "with"),
            ("move_type", "=", "out_invoice"),
            ("invoice_date_due", "<", today),
        ]

    @api.model
    def _cron_buy_back(self):
        """Buys back, per company, the funded documents still unpaid after
        their due date plus the contract's recourse delay."""
        today = fields.Date.context_today(self)
        candidates = self.sudo().search(self._recourse_due_domain(today))
        due = candidates.filtered(
            lambda ln: ln.invoice_date_due + timedelta(days=ln.contract_id.recourse_days) < today
        )
        # One contract that cannot book does not stop the others.
        for contract in due.contract_id:
            lines = due.filtered(lambda ln, c=contract: ln.contract_id == c)
            try:
                with self.env.cr.savepoint():
                    lines.with_company(contract.company_id)._factoring_buy_back(today)
            except UserError as error:
                _logger.warning(
                    "Factoring buy-back of contract %s (id %s) failed: %s",
                    contract.name,
                    contract.id,
                    error,
                )
                contract.sudo().message_post(
                    body=self.env._("The daily recourse buy-back failed: %s", error)
                )
