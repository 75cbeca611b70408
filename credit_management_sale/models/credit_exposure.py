from odoo import fields, models


class CreditExposure(models.Model):
    _inherit = "credit.exposure"

    sale_orders = fields.Monetary(string="Orders to Invoice", readonly=True)
