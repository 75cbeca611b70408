from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine import forecast, privilege, receivables

# Figures only the computation writes.
RESULT_FIELDS = {
    "line_ids",
    "forecast_total",
    "actual_total",
    "error_total",
    "wape",
    "forecast_outside",
    "computed",
}


def _this_monday(today):
    return today - timedelta(days=today.weekday())


class CreditCashinBacktest(models.TransientModel):
    """What the cash-in forecast would have said some weeks ago, against
    the cash really collected since, week by week (see
    engine/forecast.py)."""

    _name = "credit.cashin.backtest"
    _description = "Cash-in Forecast Backtest"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    weeks = fields.Integer(
        string="Weeks Back",
        required=True,
        default=forecast.WEEKS,
        help="The forecast is made on the Sunday before the Monday this many weeks ago, and "
        "compared over the weeks elapsed since (at most 13, the current week excluded).",
    )
    date_forecast = fields.Date(
        string="Forecast Made On", compute="_compute_dates", help="Evening of that Sunday."
    )
    weeks_compared = fields.Integer(compute="_compute_dates")
    line_ids = fields.One2many("credit.cashin.backtest.line", "wizard_id", string="Weeks")
    forecast_total = fields.Monetary(string="Forecast", readonly=True)
    actual_total = fields.Monetary(string="Collected", readonly=True)
    error_total = fields.Monetary(
        string="Error", readonly=True, help="Collected - forecast over the weeks compared."
    )
    wape = fields.Float(
        string="WAPE (%)",
        readonly=True,
        digits=(16, 1),
        help="Weighted absolute percentage error: Σ |collected - forecast| of each week / "
        "Σ collected x 100. 0 is a perfect forecast; weeks that were over- and under-"
        "forecast do not cancel out.",
    )
    forecast_outside = fields.Monetary(
        string="Later or Uncertain",
        readonly=True,
        help="What the forecast put after the weeks compared, or in no week (uncertain, "
        "disputed, legal / agency): not compared.",
    )
    computed = fields.Boolean(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_result_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_result_fields(vals)
        return super().write(vals)

    def _check_result_fields(self, vals):
        if RESULT_FIELDS & set(vals) and not privilege.has(privilege.BACKTEST):
            raise AccessError(self.env._("The figures of a backtest are computed."))

    @api.depends("weeks")
    def _compute_dates(self):
        monday = _this_monday(fields.Date.context_today(self))
        for wizard in self:
            weeks = max(wizard.weeks, 1)
            wizard.date_forecast = monday - timedelta(weeks=weeks, days=1)
            wizard.weeks_compared = min(weeks, forecast.WEEKS)

    def action_compute(self):
        """Computes the forecast of then and what was collected since."""
        self.ensure_one()
        if self.weeks < 1:
            raise UserError(self.env._("Go back at least one week."))
        env = self.with_context(allowed_company_ids=self.company_id.ids).env
        # Reading env.companies refuses a company the user may not open.
        env.companies  # noqa: B018  # pylint: disable=pointless-statement
        Forecast = env["credit.cashin.forecast"].with_context(
            credit_forecast_date=self.date_forecast
        )
        weeks = forecast.BUCKETS[: self.weeks_compared]
        planned = dict(Forecast._read_group([("bucket", "in", weeks)], ["bucket"], ["amount:sum"]))
        outside = Forecast._read_group([("bucket", "not in", weeks)], [], ["amount:sum"])
        actual = self._actual(env, Forecast)
        currency = self.company_id.currency_id
        lines = []
        for number, bucket in enumerate(weeks, start=1):
            lines.append(
                {
                    "week": number,
                    "week_start": forecast.first_week(self.date_forecast)
                    + timedelta(weeks=number - 1),
                    "forecast": currency.round(planned.get(bucket, 0.0)),
                    "actual": currency.round(actual.get(number, 0.0)),
                }
            )
        self._write_result(lines, outside[0][0] if outside else 0.0)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _actual(self, env, Forecast):
        """{week number: collected} from the customers the user sees in the
        forecast of then."""
        pairs = Forecast._read_group([], ["company_id", "partner_id"])
        company_ids = [company.id for company, _partner in pairs]
        partner_ids = [partner.id or 0 for _company, partner in pairs]
        asof = receivables.as_of(env.companies, self.date_forecast)
        env.flush_all()
        with receivables.planner_settings(env.cr):
            rows = env.execute_query(
                forecast.actual_query(asof, self.weeks_compared, (company_ids, partner_ids))
            )
        return {week: float(amount) for week, amount in rows}

    def _write_result(self, lines, outside):
        forecast_total = sum(line["forecast"] for line in lines)
        actual_total = sum(line["actual"] for line in lines)
        absolute = sum(abs(line["actual"] - line["forecast"]) for line in lines)
        with privilege.granted(privilege.BACKTEST):
            self.line_ids.unlink()
            self.write(
                {
                    "line_ids": [fields.Command.create(line) for line in lines],
                    "forecast_total": forecast_total,
                    "actual_total": actual_total,
                    "error_total": actual_total - forecast_total,
                    "wape": absolute / actual_total * 100 if actual_total else 0.0,
                    "forecast_outside": outside or 0.0,
                    "computed": True,
                }
            )


class CreditCashinBacktestLine(models.TransientModel):
    """One week of a backtest: forecast then, collected since."""

    _name = "credit.cashin.backtest.line"
    _description = "Cash-in Forecast Backtest: Week"
    _order = "wizard_id, week"

    wizard_id = fields.Many2one(
        "credit.cashin.backtest", required=True, ondelete="cascade", index=True
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    week = fields.Integer(readonly=True)
    week_start = fields.Date(string="Week Of", readonly=True)
    forecast = fields.Monetary(readonly=True)
    actual = fields.Monetary(string="Collected", readonly=True)
    error = fields.Monetary(
        compute="_compute_error", help="Collected - forecast: positive when more came in."
    )
    error_percent = fields.Float(
        string="Error (%)",
        compute="_compute_error",
        digits=(16, 1),
        help="|Collected - forecast| / collected x 100 (empty when nothing was collected).",
    )

    @api.depends("forecast", "actual")
    def _compute_error(self):
        for line in self:
            line.error = line.actual - line.forecast
            line.error_percent = abs(line.error) / line.actual * 100 if line.actual else 0.0

    @api.model_create_multi
    def create(self, vals_list):
        self._check_computed()
        return super().create(vals_list)

    def write(self, vals):
        self._check_computed()
        return super().write(vals)

    def _check_computed(self):
        if not privilege.has(privilege.BACKTEST):
            raise AccessError(self.env._("The weeks of a backtest are computed."))
