from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import interest


class CreditReferenceRateSeries(models.Model):
    _name = "credit.reference.rate.series"
    _description = "Reference Interest Rate Series"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short code, e.g. ECB-MRO.")
    rate_ids = fields.One2many("credit.reference.rate", "series_id", string="Rates")
    current_rate = fields.Float(compute="_compute_current_rate", digits=(16, 4))

    _code_uniq = models.Constraint("UNIQUE(code)", "A reference rate series code must be unique.")

    @api.depends("rate_ids.date", "rate_ids.rate")
    def _compute_current_rate(self):
        today = fields.Date.context_today(self)
        for series in self:
            series.current_rate = interest.rate_on(series._rates(), today) or 0.0

    def _rates(self):
        """[(date, rate)] sorted by date."""
        self.ensure_one()
        return sorted((rate.date, rate.rate) for rate in self.rate_ids)


class CreditReferenceRate(models.Model):
    _name = "credit.reference.rate"
    _description = "Reference Interest Rate"
    _order = "series_id, date desc"

    series_id = fields.Many2one(
        "credit.reference.rate.series", required=True, ondelete="cascade", index=True
    )
    date = fields.Date(string="In Force From", required=True)
    rate = fields.Float(string="Rate (%)", required=True, digits=(16, 4))

    _date_uniq = models.Constraint("UNIQUE(series_id, date)", "A series has one rate per date.")


class CreditLateInterestRule(models.Model):
    _name = "credit.late.interest.rule"
    _description = "Late Payment Interest and Compensation Rule"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    legal_basis = fields.Char(translate=True, help="Shown on reminders, e.g. § 288 BGB.")
    series_id = fields.Many2one(
        "credit.reference.rate.series", string="Reference Rate", required=True
    )
    margin = fields.Float(
        string="Points Over Reference", digits=(16, 4), required=True, default=8.0
    )
    fixing = fields.Selection(
        selection=[
            ("daily", "Rate in force each day"),
            ("half_year_start", "Rate in force on 1 January / 1 July, for the half-year"),
            ("half_year_eve", "Rate in force on 31 December / 30 June, for the next half-year"),
        ],
        required=True,
        default="half_year_start",
    )
    day_count = fields.Integer(string="Days in a Year", default=365, required=True)
    compensation_currency_id = fields.Many2one(
        "res.currency", string="Compensation Currency", required=True
    )
    compensation_tier_ids = fields.One2many(
        "credit.late.interest.tier",
        "rule_id",
        string="Fixed Compensation",
        help="Fixed sum per late invoice by the size of the debt: the tier with the highest "
        "threshold not above the debt applies.",
    )

    @api.constrains("day_count", "margin")
    def _check_numbers(self):
        for rule in self:
            if rule.day_count not in (360, 365, 366):
                raise ValidationError(self.env._("Days in a year must be 360, 365 or 366."))
            if rule.margin < 0:
                raise ValidationError(self.env._("The margin cannot be negative."))

    def _periods(self, start, end):
        """[(first day, last day, annual rate %)] covering start..end."""
        self.ensure_one()
        return interest.periods(self.series_id._rates(), self.fixing, self.margin, start, end)

    def _compensation(self, debt):
        """The fixed compensation for a late invoice of ``debt`` (in the
        compensation currency)."""
        self.ensure_one()
        tiers = self.compensation_tier_ids.filtered(lambda t: t.threshold <= debt)
        return max(tiers, key=lambda t: t.threshold).amount if tiers else 0.0


class CreditLateInterestTier(models.Model):
    _name = "credit.late.interest.tier"
    _description = "Late Payment Compensation Tier"
    _order = "rule_id, threshold"

    rule_id = fields.Many2one("credit.late.interest.rule", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="rule_id.compensation_currency_id")
    threshold = fields.Monetary(string="Debt From", required=True, default=0.0)
    amount = fields.Monetary(string="Compensation", required=True)
