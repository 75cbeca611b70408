from odoo import fields, models
from odoo.tools import SQL

from .res_partner import CREDIT_READERS

# Months of credit sales the count-back DSO may consume.
COUNT_BACK_MONTHS = 24


def _ratio(numerator, denominator, factor=None):
    factor = factor or SQL("1")
    return SQL("(%s)::numeric / NULLIF((%s)::numeric, 0) * %s", numerator, denominator, factor)


# KPI formulas over the sums of a group (``col(name)`` gives the SQL of a
# summed column; ``days`` the average days in a month of the group). On one
# row (a customer's month) the sums are the row's own figures.
KPI_FORMULAS = {
    "dso": lambda col, days: _ratio(col("ar_total"), col("credit_sales"), days),
    "dso_countback": lambda col, days: _ratio(col("countback_weighted"), col("ar_positive")),
    "bpdso": lambda col, days: _ratio(col("ar_current"), col("credit_sales"), days),
    "add": lambda col, days: _ratio(col("ar_overdue"), col("credit_sales"), days),
    "add_weighted": lambda col, days: _ratio(col("overdue_days_amount"), col("ar_overdue")),
    "cei": lambda col, days: _ratio(
        SQL("%s + %s - %s", col("ar_begin"), col("credit_sales"), col("ar_total")),
        SQL("%s + %s - %s", col("ar_begin"), col("credit_sales"), col("ar_current")),
        SQL("100"),
    ),
    "overdue_ratio": lambda col, days: _ratio(col("ar_overdue"), col("ar_total"), SQL("100")),
    "bad_debt_ratio": lambda col, days: _ratio(col("written_off"), col("credit_sales"), SQL("100")),
    "collection_period": lambda col, days: _ratio(
        SQL("(%s + %s) / 2.0", col("ar_begin"), col("ar_total")), col("credit_sales"), days
    ),
    "credit_sales_share": lambda col, days: _ratio(col("term_sales"), col("invoiced"), SQL("100")),
    "days_to_pay": lambda col, days: _ratio(col("paid_days_to_pay"), col("paid_amount")),
    "days_late": lambda col, days: _ratio(col("paid_days_late"), col("paid_amount")),
}


class CreditReceivableKpi(models.Model):
    """Credit KPIs of each customer and month, from the monthly snapshots.

    Grouped (by company, collector, risk class, month...), every KPI is
    computed again from the sums of its group's figures, never averaged
    from the rows' KPIs (see ``_read_group_select``)."""

    _name = "credit.receivable.kpi"
    _description = "Credit KPIs"
    _auto = False
    _order = "date desc, company_id, ar_total desc"

    # Dimensions
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    date = fields.Date(string="Month End", readonly=True)
    risk_class_id = fields.Many2one("credit.risk.class", string="Risk Class", readonly=True)
    user_id = fields.Many2one("res.users", string="Collector", readonly=True)
    team_id = fields.Many2one("credit.collection.team", string="Collection Team", readonly=True)
    days = fields.Integer(
        string="Days in Month", readonly=True, aggregator="avg", groups=CREDIT_READERS
    )

    # Figures
    ar_begin = fields.Monetary(
        string="Receivables at Start",
        readonly=True,
        groups=CREDIT_READERS,
        help="Receivables at the previous month end (0 in the first month of the history).",
    )
    ar_total = fields.Monetary(string="Receivables", readonly=True, groups=CREDIT_READERS)
    ar_current = fields.Monetary(string="Not Due", readonly=True, groups=CREDIT_READERS)
    ar_overdue = fields.Monetary(string="Overdue", readonly=True, groups=CREDIT_READERS)
    overdue_days_amount = fields.Float(
        string="Overdue Amount x Days", readonly=True, groups=CREDIT_READERS
    )
    disputed = fields.Monetary(readonly=True, groups=CREDIT_READERS)
    promised = fields.Monetary(readonly=True, groups=CREDIT_READERS)
    credit_sales = fields.Monetary(
        readonly=True,
        groups=CREDIT_READERS,
        help="Posted customer invoices minus refunds of the month, tax included.",
    )
    invoiced = fields.Monetary(readonly=True, groups=CREDIT_READERS)
    term_sales = fields.Monetary(string="Sold on Terms", readonly=True, groups=CREDIT_READERS)
    cash_collected = fields.Monetary(readonly=True, groups=CREDIT_READERS)
    written_off = fields.Monetary(readonly=True, groups=CREDIT_READERS)
    paid_count = fields.Integer(string="Invoices Paid", readonly=True, groups=CREDIT_READERS)
    paid_amount = fields.Monetary(string="Amount Paid", readonly=True, groups=CREDIT_READERS)
    paid_days_to_pay = fields.Float(readonly=True, groups=CREDIT_READERS)
    paid_days_late = fields.Float(readonly=True, groups=CREDIT_READERS)
    ar_positive = fields.Monetary(
        string="Receivables Owed",
        readonly=True,
        groups=CREDIT_READERS,
        help="Receivables of the customers who owe (credit balances count as 0).",
    )
    countback_weighted = fields.Float(
        string="Count-back DSO x Receivables", readonly=True, groups=CREDIT_READERS
    )

    # KPIs (formulas in KPI_FORMULAS; the help says them to the user)
    dso = fields.Float(
        string="DSO (Simple)",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Receivables at the month end / credit sales of the month x days in the month. "
        "Over several months: average month-end receivables / credit sales x days.",
    )
    dso_countback = fields.Float(
        string="DSO (Count-back)",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="From the month-end receivables, subtract the month's credit sales and count "
        "its days, then the month before, and so on (up to 24 months); the month only partly "
        "consumed counts (receivables left / its credit sales) x its days. Computed per "
        "customer; a group shows the average weighted by the receivables of the customers "
        "who owe.",
    )
    bpdso = fields.Float(
        string="Best Possible DSO",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Receivables not yet due / credit sales x days in the month.",
    )
    add = fields.Float(
        string="ADD",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Average days delinquent, DSO - Best Possible DSO: overdue receivables / credit "
        "sales x days in the month.",
    )
    add_weighted = fields.Float(
        string="Days Past Due (Weighted)",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Σ (days past due x open amount) / Σ open amount over the overdue items at the "
        "month end.",
    )
    cei = fields.Float(
        string="CEI (%)",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Collection effectiveness index, with the period's total credit sales (not the "
        "monthly average): (receivables at start + credit sales - receivables at end) / "
        "(receivables at start + credit sales - receivables not due at end) x 100.",
    )
    overdue_ratio = fields.Float(
        string="Overdue (%)",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Overdue receivables / receivables x 100, at the month end.",
    )
    bad_debt_ratio = fields.Float(
        string="Bad Debt (%)",
        readonly=True,
        digits=(16, 2),
        groups=CREDIT_READERS,
        help="Written off / credit sales x 100 (of credit sales, not of receivables).",
    )
    collection_period = fields.Float(
        string="Average Collection Period",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Average receivables ((at start + at end) / 2) / credit sales x days in the month.",
    )
    credit_sales_share = fields.Float(
        string="Credit Sales (%)",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Invoices sold on terms (due after their invoice date) / all customer invoices x 100.",
    )
    days_to_pay = fields.Float(
        string="Average Days to Pay",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Invoices paid in the month: Σ (amount x days from invoice date to the last "
        "payment) / Σ amount.",
    )
    days_late = fields.Float(
        string="Average Days Late",
        readonly=True,
        digits=(16, 1),
        groups=CREDIT_READERS,
        help="Invoices paid in the month: Σ (amount x days from due date to the last payment, "
        "0 when paid on time) / Σ amount.",
    )

    @property
    def _table_query(self):
        def row_col(name):
            return SQL.identifier("r", name)

        kpis = SQL(", ").join(
            SQL("%s AS %s", formula(row_col, SQL("r.days")), SQL.identifier(name))
            for name, formula in KPI_FORMULAS.items()
        )
        return SQL(
            """
            SELECT r.*, %(kpis)s
              FROM (SELECT s.id, s.company_id, s.partner_id, s.date, s.days, s.risk_class_id,
                           s.user_id, s.team_id, COALESCE(prev.ar_total, 0) AS ar_begin,
                           s.ar_total, s.ar_current, s.ar_overdue, s.overdue_days_amount,
                           s.disputed, s.promised, s.credit_sales, s.invoiced, s.term_sales,
                           s.cash_collected, s.written_off, s.paid_count, s.paid_amount,
                           s.paid_days_to_pay, s.paid_days_late,
                           GREATEST(s.ar_total, 0) AS ar_positive,
                           COALESCE(cb.days, 0) * GREATEST(s.ar_total, 0) AS countback_weighted
                      FROM (SELECT s.*,
                                   array_agg(s.credit_sales) OVER w AS sales_back,
                                   array_agg(s.days) OVER w AS days_back
                              FROM credit_receivable_snapshot s
                            WINDOW w AS (PARTITION BY s.company_id, s.partner_id ORDER BY s.date
                                         RANGE BETWEEN %(months)s PRECEDING AND CURRENT ROW)
                           ) s
                      LEFT JOIN credit_receivable_snapshot prev
                             ON prev.company_id = s.company_id
                            AND prev.partner_id IS NOT DISTINCT FROM s.partner_id
                            AND prev.date = (date_trunc('month', s.date) - interval '1 day')::date
                      LEFT JOIN LATERAL (%(countback)s) cb ON s.ar_total > 0
                   ) r
            """,
            kpis=kpis,
            months=SQL("interval %s", f"{COUNT_BACK_MONTHS - 1} months"),
            countback=self._countback_query(),
        )

    def _countback_query(self):
        """Count-back DSO of the row ``s`` from its arrays of credit sales
        and days per month (oldest first): the months are consumed from the
        latest, a month partly consumed in proportion of its sales."""
        return SQL(
            """
            SELECT SUM(CASE WHEN c.cum - c.sales >= s.ar_total THEN 0
                            WHEN c.cum <= s.ar_total THEN c.days
                            ELSE (s.ar_total - (c.cum - c.sales)) / c.sales * c.days
                       END) AS days
              FROM (SELECT u.sales, u.days, SUM(u.sales) OVER (ORDER BY u.n DESC) AS cum
                      FROM unnest(s.sales_back, s.days_back) WITH ORDINALITY u(sales, days, n)
                   ) c
            """
        )

    def _read_group_select(self, aggregate_spec, query):
        fname = aggregate_spec.split(":")[0]
        if fname not in KPI_FORMULAS:
            return super()._read_group_select(aggregate_spec, query)
        # The fields read are checked by the groups of the figures themselves.
        super()._read_group_select(aggregate_spec, query)

        def group_col(name):
            return SQL("SUM(%s)", self._field_to_sql(self._table, name, query))

        days = SQL("AVG(%s)", self._field_to_sql(self._table, "days", query))
        return KPI_FORMULAS[fname](group_col, days)
