from odoo import fields, models


class CreditDisputeReason(models.Model):
    _name = "credit.dispute.reason"
    _description = "Dispute Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, size=16)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the reason between companies."
    )
    description = fields.Text(translate=True)

    _code_uniq = models.Constraint(
        "UNIQUE(code, company_id)", "Dispute reason codes must be unique per company."
    )
