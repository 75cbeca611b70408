from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import exposure

# Account types a bad debt may be charged to (not depreciation, not cost of revenue).
WRITEOFF_ACCOUNT_TYPES = ("expense", "expense_other")


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_check_mode = fields.Selection(
        selection=[
            ("none", "No check"),
            ("warn", "Warn"),
            ("block", "Block"),
        ],
        string="Credit Check",
        default="warn",
        required=True,
        help="What happens when a customer invoice is posted for a partner on hold or "
        "beyond its available credit: nothing, a logged warning, or a refusal that only "
        "a Credit Control Manager can override.",
    )
    credit_include_draft = fields.Boolean(
        string="Count Draft Invoices",
        help="Draft customer invoices count in exposure.",
    )
    credit_net_unapplied = fields.Boolean(
        string="Net Unapplied Credits",
        help="Unapplied payments and open credit notes reduce exposure.",
    )
    credit_check_group = fields.Boolean(
        string="Check Group Limits",
        default=True,
        help="A subsidiary's postings are also checked against the limit of its parent "
        "company, on the exposure of the whole group.",
    )

    # Dunning
    credit_dunning_policy_id = fields.Many2one(
        "credit.dunning.policy",
        string="Default Dunning Policy",
        help="Policy of customers whose risk class names none and who have none of their own.",
    )
    credit_dunning_post_charges = fields.Boolean(
        string="Post Reminder Charges",
        help="Fees, interest and compensation of a reminder are invoiced to the customer "
        "(one posted invoice per reminder) instead of only shown on it.",
    )
    credit_dunning_journal_id = fields.Many2one(
        "account.journal",
        string="Charges Journal",
        domain="[('type', '=', 'sale'), ('company_id', '=', id)]",
    )
    credit_dunning_fee_account_id = fields.Many2one(
        "account.account", string="Fees and Compensation Account"
    )
    credit_dunning_interest_account_id = fields.Many2one(
        "account.account", string="Late Interest Account"
    )
    credit_guardrails = fields.Boolean(
        string="Contact Rules",
        help="Apply quiet hours, a contact cap and the customers' cease and opt-out requests "
        "to reminders.",
    )
    credit_quiet_start = fields.Float(string="Contacts From", default=8.0)
    credit_quiet_end = fields.Float(string="Contacts Until", default=21.0)
    credit_contact_cap = fields.Integer(
        string="Contacts per Window", default=7, help="0 means no cap (Regulation F: 7)."
    )
    credit_contact_window = fields.Integer(string="Window (Days)", default=7)

    # Collections
    credit_collection_team_id = fields.Many2one(
        "credit.collection.team",
        string="Default Collection Team",
        help="Team of the cases that the dunning run opens, and of collectors in no team.",
    )
    credit_promise_grace_days = fields.Integer(
        string="Grace Days",
        default=3,
        help="Days after a promised date or an installment's date before it counts as broken "
        "(bank transfers take a day or two to arrive).",
    )
    credit_writeoff_journal_id = fields.Many2one(
        "account.journal",
        string="Write-off Journal",
        domain="[('type', '=', 'general'), ('company_id', '=', id)]",
    )
    credit_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Bad Debt Account",
        help="Expense account of written-off receivables.",
        domain="[('account_type', 'in', ('expense', 'expense_other'))]",
    )
    credit_writeoff_tax_mode = fields.Selection(
        selection=[
            ("refund", "Bad-debt credit note"),
            ("entry", "Tax lines on the write-off entry"),
        ],
        string="Output Tax of Write-offs",
        default="refund",
        required=True,
        help="How a write-off reverses the output tax of the invoices it settles: a credit "
        "note per invoice for the written-off share, with the invoice's taxes and its lines on "
        "the bad-debt account; or one journal entry whose tax lines reverse the tax. Either "
        "way the bad-debt account gets the amount net of tax, and cash-basis tax that was "
        "never due stays out of the tax report.",
    )

    @api.constrains(
        "credit_dunning_post_charges",
        "credit_dunning_journal_id",
        "credit_dunning_fee_account_id",
        "credit_dunning_interest_account_id",
    )
    def _check_credit_dunning_charges(self):
        for company in self.filtered("credit_dunning_post_charges"):
            if not (
                company.credit_dunning_journal_id
                and company.credit_dunning_fee_account_id
                and company.credit_dunning_interest_account_id
            ):
                raise ValidationError(
                    self.env._(
                        "To post reminder charges, %s needs a sales journal, a fees account "
                        "and an interest account.",
                        company.name,
                    )
                )

    @api.constrains("credit_writeoff_account_id")
    def _check_credit_writeoff_account(self):
        for company in self:
            account = company.credit_writeoff_account_id
            if account and account.account_type not in WRITEOFF_ACCOUNT_TYPES:
                raise ValidationError(
                    self.env._(
                        "The bad-debt account of %(company)s must be an expense account; "
                        "%(account)s is not.",
                        company=company.name,
                        account=account.display_name,
                    )
                )

    @api.constrains("credit_promise_grace_days")
    def _check_credit_promise_grace_days(self):
        if self.filtered(lambda c: c.credit_promise_grace_days < 0):
            raise ValidationError(self.env._("Grace days cannot be negative."))

    def init(self):
        result = super().init()
        exposure.create_functions(self.env.cr)
        return result
