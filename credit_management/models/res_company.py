from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import exposure, receivables

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
    credit_aging_days = fields.Char(
        string="Aging Buckets",
        default="30,60,90,120",
        required=True,
        help="Upper bounds in days of the overdue columns of the aged receivables, separated "
        "by commas: 30,60,90,120 gives not due, 1-30, 31-60, 61-90, 91-120 and over 120 days.",
    )

    # Cash-in forecast
    credit_forecast_fallback = fields.Selection(
        selection=[("company", "Company Average"), ("none", "Due Date")],
        string="Forecast Delay Fallback",
        default="company",
        required=True,
        help="Payment delay of a customer with too little history in the cash-in forecast: the "
        "company's amount-weighted days late over the invoices paid in the last 12 months, or "
        "none (expected on the due date).",
    )
    credit_forecast_min_paid = fields.Integer(
        string="Invoices Paid for a Customer's Own Delay",
        default=3,
        help="A customer's own payment delay is used when it paid at least this many invoices "
        "in the last 12 months (monthly history); otherwise the fallback.",
    )
    credit_forecast_uncertain_days = fields.Integer(
        string="Uncertain After (Days Overdue)",
        default=90,
        help="In the cash-in forecast, items overdue by more than this many days are uncertain "
        "rather than expected on a date.",
    )

    @api.constrains("credit_aging_days")
    def _check_credit_aging_days(self):
        for company in self:
            try:
                receivables.parse_bounds(company.credit_aging_days)
            except ValueError:
                raise ValidationError(
                    self.env._(
                        "Aging buckets are 1 to %(count)s increasing numbers of days separated "
                        "by commas, such as 30,60,90,120 (not %(value)r).",
                        count=receivables.MAX_BOUNDS,
                        value=company.credit_aging_days,
                    )
                ) from None

    def _credit_aging_bounds(self):
        """{company id: bounds in days of its aging buckets}."""
        return {company.id: receivables.parse_bounds(company.credit_aging_days) for company in self}

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

    @api.constrains("credit_forecast_min_paid", "credit_forecast_uncertain_days")
    def _check_credit_forecast_days(self):
        if self.filtered(
            lambda c: c.credit_forecast_min_paid < 1 or c.credit_forecast_uncertain_days < 0
        ):
            raise ValidationError(
                self.env._(
                    "The cash-in forecast needs at least one invoice paid for a customer's own "
                    "delay and a number of days overdue that is not negative."
                )
            )

    def init(self):
        result = super().init()
        exposure.create_functions(self.env.cr)
        return result

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._credit_create_standard_dunning_policy()
        return companies

    # ------------------------------------------------------------------
    # Standard dunning policy
    # ------------------------------------------------------------------

    @api.model
    def _credit_install_standard_data(self):
        """Gives every company the standard dunning policy (on install)."""
        companies = self.with_context(active_test=False).search([("id", "!=", False)])
        companies._credit_create_standard_dunning_policy()

    def _credit_create_standard_dunning_policy(self):
        """Creates the standard dunning policy of these companies (those that
        never had one). Nobody is reminded until a person picks a policy in
        Settings (or for a risk class or a customer): it is not the company's
        default."""
        Data = self.env["ir.model.data"]
        for company in self:
            xmlid = f"credit_management.{company.id}_credit_dunning_policy_standard"
            if Data._xmlid_to_res_id(xmlid, raise_if_not_found=False):
                continue
            policy = (
                self.env["credit.dunning.policy"]
                .sudo()
                .create(company._credit_standard_dunning_policy_values())
            )
            Data._update_xmlids(
                [
                    {"xml_id": xmlid, "record": policy, "noupdate": True},
                    *(
                        {
                            "xml_id": f"credit_management.{company.id}"
                            f"_credit_dunning_level_standard_{index}",
                            "record": level,
                            "noupdate": True,
                        }
                        for index, level in enumerate(policy.level_ids)
                    ),
                ]
            )

    def _credit_standard_dunning_policy_values(self):
        """A pre-due reminder and three levels by email, then letter; no
        charges, no hold, no collection case."""
        self.ensure_one()
        template = self.env.ref("credit_management.mail_template_dunning", raise_if_not_found=False)
        levels = [
            (
                self.env._("Friendly reminder: due soon"),
                -3,
                0,
                False,
                self.env._("A friendly reminder: the items below fall due in the coming days."),
            ),
            (
                self.env._("First reminder"),
                7,
                7,
                False,
                self.env._(
                    "We have not yet received payment of the items below. Please pay them promptly."
                ),
            ),
            (
                self.env._("Second reminder"),
                21,
                10,
                True,
                self.env._(
                    "Despite our reminder, the items below remain unpaid. "
                    "Please pay them within seven days or contact us."
                ),
            ),
            (
                self.env._("Final notice"),
                45,
                14,
                True,
                self.env._(
                    "This is our final notice before we take further steps to recover "
                    "the items below."
                ),
            ),
        ]
        return {
            "name": self.env._("Standard reminders"),
            "company_id": self.id,
            "level_ids": [
                fields.Command.create(
                    {
                        "sequence": sequence,
                        "name": name,
                        "days": days,
                        "min_days_since_previous": min_days,
                        "channel_email": True,
                        "channel_letter": letter,
                        "mail_template_id": template.id if template else False,
                        "letter_text": Markup("<p>%s</p>") % text,
                    }
                )
                for sequence, (name, days, min_days, letter, text) in enumerate(levels, 1)
            ],
        }
