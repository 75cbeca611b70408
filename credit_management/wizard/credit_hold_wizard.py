from odoo import fields, models
from odoo.exceptions import UserError


class CreditHoldWizard(models.TransientModel):
    _name = "credit.hold.wizard"
    _description = "Put Partners on Credit Hold"

    partner_ids = fields.Many2many("res.partner", string="Partners", required=True)
    reason = fields.Char(required=True)

    def action_hold(self):
        self.ensure_one()
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for the credit hold."))
        self.partner_ids._credit_set_hold(reason)
        return {"type": "ir.actions.act_window_close"}
