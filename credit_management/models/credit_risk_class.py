from odoo import api, fields, models

from .res_partner import CREDIT_READERS


class CreditRiskClass(models.Model):
    _name = "credit.risk.class"
    _description = "Credit Risk Class"
    _order = "sequence, code, id"
    _check_company_auto = True
    _rec_names_search = ["code", "name"]

    # Identity
    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, size=8, help="Short code shown in lists, e.g. A to E.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Leave empty to share the class between companies.",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", string="Currency")
    description = fields.Text(translate=True)

    # Defaults given to the partners of the class
    default_credit_limit = fields.Monetary(
        string="Default Credit Limit",
        currency_field="currency_id",
        help="Limit of the partners of this class that have no limit of their own. "
        "Zero: no limit from the class.",
    )
    max_payment_days = fields.Integer(
        string="Maximum Payment Term (days)",
        help="Longest payment term granted to this class; invoices with a later due date "
        "are flagged. Zero: no maximum.",
    )
    dunning_policy_id = fields.Many2one(
        "credit.dunning.policy",
        string="Dunning Policy",
        help="Policy of the customers of this class that have none of their own. A class "
        "shared between companies may name one company's policy: the others use their "
        "default.",
    )
    review_interval_months = fields.Integer(
        string="Review Every (months)",
        default=12,
        help="A credit review activity is created when this many months have passed since "
        "the partner's last review. Zero: no periodic review.",
    )
    review_user_id = fields.Many2one(
        "res.users",
        string="Reviewer",
        check_company=True,
        help="Who receives the review activities; defaults to the partner's salesperson.",
    )
    collection_weight = fields.Float(
        string="Collection Weight",
        help="Points (0 to 10) this class adds to the priority of its customers' collection "
        "cases: riskier classes are worked first.",
    )
    min_score = fields.Integer(
        string="Minimum Score",
        help="The risk score suggests the class with the highest minimum score that the "
        "partner reaches (0 to 100).",
    )
    # Counted on the partners' risk class, a field for credit readers only.
    partner_count = fields.Integer(
        compute="_compute_partner_count",
        groups=CREDIT_READERS,
    )

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "A risk class code must be unique per company."
    )
    _positive_values = models.Constraint(
        "CHECK(default_credit_limit >= 0 AND max_payment_days >= 0 "
        "AND review_interval_months >= 0 AND min_score BETWEEN 0 AND 100)",
        "Limits, days, months and scores of a risk class cannot be negative "
        "(scores go from 0 to 100).",
    )

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for risk_class in self:
            risk_class.currency_id = (risk_class.company_id or self.env.company).currency_id

    @api.depends_context("company")
    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("credit_risk_class_id", "in", self.ids)],
                ["credit_risk_class_id"],
                ["__count"],
            )
        )
        for risk_class in self:
            risk_class.partner_count = counts.get(risk_class, 0)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for risk_class in self:
            risk_class.display_name = f"{risk_class.code} - {risk_class.name}"

    def action_open_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Partners of class %s", self.display_name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("credit_risk_class_id", "=", self.id)],
        }
