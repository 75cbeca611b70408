from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import dunning


class CreditDunningExclusion(models.Model):
    """Late items that the dunning run leaves out today, and why: computed
    live by the run's own selection, for the companies in use."""

    _name = "credit.dunning.exclusion"
    _description = "Item Excluded from Dunning"
    _auto = False
    _order = "days_late desc, id"

    move_line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_late = fields.Integer(readonly=True)
    amount_residual = fields.Monetary(string="Amount Due", readonly=True)
    reason_code = fields.Char(readonly=True)
    reason = fields.Char(compute="_compute_reason")

    @property
    def _table_query(self):
        Run = self.env["credit.dunning.run"]
        Run._flush_for_sql()
        queries = []
        for company in self.env.companies:
            run = Run.new({"company_id": company.id, "date": fields.Date.context_today(self)})
            ctx = run._context()
            queries.append(
                SQL(
                    """SELECT item_id AS id, item_id AS move_line_id, move_id,
                              debtor_id AS partner_id, %s AS company_id,
                              maturity AS date_maturity, days_late, residual AS amount_residual,
                              excluded AS reason_code
                         FROM (%s) items
                        WHERE excluded IS NOT NULL AND residual > 0 AND days_late > 0""",
                    company.id,
                    dunning.items_query(ctx),
                )
            )
        return SQL(" UNION ALL ").join(queries)

    @api.depends("reason_code")
    def _compute_reason(self):
        Run = self.env["credit.dunning.run"]
        for item in self:
            item.reason = Run._exclusion_label(item.reason_code)
