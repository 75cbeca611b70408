from odoo import fields, models


class CreditInsuranceClaimAnswer(models.TransientModel):
    """The insurer's answer to a claim received outside its API (a letter,
    an email, its portal), or the indemnity received. The amount is
    recorded on the claim; the accountant books the payment itself."""

    _name = "credit.insurance.claim.answer"
    _description = "Record the Insurer's Answer to a Claim"

    claim_id = fields.Many2one("credit.insurance.claim", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="claim_id.currency_id")
    answer = fields.Selection(
        selection=[
            ("acknowledged", "Acknowledged"),
            ("under_review", "Under Review"),
            ("indemnity", "Indemnity Received"),
            ("rejected", "Rejected"),
            ("withdrawn", "Withdrawn"),
        ],
        required=True,
        default="acknowledged",
    )
    message = fields.Text(string="Insurer's Words")
    amount = fields.Monetary(string="Amount Received")
    date = fields.Date(required=True, default=fields.Date.context_today)

    def action_confirm(self):
        self.ensure_one()
        self.claim_id._record_answer(
            self.answer,
            message=self.message or "",
            amount=self.amount if self.answer == "indemnity" else 0.0,
            day=self.date,
        )
        return {"type": "ir.actions.act_window_close"}
