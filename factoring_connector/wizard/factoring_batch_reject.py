from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Batches in which the factor may still refuse documents.
REJECTABLE = ("sent", "acknowledged", "partially_rejected")


class FactoringBatchReject(models.TransientModel):
    """Records the documents of a batch the factor refused, with its reason:
    they leave the batch and may go in another one."""

    _name = "factoring.batch.reject"
    _description = "Reject Factoring Batch Documents"

    batch_id = fields.Many2one("factoring.batch", required=True)
    batch_state = fields.Selection(related="batch_id.state")
    line_ids = fields.Many2many(
        "factoring.batch.line",
        string="Documents",
        domain="[('batch_id', '=', batch_id), ('live', '=', True)]",
        help="The documents the factor refused.",
    )
    reason = fields.Char(required=True, help="The factor's reason, kept on each document.")

    @api.constrains("batch_id", "line_ids")
    def _check_line_ids(self):
        for wizard in self:
            if wizard.line_ids - wizard.batch_id.line_ids:
                raise ValidationError(
                    self.env._(
                        "Only documents of batch %s can be rejected here.", wizard.batch_id.name
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        # Refused before anything is shown: the batch's senders only.
        wizards.batch_id._check_sender()
        return wizards

    def action_confirm(self):
        """Rejects the chosen documents with the reason."""
        self.ensure_one()
        batch = self.batch_id
        batch._check_sender()
        batch._check_state(*REJECTABLE)
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the factor refused these documents."))
        if not self.line_ids:
            raise UserError(self.env._("Pick the documents the factor refused."))
        gone = self.line_ids.filtered(lambda line: not line.live)
        if gone:
            raise UserError(
                self.env._(
                    "These documents no longer belong to the batch: %s.",
                    ", ".join(gone.move_id.mapped("name")),
                )
            )
        self.line_ids.action_reject(reason)
        return {"type": "ir.actions.act_window_close"}
