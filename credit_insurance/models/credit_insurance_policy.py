from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import turnover


class CreditInsurancePolicy(models.Model):
    """A credit insurance policy: what the insurer covers and on which terms."""

    _name = "credit.insurance.policy"
    _description = "Credit Insurance Policy"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(string="Policy Number", required=True, tracking=True)
    insurer_ref = fields.Char(
        string="Insurer Policy ID", help="The policy's id in the insurer's API, if not its number."
    )
    active = fields.Boolean(default=True)
    backend_id = fields.Many2one(
        "credit.insurance.backend",
        string="Insurer",
        required=True,
        check_company=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    date_start = fields.Date(string="Start")
    date_end = fields.Date(string="End")
    indemnity_percent = fields.Float(
        string="Indemnity (%)", default=90.0, help="Share of an insured loss the insurer pays."
    )
    country_ids = fields.Many2many(
        "res.country",
        relation="credit_insurance_policy_res_country_rel",
        column1="credit_insurance_policy_id",
        column2="res_country_id",
        string="Countries",
        help="Buyer countries the policy covers; empty: all.",
    )

    # Terms
    max_credit_days = fields.Integer(
        string="Maximum Credit Period (days)", help="Longest payment term the cover allows."
    )
    max_extension_days = fields.Integer(
        string="Maximum Extension Period (days)",
        help="MEP: days after the original due date after which deliveries must stop and the "
        "overdue must be notified.",
    )
    overdue_notice_days = fields.Integer(
        string="Overdue Notification Deadline (days)",
        default=30,
        help="Days after the maximum extension period within which an overdue must be notified.",
    )
    waiting_period_days = fields.Integer(
        string="Waiting Period (days)", help="Days before a claim can be paid."
    )
    discretionary_limit = fields.Monetary(
        help="Amount the policyholder may insure on its own judgement, without asking the "
        "insurer, for buyers without a cover and never refused."
    )
    discretionary_conditions = fields.Text(
        help="What the policy asks before the discretionary limit applies (information held, "
        "no overdue beyond a number of days...)."
    )
    declaration_periodicity = fields.Selection(
        selection=[
            ("monthly", "Monthly"),
            ("quarterly", "Quarterly"),
            ("half_yearly", "Half-Yearly"),
            ("yearly", "Yearly"),
        ],
        default="monthly",
        required=True,
        help="Turnover declaration periods, counted from the month the policy starts.",
    )
    declaration_deadline_days = fields.Integer(
        string="Declaration Deadline (days)",
        default=30,
        help="Days after the end of a period by which its turnover must be declared.",
    )
    declaration_tax_included = fields.Boolean(
        string="Declare Taxes Included",
        default=True,
        help="Declare invoiced amounts including taxes, as insurers usually ask (domestic "
        "sales with their VAT; exports carry none). Untick for a policy on net turnover.",
    )
    declaration_scope = fields.Selection(
        selection=[
            ("countries", "Every Customer in the Policy's Countries"),
            ("buyers", "Insured Buyers Only"),
        ],
        string="Turnover Declared",
        default="countries",
        required=True,
        help="Every customer: the whole insurable turnover in the policy's countries (whole "
        "turnover policies). Insured buyers: only customers the policy covered on the invoice "
        "date. Sales to the database's own companies are never declared.",
    )
    declaration_ids = fields.One2many(
        "credit.insurance.declaration", "policy_id", string="Declarations"
    )
    claim_ids = fields.One2many("credit.insurance.claim", "policy_id", string="Claims")
    declaration_count = fields.Integer(compute="_compute_filing_counts")
    claim_count = fields.Integer(compute="_compute_filing_counts")
    shortfall_action = fields.Selection(
        selection=[("warn", "Warn"), ("hold", "Put on Hold")],
        string="When Cover Falls Below Exposure",
        default="warn",
        required=True,
        help="What a reduction or withdrawal of cover below the buyer's exposure does: an "
        "activity for the insurer's responsible, and a credit hold if chosen.",
    )
    cover_ids = fields.One2many("credit.insurance.cover", "policy_id", string="Covers")

    # Overdue notifications (see engine/overdue.py for the deadline rule)
    overdue_deadline_basis = fields.Selection(
        selection=[
            ("mep", "End of the Maximum Extension Period"),
            ("due", "Due Date"),
        ],
        string="Notification Period Counts From",
        default="mep",
        required=True,
        help="Deadline of an overdue notification: the due date + the notification period, plus "
        "the maximum extension period when counted from its end (Atradius: at the latest 30 "
        "days after the MEP; Allianz Trade: within 15 days of the default, from the due date).",
    )
    overdue_alert_days = fields.Integer(
        string="Alert Days Before the Deadline",
        default=7,
        help="The daily alerts open an activity for an item to notify this many days before "
        "its deadline.",
    )
    overdue_user_id = fields.Many2one(
        "res.users",
        string="Overdue Notifications Responsible",
        check_company=True,
        help="Gets the activities of items to notify; else the insurer's responsible.",
    )
    overdue_dunning = fields.Selection(
        selection=[("keep", "Stays in Dunning"), ("exclude", "Leaves Dunning")],
        string="Notified Items",
        default="keep",
        required=True,
        help="Whether an item reported to the insurer (a default, an accepted rescheduling or "
        "extension) is still reminded by the dunning run.",
    )
    overdue_mep_action = fields.Selection(
        selection=[("none", "Nothing"), ("warn", "Warn"), ("hold", "Put on Hold")],
        string="When the MEP Has Run Out",
        default="warn",
        required=True,
        help="Deliveries must stop once the maximum extension period of an overdue item has run "
        "out: a note on the customer, or a credit hold.",
    )
    overdue_count = fields.Integer(string="Overdue Items", compute="_compute_overdue_count")

    _name_uniq = models.Constraint(
        "UNIQUE(backend_id, name)", "A policy number appears once per insurer."
    )
    _indemnity_range = models.Constraint(
        "CHECK(indemnity_percent >= 0 AND indemnity_percent <= 100)",
        "The indemnity is a percentage between 0 and 100.",
    )

    @api.constrains(
        "max_credit_days",
        "max_extension_days",
        "overdue_notice_days",
        "waiting_period_days",
        "discretionary_limit",
        "declaration_deadline_days",
    )
    def _check_terms(self):
        for policy in self:
            values = (
                policy.max_credit_days,
                policy.max_extension_days,
                policy.overdue_notice_days,
                policy.waiting_period_days,
                policy.discretionary_limit,
                policy.declaration_deadline_days,
            )
            if any(value < 0 for value in values):
                raise ValidationError(
                    self.env._("Periods and limits of a policy cannot be negative.")
                )

    @api.constrains("overdue_alert_days")
    def _check_overdue_alert_days(self):
        if any(policy.overdue_alert_days < 0 for policy in self):
            raise ValidationError(self.env._("Alert days cannot be negative."))

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        if any(p.date_start and p.date_end and p.date_end < p.date_start for p in self):
            raise ValidationError(self.env._("A policy cannot end before it starts."))

    def _declaration_period(self, day):
        """``(start, end)`` of this policy's declaration period containing
        ``day``: periods are counted from the month the policy starts."""
        self.ensure_one()
        anchor = self.date_start.month if self.date_start else 1
        return turnover.period_of(day, self.declaration_periodicity, anchor)

    def _covers_country(self, country):
        self.ensure_one()
        return not self.country_ids or country in self.country_ids

    def _compute_overdue_count(self):
        counts = dict(
            self.env["credit.insurance.overdue"]._read_group(
                [("policy_id", "in", self.ids), ("state", "!=", "settled")],
                ["policy_id"],
                ["__count"],
            )
        )
        for policy in self:
            policy.overdue_count = counts.get(policy, 0)

    def action_view_overdues(self):
        self.ensure_one()
        action = self.env["credit.insurance.overdue"].action_open_worklist()
        action["domain"] = [("policy_id", "=", self.id)]
        action["context"] = {"search_default_open": 1}
        return action

    def _compute_filing_counts(self):
        # Counted in the database: the lists grow every period.
        counts = {}
        for model in ("credit.insurance.declaration", "credit.insurance.claim"):
            counts[model] = dict(
                self.env[model]._read_group(
                    [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
                )
            )
        for policy in self:
            policy.declaration_count = counts["credit.insurance.declaration"].get(policy, 0)
            policy.claim_count = counts["credit.insurance.claim"].get(policy, 0)

    def action_open_declarations(self):
        return self._open_filings("credit.insurance.declaration", self.env._("Declarations"))

    def action_open_claims(self):
        return self._open_filings("credit.insurance.claim", self.env._("Claims"))

    def _open_filings(self, model, name):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": [("policy_id", "=", self.id)],
            "context": {"default_policy_id": self.id},
        }
