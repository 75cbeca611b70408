from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine import privilege


class CreditWriteoffWizard(models.TransientModel):
    """Writes chosen items of a case off as bad debt: one posted entry, the
    loss on the bad-debt account, each item settled by its own line."""

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

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise AccessError(self.env._("Only a Credit Control Manager may write debts off."))
        self._check_items()
        with privilege.granted(privilege.WRITEOFF_ENTRY):
            move = (
                self.env["account.move"].with_company(self.company_id).create(self._move_values())
            )
        move._post(soft=False)
        # The item lines are created first, in the order of the items.
        counterparts = move.line_ids.sorted("id")[: len(self.item_ids)]
        for item, counterpart in zip(self.item_ids, counterparts, strict=True):
            (item | counterpart).reconcile()
        case = self.case_id
        case.message_post(
            body=self.env._(
                "%(amount)s %(currency)s written off (%(entry)s): %(reason)s",
                amount=self.amount,
                currency=self.currency_id.name,
                entry=move.name,
                reason=self.reason,
            )
        )
        case._close_if_settled()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
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

    def _move_values(self):
        label = self.env._("Bad debt: %s", self.reason)
        item_lines = [
            Command.create(
                {
                    "name": label,
                    "account_id": item.account_id.id,
                    "partner_id": item.partner_id.id,
                    "currency_id": item.currency_id.id,
                    "amount_currency": -item.amount_residual_currency,
                    "balance": -item.amount_residual,
                }
            )
            for item in self.item_ids
        ]
        loss = Command.create(
            {
                "name": label,
                "account_id": self.account_id.id,
                "partner_id": self.partner_id.id,
                "currency_id": self.currency_id.id,
                "amount_currency": self.amount,
                "balance": self.amount,
            }
        )
        return {
            "move_type": "entry",
            "journal_id": self.journal_id.id,
            "date": self.date,
            "ref": self.env._(
                "Write-off %(case)s: %(reason)s", case=self.case_id.name, reason=self.reason
            ),
            "credit_writeoff_case_id": self.case_id.id,
            "line_ids": [*item_lines, loss],
        }
