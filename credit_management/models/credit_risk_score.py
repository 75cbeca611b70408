from odoo import api, fields, models

from ..engine import exposure, score


class CreditRiskScore(models.Model):
    """The current risk score of a commercial partner in a company, with each
    factor and the points it gave (see engine/score.py for the scale)."""

    _name = "credit.risk.score"
    _description = "Credit Risk Score"
    _order = "score, id"
    _log_access = False
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    date = fields.Date(string="Computed On", readonly=True)
    score = fields.Float(readonly=True, digits=(5, 2), aggregator="avg")
    internal_score = fields.Float(readonly=True, digits=(5, 2), aggregator="avg")
    suggested_class_id = fields.Many2one(
        "credit.risk.class", string="Suggested Class", readonly=True
    )
    no_history = fields.Boolean(
        readonly=True, help="No customer invoice in the last 12 months: the score says little."
    )
    # Factors
    weighted_days_late = fields.Float(string="Weighted Days Late", readonly=True)
    late_share = fields.Float(string="Paid Late (%)", readonly=True)
    overdue_ratio = fields.Float(string="Overdue Ratio (%)", readonly=True)
    utilisation = fields.Float(string="Limit Utilisation (%)", readonly=True)
    returned_payments = fields.Integer(readonly=True)
    dunning_level = fields.Integer(string="Highest Dunning Level", readonly=True)
    external_rating = fields.Float(readonly=True)
    # Points per factor
    days_late_points = fields.Float(readonly=True)
    late_share_points = fields.Float(readonly=True)
    overdue_points = fields.Float(readonly=True)
    utilisation_points = fields.Float(readonly=True)
    returned_points = fields.Float(readonly=True)
    dunning_points = fields.Float(readonly=True)

    _partner_company_uniq = models.UniqueIndex("(partner_id, company_id)")

    @api.model
    def _dunning_level_query(self, company, scope, today):
        """SQL of ``partner_id, level, ratio``: highest dunning level of the
        reminders sent in the last 12 months (see ``engine/score.py``)."""
        self.env["credit.dunning.run"]._flush_for_sql()
        return score.dunning_query(company, scope, today)

    @api.model
    def _compute_scores(self, company=None, partners=None):
        """Recomputes the scores of ``partners`` (all when None) in ``company``
        (the current one when None)."""
        company = company or self.env.company
        partner_model = self.env["res.partner"].with_company(company)
        partner_ids = tuple(partners.commercial_partner_id.ids) if partners else ()
        partner_model._credit_flush()
        scope = exposure.scope(company, partner_ids)
        status_sql = partner_model._credit_status_sql(company, partner_ids, relevant_only=True)
        self.env.cr.execute(
            score.upsert_query(
                company,
                scope,
                scope.today,
                status_sql,
                self._dunning_level_query(company, scope, scope.today),
            )
        )
        self.invalidate_model()

    @api.model
    def _current_for(self, partner, company):
        return self.search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
            ],
            limit=1,
        )

    @api.model
    def _cron_compute_scores(self):
        for company in self.env["res.company"].search([("id", "!=", False)]):
            self.with_company(company)._compute_scores(company)
            self.env["ir.cron"]._commit_progress(1)
