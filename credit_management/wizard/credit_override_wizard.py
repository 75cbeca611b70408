from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class CreditOverrideWizard(models.TransientModel):
    _name = "credit.override.wizard"
    _description = "Override a Credit Check"

    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    summary = fields.Text(readonly=True)
    # Required in the view; checked in action_override (the wizard is created before it is filled).
    reason = fields.Text(help="Why this document may go beyond the credit check.")

    @api.model
    def _open_for(self, moves, failures):
        summary = "\n\n".join(moves._credit_message(f, for_manager=True) for f in failures)
        wizard = self.create({"move_ids": [fields.Command.set(moves.ids)], "summary": summary})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Check"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_override(self):
        """Logs one override per blocked invoice, then posts."""
        self.ensure_one()
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise AccessError(
                self.env._("Only a Credit Control Manager can override a credit check.")
            )
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for the override."))
        Override = self.env["credit.override"]
        for failure in self.move_ids._credit_failures(soft=False, lock=False):
            if failure.company.credit_check_mode != "block":
                continue
            for move in failure.documents:
                Override._create_from_failure(failure, move, reason, move._credit_amount())
        return self.move_ids.action_post()
