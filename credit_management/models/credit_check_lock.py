from odoo import fields, models


class CreditCheckLock(models.Model):
    """One row per partner and company, bumped by every credit check so that
    concurrent checks for the same partner serialize (see engine/check.py)."""

    _name = "credit.check.lock"
    _description = "Credit Check Lock"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    version = fields.Integer(default=1, required=True)

    _partner_company_uniq = models.UniqueIndex("(company_id, partner_id)")
