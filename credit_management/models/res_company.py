from odoo import fields, models

from ..engine import exposure


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_check_mode = fields.Selection(
        selection=[
            ("none", "No check"),
            ("warn", "Warn"),
            ("block", "Block"),
        ],
        string="Credit Check",
        default="warn",
        required=True,
        help="What happens when a customer invoice is posted for a partner on hold or "
        "beyond its available credit: nothing, a logged warning, or a refusal that only "
        "a Credit Control Manager can override.",
    )
    credit_include_draft = fields.Boolean(
        string="Count Draft Invoices",
        help="Draft customer invoices count in exposure.",
    )
    credit_net_unapplied = fields.Boolean(
        string="Net Unapplied Credits",
        help="Unapplied payments and open credit notes reduce exposure.",
    )
    credit_check_group = fields.Boolean(
        string="Check Group Limits",
        default=True,
        help="A subsidiary's postings are also checked against the limit of its parent "
        "company, on the exposure of the whole group.",
    )

    def init(self):
        super().init()
        exposure.create_functions(self.env.cr)
