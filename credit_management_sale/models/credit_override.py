from odoo import api, fields, models


class CreditOverride(models.Model):
    _inherit = "credit.override"

    order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )

    @api.model
    def _selection_document_ref(self):
        return [*super()._selection_document_ref(), ("sale.order", self.env._("Sales Order"))]
