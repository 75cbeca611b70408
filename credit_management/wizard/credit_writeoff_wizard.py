from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import privilege
from ..models.res_company import WRITEOFF_ACCOUNT_TYPES


class CreditWriteoffWizard(models.TransientModel):
    """Writes chosen items of a case off as bad debt.

    The bad-debt account gets the amount net of tax; the output tax of the
    invoices is reversed, by the company's choice, either by a credit note
    per invoice (the written-off share of its lines on the bad-debt account,
    with the invoice's taxes, reconciled with it as any credit note) or by
    tax lines on one write-off entry (the taxes' refund distribution and
    tags, as a credit note would carry). Cash-basis tax that was never due
    stays out of the tax report: a credit note's cash-basis entries cancel
    the invoice's, and the entry clears the transition account without any
    cash-basis entry. Items of other entries (no invoice, no known tax) are
    written off gross on one entry."""

    _name = "credit.writeoff.wizard"
    _description = "Write Off Bad Debt"
    _check_company_auto = True

    case_id = fields.Many2one("credit.collection.case", required=True, readonly=True)
    company_id = fields.Many2one(related="case_id.company_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(related="case_id.partner_id")
    item_ids = fields.Many2many(
        "account.move.line",
        string="Items to Write Off",
        compute="_compute_item_ids",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('id', 'in', available_item_ids)]",
    )
    available_item_ids = fields.Many2many(
        "account.move.line", compute="_compute_available_item_ids", string="Open Items of the Case"
    )
    reason = fields.Text(required=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        check_company=True,
        compute="_compute_accounts",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('type', '=', 'general'), ('company_id', '=', company_id)]",
    )
    account_id = fields.Many2one(
        "account.account",
        string="Bad Debt Account",
        required=True,
        check_company=True,
        compute="_compute_accounts",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('account_type', 'in', ('expense', 'expense_other'))]",
    )
    tax_mode = fields.Selection(related="company_id.credit_writeoff_tax_mode")
    amount = fields.Monetary(compute="_compute_amount", string="Amount Written Off")

    @api.depends("case_id")
    def _compute_available_item_ids(self):
        for wizard in self:
            wizard.available_item_ids = wizard.case_id.item_ids.filtered(
                lambda line: line.amount_residual > 0 and line.parent_state == "posted"
            )

    @api.depends("case_id")
    def _compute_item_ids(self):
        for wizard in self:
            wizard.item_ids = wizard.item_ids or wizard.available_item_ids

    @api.depends("case_id")
    def _compute_accounts(self):
        for wizard in self:
            company = wizard.case_id.company_id
            wizard.journal_id = wizard.journal_id or company.credit_writeoff_journal_id
            wizard.account_id = wizard.account_id or company.credit_writeoff_account_id

    @api.depends("item_ids")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = sum(wizard.item_ids.mapped("amount_residual"))

    @api.constrains("account_id")
    def _check_account_id(self):
        for wizard in self:
            if wizard.account_id.account_type not in WRITEOFF_ACCOUNT_TYPES:
                raise ValidationError(
                    self.env._(
                        "A bad debt is written off to an expense account; %s is not one.",
                        wizard.account_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Action
    # ------------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise AccessError(self.env._("Only a Credit Control Manager may write debts off."))
        self._check_items()
        self._check_account_id()
        amount = self.amount
        # The entries name the case they write off: a link only this flow sets.
        with privilege.granted(privilege.WRITEOFF_ENTRY):
            moves = self._write_off()
        case = self.case_id
        case.message_post(
            body=self.env._(
                "%(amount)s %(currency)s written off (%(entries)s): %(reason)s",
                amount=amount,
                currency=self.currency_id.name,
                entries=", ".join(moves.mapped("name")),
                reason=self.reason,
            )
        )
        case._close_if_settled()
        action = {"type": "ir.actions.act_window", "res_model": "account.move"}
        if len(moves) == 1:
            return {**action, "res_id": moves.id, "view_mode": "form"}
        return {
            **action,
            "name": self.env._("Write-off of %s", case.name),
            "view_mode": "list,form",
            "domain": [("id", "in", moves.ids)],
        }

    def _check_items(self):
        if not self.item_ids:
            raise UserError(self.env._("Choose the items to write off."))
        strangers = self.item_ids - self.available_item_ids
        if strangers:
            raise UserError(
                self.env._(
                    "These items are not open items of the case: %s",
                    ", ".join(strangers.mapped("display_name")),
                )
            )

    def _write_off(self):
        """Posts and reconciles the write-off; returns the moves posted."""
        by_move = self.item_ids.sorted("id").grouped("move_id")
        moves = self.env["account.move"]
        if self.company_id.credit_writeoff_tax_mode == "refund":
            for invoice, items in by_move.items():
                if invoice.move_type == "out_invoice":
                    moves |= self._write_off_by_refund(invoice, items)
            by_move = {m: items for m, items in by_move.items() if m.move_type != "out_invoice"}
        if by_move:
            moves |= self._write_off_by_entry(by_move)
        return moves

    # ------------------------------------------------------------------
    # Shares of an invoice
    # ------------------------------------------------------------------

    @api.model
    def _share(self, invoice, items):
        """Part of the invoice (0 to 1, in its currency) the items write off."""
        terms = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        total = sum(terms.mapped("amount_currency"))
        return sum(items.mapped("amount_residual_currency")) / total if total else 0.0

    @api.model
    def _settles_invoice(self, invoice, items):
        """The items are all that is still open on the invoice."""
        return invoice.currency_id.is_zero(
            invoice.amount_residual - sum(items.mapped("amount_residual_currency"))
        )

    def _convert(self, amount, currency):
        """``amount`` in ``currency`` in company currency at the write-off date."""
        company = self.company_id
        return currency._convert(amount, company.currency_id, company, self.date)

    # ------------------------------------------------------------------
    # Credit note
    # ------------------------------------------------------------------

    def _write_off_by_refund(self, invoice, items):
        """A credit note for the written-off share of ``invoice``, reconciled
        with its items as Odoo reconciles any credit note (exchange
        difference and cash-basis entries included)."""
        target = sum(items.mapped("amount_residual_currency"))
        share = self._share(invoice, items)
        refund = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(self._refund_values(invoice, share))
        )
        terms = refund.line_ids.filtered(lambda line: line.display_type == "payment_term")
        if terms.account_id != items.account_id:
            terms.account_id = items.account_id[:1]
        self._adjust_refund(refund, target)
        # Posting a credit note of an invoice reconciles the two (Odoo does,
        # as for any credit note); what it left is reconciled here.
        refund._post(soft=False)
        for account, account_items in items.grouped("account_id").items():
            counterparts = refund.line_ids.filtered(
                lambda line, acc=account: line.account_id == acc and not line.reconciled
            )
            open_items = account_items.filtered(lambda line: not line.reconciled)
            if open_items and counterparts:
                (open_items | counterparts).reconcile()
        return refund

    def _refund_values(self, invoice, share):
        label = self.env._("Bad debt: %s", self.reason)
        lines = [
            Command.create(
                {
                    "name": f"{label} ({line.name})" if line.name else label,
                    "account_id": self.account_id.id,
                    "quantity": 1.0,
                    "price_unit": self._refund_price_unit(invoice, line, share),
                    "tax_ids": [Command.set(line.tax_ids.ids)],
                    "analytic_distribution": line.analytic_distribution,
                }
            )
            for line in invoice.invoice_line_ids
            if line.display_type == "product" and not line.currency_id.is_zero(line.price_subtotal)
        ]
        return {
            "move_type": "out_refund",
            "partner_id": invoice.partner_id.id,
            "journal_id": invoice.journal_id.id,
            "currency_id": invoice.currency_id.id,
            "fiscal_position_id": invoice.fiscal_position_id.id,
            "invoice_date": self.date,
            "date": self.date,
            "invoice_date_due": self.date,
            "invoice_payment_term_id": False,
            "reversed_entry_id": invoice.id,
            "invoice_origin": invoice.name,
            "ref": self.env._(
                "Bad debt write-off of %(invoice)s (%(case)s): %(reason)s",
                invoice=invoice.name,
                case=self.case_id.name,
                reason=self.reason,
            ),
            "credit_writeoff_case_id": self.case_id.id,
            "invoice_line_ids": lines,
        }

    def _refund_price_unit(self, invoice, line, share):
        """The line's share net of tax, plus the share of its taxes included
        in the price (the refund line's price includes them as the
        invoice's did)."""
        AccountTax = self.env["account.tax"]
        included = 0.0
        if line.tax_ids.filtered("price_include"):
            base_line = invoice._prepare_product_base_line_for_taxes_computation(line)
            AccountTax._add_tax_details_in_base_line(base_line, invoice.company_id)
            included = sum(
                data["raw_tax_amount_currency"]
                for data in base_line["tax_details"]["taxes_data"]
                if data["tax"].price_include
            )
        return line.currency_id.round((line.price_subtotal + included) * share)

    def _adjust_refund(self, refund, target):
        """Rounding each line's share may leave the credit note a cent off
        the items it settles: the tax absorbs it (as an edited tax amount
        would), else the largest line."""
        diff = refund.currency_id.round(target - refund.amount_total)
        if refund.currency_id.is_zero(diff):
            return
        tax_lines = refund.line_ids.filtered("tax_repartition_line_id")
        if tax_lines:
            line = max(tax_lines, key=lambda line: abs(line.amount_currency))
            refund.line_ids = [
                Command.update(line.id, {"amount_currency": line.amount_currency + diff})
            ]
        else:
            line = max(refund.invoice_line_ids, key=lambda line: abs(line.price_subtotal))
            line.price_unit += diff

    # ------------------------------------------------------------------
    # Journal entry
    # ------------------------------------------------------------------

    def _write_off_by_entry(self, by_move):
        """One entry settling the items; the tax of invoices reversed by its
        own tax lines. Reconciled without cash-basis entries: cash-basis tax
        was never due, its transition amount is cleared instead."""
        lines, to_reconcile = [], []
        for move, items in by_move.items():
            move_lines, pairs = self._entry_lines(move, items)
            to_reconcile += [(len(lines) + index, origin) for index, origin in pairs]
            lines += move_lines
        entry = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": self.journal_id.id,
                    "date": self.date,
                    "ref": self.env._(
                        "Write-off %(case)s: %(reason)s",
                        case=self.case_id.name,
                        reason=self.reason,
                    ),
                    "credit_writeoff_case_id": self.case_id.id,
                    "line_ids": [Command.create(values) for values in lines],
                }
            )
        )
        entry._post(soft=False)
        created = entry.line_ids.sorted("id")
        for index, origin in to_reconcile:
            (origin | created[index]).with_context(no_cash_basis=True).reconcile()
        return entry

    def _entry_lines(self, move, items):
        """Line values settling ``items`` of ``move`` and the pairs (index of
        the new line, line of the origin) to reconcile."""
        currency = items.currency_id[:1] or self.currency_id
        foreign = currency != self.currency_id
        label = self.env._("Bad debt: %s", self.reason)
        lines, pairs = [], []
        for item in items:
            balance = self._convert(item.amount_residual_currency, currency) if foreign else None
            pairs.append((len(lines), item))
            lines.append(
                {
                    "name": label,
                    "account_id": item.account_id.id,
                    "partner_id": item.partner_id.id,
                    "currency_id": currency.id,
                    "amount_currency": -item.amount_residual_currency,
                    "balance": -(item.amount_residual if balance is None else balance),
                }
            )
        total_currency = -sum(line["amount_currency"] for line in lines)
        total_balance = -sum(line["balance"] for line in lines)
        tax_lines = []
        if move.move_type == "out_invoice":
            tax_lines = self._entry_tax_lines(move, items, currency)
        for values, origin in tax_lines:
            if origin:
                pairs.append((len(lines), origin))
            lines.append(values)
        net_currency = total_currency - sum(values["amount_currency"] for values, _o in tax_lines)
        net_balance = total_balance - sum(values["balance"] for values, _o in tax_lines)
        lines += self._entry_base_lines(move, items, currency, net_currency, net_balance)
        return lines, pairs

    def _entry_tax_lines(self, invoice, items, currency):
        """Reversal of the invoice's tax lines for the share written off: the
        tax's refund distribution and tags (as on a credit note); cash-basis
        tax goes back to its transition account without tags, to be
        reconciled with the invoice's (it never reached the tax report)."""
        share = self._share(invoice, items)
        settles = self._settles_invoice(invoice, items)
        result = []
        for tax_line in invoice.line_ids.filtered("tax_repartition_line_id"):
            tax = tax_line.tax_line_id
            if tax.tax_exigibility == "on_payment":
                amount = (
                    -tax_line.amount_residual_currency
                    if settles
                    else currency.round(-tax_line.amount_currency * share)
                )
                values = {"account_id": tax_line.account_id.id}
                origin = tax_line if tax_line.account_id.reconcile else None
            else:
                amount = currency.round(-tax_line.amount_currency * share)
                refund_line = self._refund_repartition(tax_line.tax_repartition_line_id)
                base = currency.round(abs(tax_line.tax_base_amount) * share)
                values = {
                    "account_id": (refund_line.account_id or tax_line.account_id).id,
                    "tax_repartition_line_id": refund_line.id,
                    "tax_ids": [Command.set(tax_line.tax_ids.ids)],
                    "tax_tag_ids": [Command.set(refund_line.tag_ids.ids)],
                    "tax_base_amount": self._convert(base, currency)
                    if currency != self.currency_id
                    else base,
                }
                origin = None
            if currency.is_zero(amount):
                continue
            values.update(
                {
                    "name": tax_line.name,
                    "partner_id": tax_line.partner_id.id,
                    "currency_id": currency.id,
                    "amount_currency": amount,
                    "balance": self._convert(amount, currency)
                    if currency != self.currency_id
                    else amount,
                }
            )
            result.append((values, origin))
        return result

    @api.model
    def _refund_repartition(self, invoice_line):
        """The refund repartition line matching an invoice one of the same tax."""
        tax = invoice_line.tax_id
        invoice_lines = tax.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).sorted("sequence")
        refund_lines = tax.refund_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).sorted("sequence")
        index = list(invoice_lines).index(invoice_line)
        return refund_lines[index] if index < len(refund_lines) else refund_lines[:1]

    def _entry_base_lines(self, move, items, currency, net_currency, net_balance):
        """Bad-debt lines, net of tax, one per set of taxes reported on the
        invoice when paid (on-invoice taxes) with their refund base tags;
        the last takes the rounding remainder."""
        label = self.env._("Bad debt: %s", self.reason)
        groups = {}
        if move.move_type == "out_invoice":
            share = self._share(move, items)
            for line in move.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
                taxes = line.tax_ids.filtered(lambda tax: tax.tax_exigibility != "on_payment")
                groups.setdefault(taxes, 0.0)
                groups[taxes] += line.price_subtotal * share
        groups = list(groups.items()) or [(self.env["account.tax"], net_currency)]
        lines = []
        left_currency, left_balance = net_currency, net_balance
        for position, (taxes, amount) in enumerate(groups):
            last = position == len(groups) - 1
            amount_currency = left_currency if last else currency.round(amount)
            if last:
                balance = left_balance
            elif currency != self.currency_id:
                balance = self._convert(amount_currency, currency)
            else:
                balance = amount_currency
            left_currency -= amount_currency
            left_balance -= balance
            values = {
                "name": label,
                "account_id": self.account_id.id,
                "partner_id": self.partner_id.id,
                "currency_id": currency.id,
                "amount_currency": amount_currency,
                "balance": balance,
            }
            if taxes:
                values["tax_ids"] = [Command.set(taxes.ids)]
                values["tax_tag_ids"] = [Command.set(taxes.get_tax_tags(True, "base").ids)]
            lines.append(values)
        return lines
