import base64

from odoo import fields, models


class CreditInsuranceLimitImport(models.TransientModel):
    """Imports a file insurer's limit list (.xls, .xlsx or .csv): its
    decisions are recorded on the covers as an API's are."""

    _name = "credit.insurance.limit.import"
    _description = "Import an Insurer's Limit List"
    _check_company_auto = True

    backend_id = fields.Many2one(
        "credit.insurance.backend",
        string="Insurer",
        required=True,
        check_company=True,
        domain="[('kind', '=', 'file')]",
    )
    company_id = fields.Many2one(related="backend_id.company_id")
    file = fields.Binary(string="Limit List", required=True)
    filename = fields.Char()

    def action_import(self):
        self.ensure_one()
        counts = self.backend_id._import_limit_list(
            base64.b64decode(self.file or b""), self.filename or ""
        )
        message = self.env._(
            "%(rows)s row(s) read, %(decisions)s new decision(s), %(held)s buyer(s) to resolve.",
            rows=counts["rows"],
            decisions=counts["decisions"],
            held=len(counts["to_resolve"]),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if counts["to_resolve"] else "success",
                "message": message,
                "sticky": bool(counts["to_resolve"]),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
