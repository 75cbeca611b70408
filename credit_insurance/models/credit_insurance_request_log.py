from odoo import api, fields, models


class CreditInsuranceRequestLog(models.Model):
    """Every HTTP exchange with an insurer, secrets masked (see
    adapters/base.py), written on a cursor of its own so that refusals stay
    logged."""

    _name = "credit.insurance.request.log"
    _description = "Insurer Request Log"
    _order = "id desc"
    _rec_name = "url"

    backend_id = fields.Many2one(
        "credit.insurance.backend", string="Insurer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    method = fields.Char(required=True)
    url = fields.Char(string="URL", required=True)
    status_code = fields.Integer(string="Status")
    duration_ms = fields.Integer(string="Duration (ms)")
    request_body = fields.Text()
    response_body = fields.Text(string="Answer Body")
    error = fields.Char()

    @api.autovacuum
    def _gc_old_logs(self):
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=180)
        self.sudo().search([("create_date", "<", limit)], limit=10000).unlink()
