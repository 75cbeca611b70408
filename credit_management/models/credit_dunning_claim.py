from odoo import fields, models


class CreditDunningClaim(models.Model):
    """Which run dunned a customer on which day: a run claims a customer
    before reminding it, so that two runs (or two workers of one run) never
    remind the same customer twice in a day, without locking any table."""

    _name = "credit.dunning.claim"
    _description = "Dunning Claim"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    date = fields.Date(required=True)
    run_id = fields.Many2one("credit.dunning.run", ondelete="set null")

    _partner_uniq = models.UniqueIndex("(company_id, partner_id)")
