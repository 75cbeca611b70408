from odoo import fields, models


class CreditInsuranceOverdueAnswer(models.TransientModel):
    """The answer of a file-based insurer to an overdue notice, as read on
    its portal or in its letter."""

    _name = "credit.insurance.overdue.answer"
    _description = "Enter an Insurer's Answer to an Overdue Notice"

    notice_id = fields.Many2one("credit.insurance.overdue.notice", required=True)
    state = fields.Selection(
        selection=[("accepted", "Accepted"), ("refused", "Refused")],
        string="Answer",
        required=True,
        default="accepted",
    )
    reference = fields.Char(string="Insurer Reference")
    date = fields.Date(required=True, default=fields.Date.context_today)
    message = fields.Text(string="Insurer's Message")

    def action_confirm(self):
        self.ensure_one()
        self.notice_id._record_manual_answer(self.state, self.reference, self.date, self.message)
        return {"type": "ir.actions.act_window_close"}
