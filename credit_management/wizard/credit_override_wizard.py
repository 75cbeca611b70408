from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class CreditOverrideWizard(models.TransientModel):
    _name = "credit.override.wizard"
    _description = "Override a Credit Check"

    res_model = fields.Char(required=True, readonly=True)
    res_ids = fields.Json(required=True, readonly=True)
    summary = fields.Text(readonly=True)
    # Required in the view; checked in action_override (the wizard is created before it is filled).
    reason = fields.Text(help="Why these documents may go beyond the credit check.")

    @api.model
    def _open_for(self, documents, failures):
        summary = "\n\n".join(documents._credit_message(f, for_manager=True) for f in failures)
        wizard = self.create(
            {"res_model": documents._name, "res_ids": documents.ids, "summary": summary}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Check"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_override(self):
        """Logs one override per blocked document, then validates them again."""
        self.ensure_one()
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise AccessError(
                self.env._("Only a Credit Control Manager can override a credit check.")
            )
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for the override."))
        if self.res_model not in self.env.registry["credit.checked.mixin"]._inherit_children:
            raise UserError(self.env._("These documents are not checked against credit."))
        documents = self.env[self.res_model].browse(self.res_ids).exists()
        override_model = self.env["credit.override"]
        for failure in documents._credit_failures(lock=False):
            if failure.company.credit_check_mode != "block":
                continue
            for document in failure.documents:
                override_model._create_from_failure(
                    failure, document, reason, document._credit_document_amount()
                )
        return documents._credit_validate()
