from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..adapters import Config, JsonApiAdapter

# Who may change contracts and approvals and send batches to a factor.
SENDERS = ("account.group_account_manager", "credit_management.group_credit_control_manager")
MODES = [("notified", "Notified"), ("confidential", "Confidential")]
RECOURSE = [("with", "With Recourse"), ("without", "Without Recourse")]


class FactoringContract(models.Model):
    """What we agreed with a factor: who, how (notified or confidential, with
    or without recourse), at what price, booked where, and which documents
    it takes."""

    _name = "factoring.contract"
    _description = "Factoring Contract"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    # Identity
    name = fields.Char(required=True, tracking=True)
    reference = fields.Char(string="Contract Number", tracking=True)
    client_code = fields.Char(
        string="Client Code",
        help="The factor's code for our company, written in the files' headers.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    factor_id = fields.Many2one(
        "res.partner", string="Factor", required=True, check_company=True, tracking=True
    )
    mode = fields.Selection(
        selection=MODES,
        required=True,
        default="notified",
        tracking=True,
        help="Notified: the debtor is told to pay the factor (assignment notice and the "
        "factor's bank account on the invoice). Confidential: the debtor keeps paying us.",
    )
    recourse = fields.Selection(
        selection=RECOURSE,
        required=True,
        default="with",
        tracking=True,
        help="With recourse we buy back what the debtor has not paid after the recourse "
        "delay; without recourse the factor bears the debtor's default.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
    )

    # Price
    advance_percent = fields.Float(
        string="Advance (%)", default=85.0, tracking=True, help="Paid by the factor at funding."
    )
    reserve_percent = fields.Float(
        string="Reserve (%)",
        default=10.0,
        tracking=True,
        help="Held back by the factor until the debtor pays.",
    )
    service_fee_percent = fields.Float(
        string="Service Fee (%)", digits=(16, 4), help="Charged on each document assigned."
    )
    discount_rate_daily = fields.Float(
        string="Discount Rate (% a day)",
        digits=(16, 6),
        help="Charged on the advance for each day until the debtor pays.",
    )
    batch_fee = fields.Monetary(
        string="Fee per Batch", currency_field="currency_id", help="Fixed fee for each batch."
    )
    recourse_days = fields.Integer(
        string="Recourse Delay (days)",
        default=90,
        help="Days after the due date after which an unpaid document is bought back.",
    )

    # Accounting
    journal_id = fields.Many2one(
        "account.journal",
        string="Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
    )
    funding_journal_id = fields.Many2one(
        "account.journal",
        string="Funding Journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="The bank journal the factor pays the advances to: each funding books the advance "
        "received there as a payment from the factor. Empty: no payment is booked.",
    )
    factor_receivable_account_id = fields.Many2one(
        "account.account",
        string="Factor Current Account",
        check_company=True,
        domain="[('reconcile', '=', True), "
        "('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="What the factor owes us (debit) for the documents transferred to it, less the "
        "advances, the reserve and the fees. Reconcilable, not a receivable: it is not "
        "customer debt.",
    )
    reserve_account_id = fields.Many2one(
        "account.account",
        string="Reserve Account",
        check_company=True,
        domain="[('reconcile', '=', True), "
        "('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="The part the factor holds back until the debtors pay (guarantee fund).",
    )
    fee_account_id = fields.Many2one("account.account", string="Fees Account", check_company=True)
    fee_tax_ids = fields.Many2many(
        "account.tax",
        "factoring_contract_fee_tax_rel",
        "contract_id",
        "tax_id",
        string="Taxes on Fees",
        check_company=True,
        domain="[('type_tax_use', '=', 'purchase')]",
    )
    factor_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Factor's Bank Account",
        check_company=True,
        domain="[('partner_id', '=', factor_id)]",
        tracking=True,
        help="Printed on notified invoices: where the debtors pay.",
    )
    assignment_notice = fields.Html(
        translate=True,
        help="Printed on notified invoices, in the customer's language.",
    )

    # Exchange
    layout_id = fields.Many2one(
        "factoring.file.layout",
        string="File Layout",
        check_company=True,
        help="How the batches' files are written.",
    )
    transport = fields.Selection(
        selection=[("email", "E-mail the File"), ("api", "JSON API")],
        required=True,
        default="email",
    )

    api_url = fields.Char(string="API URL")
    api_key = fields.Char(string="API Key", groups="base.group_system", copy=False)
    api_timeout = fields.Float(string="Timeout (s)", default=20.0)
    api_max_retries = fields.Integer(
        string="Retries", default=3, help="After a timeout, a 429 or a server error only."
    )
    api_backoff = fields.Float(
        string="Backoff (s)", default=1.0, help="Wait before the first retry, doubled each time."
    )

    # Eligibility
    customer_ids = fields.Many2many(
        "res.partner",
        "factoring_contract_customer_rel",
        "contract_id",
        "partner_id",
        string="Customers",
        check_company=True,
        help="Documents of these customers are eligible (with those of the risk classes "
        "below); both empty: every customer.",
    )
    risk_class_ids = fields.Many2many(
        "credit.risk.class",
        "factoring_contract_risk_class_rel",
        "contract_id",
        "risk_class_id",
        string="Risk Classes",
        check_company=True,
    )
    country_ids = fields.Many2many(
        "res.country",
        "factoring_contract_country_rel",
        "contract_id",
        "country_id",
        string="Countries",
        help="Customers of these countries only; empty: every country.",
    )
    currency_ids = fields.Many2many(
        "res.currency",
        "factoring_contract_currency_rel",
        "contract_id",
        "currency_id",
        string="Document Currencies",
        help="Documents in these currencies only; empty: the contract's currency.",
    )
    min_amount = fields.Monetary(
        string="Minimum Amount",
        currency_field="currency_id",
        help="Documents of a smaller total are not assigned.",
    )
    max_age_days = fields.Integer(
        string="Maximum Age (days)",
        help="Documents dated longer ago are not assigned; zero: no maximum.",
    )
    exclude_disputed = fields.Boolean(
        string="Not Disputed",
        default=True,
        help="Documents under an open dispute are not assigned.",
    )
    exclude_in_case = fields.Boolean(
        string="Not in a Collection Case",
        default=True,
        help="Documents of an open collection case are not assigned.",
    )
    approval_required = fields.Boolean(
        string="Debtor Approval Required",
        default=True,
        help="Only customers the factor approved are assigned, within their approval.",
    )
    approval_ids = fields.One2many(
        "factoring.debtor.approval", "contract_id", string="Debtor Approvals"
    )
    approval_count = fields.Integer(compute="_compute_approval_count")

    _percent_range = models.Constraint(
        "CHECK(advance_percent >= 0 AND reserve_percent >= 0 "
        "AND advance_percent + reserve_percent <= 100)",
        "Advance and reserve are percentages of the documents: together at most 100.",
    )
    _fees_positive = models.Constraint(
        "CHECK(service_fee_percent >= 0 AND discount_rate_daily >= 0 AND batch_fee >= 0 "
        "AND min_amount >= 0 AND max_age_days >= 0 AND recourse_days >= 0)",
        "Fees, minimum amount, maximum age and recourse delay cannot be negative.",
    )

    @api.depends("approval_ids")
    def _compute_approval_count(self):
        counts = dict(
            self.env["factoring.debtor.approval"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.approval_count = counts.get(contract, 0)

    @api.constrains("factor_id", "factor_bank_id")
    def _check_factor_bank_id(self):
        for contract in self:
            bank = contract.factor_bank_id
            factor = contract.factor_id.commercial_partner_id
            if bank and bank.partner_id.commercial_partner_id != factor:
                raise ValidationError(
                    self.env._(
                        "The bank account %(account)s is not one of the factor %(factor)s: "
                        "debtors of notified invoices must pay the factor.",
                        account=bank.display_name,
                        factor=factor.display_name,
                    )
                )

    @api.constrains("factor_receivable_account_id", "reserve_account_id")
    def _check_accounts(self):
        for contract in self:
            current = contract.factor_receivable_account_id
            for label, account in (
                (self.env._("Factor Current Account"), current),
                (self.env._("Reserve Account"), contract.reserve_account_id),
            ):
                if account.account_type in ("asset_receivable", "liability_payable"):
                    raise ValidationError(
                        self.env._(
                            "The %(label)s of %(contract)s cannot be a receivable or payable "
                            "account (%(account)s): what the factor owes would show as customer "
                            "debt in the aged receivables, the follow-up and the credit "
                            "exposure. Choose a current asset account.",
                            label=label,
                            contract=contract.name,
                            account=account.display_name,
                        )
                    )
            for account in current | contract.reserve_account_id:
                if not account.reconcile:
                    raise ValidationError(
                        self.env._(
                            "Account %(account)s of %(contract)s must allow reconciliation: "
                            "its items are matched as the factor pays.",
                            account=account.display_name,
                            contract=contract.name,
                        )
                    )

    @api.constrains("fee_tax_ids")
    def _check_fee_tax_ids(self):
        for contract in self:
            wrong = contract.fee_tax_ids.filtered(lambda tax: tax.type_tax_use != "purchase")
            if wrong:
                raise ValidationError(
                    self.env._(
                        "The fees are billed by the factor: the Taxes on Fees of %(contract)s "
                        "are purchase taxes, not %(taxes)s.",
                        contract=contract.name,
                        taxes=", ".join(wrong.mapped("name")),
                    )
                )

    @api.constrains("mode", "factor_bank_id")
    def _check_notified_bank(self):
        for contract in self:
            if contract.mode == "notified" and not contract.factor_bank_id:
                raise ValidationError(
                    self.env._(
                        "Notified factoring prints the factor's bank account on the invoices: "
                        "choose it on contract %s.",
                        contract.name,
                    )
                )

    @api.constrains("currency_id", "currency_ids", "company_id")
    def _check_currency_ids(self):
        for contract in self:
            foreign = contract.currency_ids - contract.currency_id
            if foreign and contract.currency_id != contract.company_id.currency_id:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s is in %(currency)s, not in the company currency: "
                        "it can only take documents in %(currency)s (their amounts are sent as "
                        "they are booked).",
                        contract=contract.name,
                        currency=contract.currency_id.name,
                    )
                )

    def _api_adapter(self):
        """The JSON API transport, the key read as superuser for the contract
        the code is about to call (never shown to the user)."""
        self.ensure_one()
        contract = self.sudo()
        if not contract.api_url:
            raise UserError(self.env._("Contract %s has no API URL.", self.name))
        return JsonApiAdapter(
            Config(
                base_url=contract.api_url,
                api_key=contract.api_key or "",
                timeout=contract.api_timeout or 20.0,
                max_retries=contract.api_max_retries,
                backoff=contract.api_backoff,
            )
        )

    def _document_currencies(self):
        """Currencies of the documents the contract takes."""
        self.ensure_one()
        return self.currency_ids or self.currency_id

    def action_open_approvals(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "factoring_connector.factoring_debtor_approval_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_contract_id": self.id}
        return action
