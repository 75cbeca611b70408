from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine import history, privilege
from .res_partner import CREDIT_READERS


class CreditReceivableSnapshot(models.Model):
    """A customer's receivables at a month end and its activity of the month
    (see engine/history.py). Written only by the month-end job and the
    backfill wizard, in SQL."""

    _name = "credit.receivable.snapshot"
    _description = "Monthly Receivables Snapshot"
    _order = "date desc, company_id, ar_total desc, id"
    _check_company_auto = True

    # Keys
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        index=True,
        help="Empty: items without a partner.",
    )
    date = fields.Date(string="Month End", required=True, readonly=True, index=True)
    days = fields.Integer(string="Days in Month", readonly=True, groups=CREDIT_READERS)
    risk_class_id = fields.Many2one("credit.risk.class", string="Risk Class", readonly=True)
    user_id = fields.Many2one("res.users", string="Collector", readonly=True)
    team_id = fields.Many2one("credit.collection.team", string="Collection Team", readonly=True)

    # Receivables at the month end
    ar_total = fields.Monetary(string="Receivables", readonly=True, groups=CREDIT_READERS)
    ar_current = fields.Monetary(string="Not Due", readonly=True, groups=CREDIT_READERS)
    ar_overdue = fields.Monetary(string="Overdue", readonly=True, groups=CREDIT_READERS)
    overdue_days_amount = fields.Float(
        string="Overdue Amount x Days",
        readonly=True,
        groups=CREDIT_READERS,
        help="Σ (days past due x open amount) of the overdue items: the numerator of the "
        "weighted average days delinquent.",
    )
    amount_1 = fields.Monetary(string="Overdue Period 1", readonly=True, groups=CREDIT_READERS)
    amount_2 = fields.Monetary(string="Overdue Period 2", readonly=True, groups=CREDIT_READERS)
    amount_3 = fields.Monetary(string="Overdue Period 3", readonly=True, groups=CREDIT_READERS)
    amount_4 = fields.Monetary(string="Overdue Period 4", readonly=True, groups=CREDIT_READERS)
    amount_5 = fields.Monetary(string="Overdue Period 5", readonly=True, groups=CREDIT_READERS)
    amount_6 = fields.Monetary(string="Overdue Period 6", readonly=True, groups=CREDIT_READERS)
    amount_7 = fields.Monetary(string="Overdue Period 7", readonly=True, groups=CREDIT_READERS)
    disputed = fields.Monetary(readonly=True, groups=CREDIT_READERS)
    promised = fields.Monetary(readonly=True, groups=CREDIT_READERS)

    # Activity of the month
    credit_sales = fields.Monetary(
        readonly=True,
        groups=CREDIT_READERS,
        help="Posted customer invoices minus refunds of the month, tax included.",
    )
    invoiced = fields.Monetary(
        string="Invoiced", readonly=True, groups=CREDIT_READERS, help="Customer invoices alone."
    )
    term_sales = fields.Monetary(
        string="Sold on Terms",
        readonly=True,
        groups=CREDIT_READERS,
        help="Customer invoices due after their invoice date.",
    )
    cash_collected = fields.Monetary(readonly=True, groups=CREDIT_READERS)
    written_off = fields.Monetary(readonly=True, groups=CREDIT_READERS)
    paid_count = fields.Integer(string="Invoices Paid", readonly=True, groups=CREDIT_READERS)
    paid_amount = fields.Monetary(string="Amount Paid", readonly=True, groups=CREDIT_READERS)
    paid_days_to_pay = fields.Float(
        string="Paid Amount x Days to Pay", readonly=True, groups=CREDIT_READERS
    )
    paid_days_late = fields.Float(
        string="Paid Amount x Days Late", readonly=True, groups=CREDIT_READERS
    )

    _company_date_idx = models.Index("(company_id, date)")

    @api.model_create_multi
    def create(self, vals_list):
        self._check_snapshot_privilege()
        return super().create(vals_list)

    def write(self, vals):
        self._check_snapshot_privilege()
        return super().write(vals)

    def unlink(self):
        self._check_snapshot_privilege()
        return super().unlink()

    def _check_snapshot_privilege(self):
        if not (privilege.has(privilege.SNAPSHOT) or privilege.loading_data(self.env)):
            raise AccessError(
                self.env._("Receivables snapshots are written by the month-end job only.")
            )

    # Writing the history

    @api.model
    def _write_months(self, companies, month_ends):
        """Writes (or rewrites) the months of ``month_ends`` for ``companies``;
        returns the number of rows written."""
        self.env.flush_all()
        count = 0
        with privilege.granted(privilege.SNAPSHOT):
            for month_end in month_ends:
                count += history.write_month(companies, month_end)
        self.env.invalidate_all()
        return count

    @api.model
    def _backfill(self, companies=None, last=None):
        """Writes every month from the first receivable item to the month
        before ``last`` (today by default)."""
        companies = companies or self.env["res.company"].search([("active", "=", True)])
        first = history.first_item_date(self.env, companies.ids)
        if not first:
            return 0
        last = last or fields.Date.context_today(self)
        last_month = history.month_end(last.replace(day=1) - relativedelta(days=1))
        return self._write_months(companies, history.months(first, last_month))

    @api.model
    def _cron_write_last_month(self):
        """Month-end job: the month that ended."""
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        self.sudo()._write_months(companies, [today.replace(day=1) - relativedelta(days=1)])
