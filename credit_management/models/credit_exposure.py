from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner import LIMIT_SOURCES


class CreditExposure(models.Model):
    """Credit status of every commercial partner with something to show, per
    company: the searchable, sortable list behind "over limit" and "on hold".
    Computed by the same SQL as the credit check, never per partner in Python."""

    _name = "credit.exposure"
    _description = "Credit Exposure"
    _auto = False
    _order = "exposure desc, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    risk_class_id = fields.Many2one("credit.risk.class", string="Risk Class", readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    on_hold = fields.Boolean(string="On Hold", readonly=True)
    limit_source = fields.Selection(
        selection=LIMIT_SOURCES,
        string="Limit From",
        readonly=True,
    )
    credit_limit = fields.Monetary(string="Limit", readonly=True, aggregator="sum")
    not_due = fields.Monetary(string="Not Due", readonly=True)
    overdue = fields.Monetary(readonly=True)
    draft_invoices = fields.Monetary(string="Draft Invoices", readonly=True)
    unapplied = fields.Monetary(string="Unapplied Credits", readonly=True)
    disputed = fields.Monetary(
        readonly=True, help="Part of the open receivables under an open dispute (not dunned)."
    )
    exposure = fields.Monetary(readonly=True)
    available = fields.Monetary(string="Available Credit", readonly=True)
    excess = fields.Monetary(readonly=True)
    over_limit = fields.Boolean(string="Over Limit", readonly=True)
    utilisation = fields.Float(string="Utilisation (%)", readonly=True, aggregator="avg")

    @property
    def _table_query(self):
        partner_model = self.env["res.partner"]
        partner_model._credit_flush()
        self.env["credit.collection.dispute"].flush_model()
        status = partner_model._credit_status_sql(self.env.companies, relevant_only=True)
        return SQL(
            """
            SELECT s.partner_id::bigint * 100000 + s.company_id AS id,
                   s.*, company.currency_id, partner.user_id AS salesperson_id,
                   GREATEST(-s.available, 0) AS excess,
                   CASE WHEN s.credit_limit > 0
                        THEN ROUND(100.0 * s.exposure / s.credit_limit, 1)
                        -- No credit allowed (a cap of zero): anything owed uses it
                        -- all, as the risk score counts it; "no limit" stays blank.
                        WHEN s.limited THEN CASE WHEN s.exposure > 0 THEN 100 ELSE 0 END
                        END AS utilisation,
                   COALESCE(d.disputed, 0) AS disputed
              FROM (%s) s
              JOIN res_company company ON company.id = s.company_id
              JOIN res_partner partner ON partner.id = s.partner_id
              LEFT JOIN (
                    SELECT dispute.partner_id, dispute.company_id,
                           SUM(aml.amount_residual) AS disputed
                      FROM credit_collection_dispute dispute
                      JOIN credit_collection_dispute_item_rel rel ON rel.dispute_id = dispute.id
                      JOIN account_move_line aml ON aml.id = rel.move_line_id
                     WHERE dispute.state = 'open'
                     GROUP BY dispute.partner_id, dispute.company_id
              ) d ON d.partner_id = s.partner_id AND d.company_id = s.company_id
            """,
            status,
        )

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "context": {"allowed_company_ids": [self.company_id.id]},
        }

    @api.model
    def action_open_list(self):
        return self.env["ir.actions.actions"]._for_xml_id(
            "credit_management.credit_exposure_action"
        )
