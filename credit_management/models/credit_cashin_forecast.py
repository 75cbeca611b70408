from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine import forecast, receivables
from .res_partner import CREDIT_READERS

KINDS = [
    ("expected", "Expected"),
    ("promise", "Promised"),
    ("plan", "Payment Plan"),
    ("disputed", "Disputed"),
    ("legal", "Legal / Agency"),
]
DELAY_BASES = [
    ("own", "Customer's History"),
    ("company", "Company Average"),
    ("none", "Due Date"),
]


def _bucket_selection():
    weeks = [(f"w{week:02d}", f"W{week:02d}") for week in range(1, forecast.WEEKS + 1)]
    return [*weeks, ("later", "Later"), ("uncertain", "Uncertain")]


class CreditCashinForecast(models.Model):
    """13-week cash-in forecast: what each customer's open items should
    bring in, week by week (see engine/forecast.py for the method).

    An SQL view (``_auto = False``), not rows stored and rebuilt: the
    forecast is made as of the evening of today in the user's time zone,
    from the ledger, promises, plans and disputes as they stand when it is
    read, so it is never stale and needs no job nor refresh button, and the
    view has nothing to keep in sync when a payment is registered. Its
    cost is one as-of scan of the open items of the companies the user has
    selected (not of all companies) per read: 3.0 s for the pivot over
    450,001 open items on the 2-core machine (bench/README.md), 1.5 s of
    which the as-of reconstruction; a database much larger than that would
    want rows stored by a nightly job instead. The context key
    ``credit_forecast_date`` makes it as of an earlier date, with what was
    known then (the backtest); the record rules apply the same.
    """

    _name = "credit.cashin.forecast"
    _description = "Cash-in Forecast"
    _auto = False
    _order = "company_id, partner_id, date_expected, id"

    # Dimensions
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, help="Empty: items without a partner."
    )
    user_id = fields.Many2one(
        "res.users", string="Collector", readonly=True, help="Of the customer's open case."
    )
    team_id = fields.Many2one("credit.collection.team", string="Collection Team", readonly=True)
    bucket = fields.Selection(
        selection=_bucket_selection(),
        readonly=True,
        help="Week 1 is the current week (Monday to Sunday), or the next one on a Sunday. "
        "Later: expected after week 13. Uncertain: disputed, handed over to a lawyer or an "
        "agency, too long overdue or covered by a broken promise or plan.",
    )
    week_start = fields.Date(string="Week Of", readonly=True)
    kind = fields.Selection(
        selection=KINDS,
        readonly=True,
        help="Expected: due date shifted by the customer's payment delay. Promised: on the "
        "promised date. Payment Plan: on the installments' dates. Disputed and Legal / "
        "Agency: kept apart, uncertain.",
    )
    date_expected = fields.Date(string="Expected On", readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    delay_days = fields.Integer(
        string="Payment Delay (Days)",
        readonly=True,
        aggregator="max",
        groups=CREDIT_READERS,
        help="Days added to the due date: the customer's amount-weighted days late over the "
        "invoices paid in the last 12 months (monthly history), or the company's fallback.",
    )
    delay_basis = fields.Selection(
        selection=DELAY_BASES, string="Delay From", readonly=True, groups=CREDIT_READERS
    )
    move_id = fields.Many2one("account.move", string="Entry", readonly=True)
    move_line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True)
    promise_id = fields.Many2one("credit.collection.promise", string="Promise", readonly=True)
    plan_id = fields.Many2one("credit.collection.plan", string="Payment Plan", readonly=True)

    # Figures
    item_currency_id = fields.Many2one("res.currency", string="Item Currency", readonly=True)
    amount_currency = fields.Monetary(
        string="Amount in Currency",
        currency_field="item_currency_id",
        readonly=True,
        groups=CREDIT_READERS,
    )
    amount = fields.Monetary(
        readonly=True,
        groups=CREDIT_READERS,
        help="In company currency; items in another currency at today's rate (the forecast "
        "date's rate), not at the rate they were booked at.",
    )

    @property
    def _table_query(self):
        day = self._forecast_date()
        # The view reads the tables: pending ORM writes (a payment just
        # registered, a setting just changed) must be in them.
        self.env.flush_all()
        asof = receivables.as_of(self.env.companies, day)
        return forecast.forecast_query(asof, live=day >= fields.Date.context_today(self))

    def _forecast_date(self):
        """Today, or the earlier date the context asks for."""
        today = fields.Date.context_today(self)
        day = fields.Date.to_date(self.env.context.get("credit_forecast_date")) or today
        return min(day, today)

    # The rows are computed: nobody creates, edits or deletes them.

    @api.model_create_multi
    def create(self, vals_list):
        self._refuse_edit()
        return super().create(vals_list)

    def write(self, vals):
        self._refuse_edit()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        self._refuse_edit()

    def _refuse_edit(self):
        raise AccessError(self.env._("The cash-in forecast is computed; it cannot be edited."))
