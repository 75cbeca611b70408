from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_check_mode = fields.Selection(related="company_id.credit_check_mode", readonly=False)
    credit_include_draft = fields.Boolean(related="company_id.credit_include_draft", readonly=False)
    credit_net_unapplied = fields.Boolean(related="company_id.credit_net_unapplied", readonly=False)
    credit_check_group = fields.Boolean(related="company_id.credit_check_group", readonly=False)
