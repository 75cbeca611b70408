from odoo import api, fields, models

from ..mappers import edifact


class CreditInsuranceCoverEvent(models.Model):
    """One request or decision in a cover's history, with the insurer's raw
    answer: never changed once written, except when a decision dated later
    takes effect."""

    _name = "credit.insurance.cover.event"
    _description = "Credit Insurance Cover History"
    _order = "id desc"
    _check_company_auto = True

    cover_id = fields.Many2one(
        "credit.insurance.cover", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="cover_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="cover_id.partner_id", store=True)
    source = fields.Selection(
        selection=[
            ("user", "Request"),
            ("poll", "Answer Polled"),
            ("sync", "Synchronisation"),
            ("webhook", "Webhook"),
            ("file", "Limit List"),
            ("demo", "Demo"),
        ],
        required=True,
        default="user",
    )
    request_kind = fields.Selection(selection=edifact.REQUEST_KINDS, string="Request")
    request_code = fields.Char(
        string="EDIFACT 4505",
        compute="_compute_codes",
        store=True,
        help="Credit cover request type.",
    )
    answer = fields.Selection(selection=edifact.ANSWERS, required=True)
    answer_code = fields.Char(
        string="EDIFACT 4507",
        compute="_compute_codes",
        store=True,
        help="Credit cover response type.",
    )
    currency_id = fields.Many2one("res.currency", required=True)
    requested_amount = fields.Monetary()
    amount = fields.Monetary(string="Decided Amount")
    decision_date = fields.Date()
    effective_date = fields.Date(index=True)
    expiry_date = fields.Date()
    conditions = fields.Text()
    raw_answer = fields.Json()
    request_key = fields.Char(copy=False, help="Sent with the request so it is never sent twice.")
    insurer_ref = fields.Char(string="Insurer Decision ID", copy=False)
    job_id = fields.Char(copy=False)
    applied = fields.Boolean(default=False, index=True, help="The decision has taken effect.")
    # A file insurer's request goes out in a request file.
    sent_date = fields.Datetime(string="Sent On", readonly=True, copy=False)
    request_file_id = fields.Many2one(
        "ir.attachment", string="Request File", readonly=True, copy=False, ondelete="set null"
    )

    _request_key_uniq = models.UniqueIndex(
        "(request_key) WHERE request_key IS NOT NULL", "A cover request is sent once."
    )

    @api.depends("request_kind", "answer", "conditions")
    def _compute_codes(self):
        for event in self:
            event.request_code = edifact.request_code(event.request_kind) or False
            event.answer_code = edifact.answer_code(event.answer, event.conditions) or False

    def _apply(self):
        """Makes the decision the cover's current state; a reduction or a
        withdrawal then checks the exposure."""
        for event in self.sudo():
            cover = event.cover_id
            if event.answer in edifact.PENDING:
                # A cover in force stays so while its change is examined.
                vals = {"pending": True}
                if cover.state not in edifact.COVERING:
                    vals["state"] = event.answer
            else:
                vals = {"state": event.answer, "pending": False}
                vals.update(
                    amount=event.amount if event.answer in edifact.COVERING else 0.0,
                    currency_id=event.currency_id.id,
                    decision_date=event.decision_date or fields.Date.context_today(self),
                    effective_date=event.effective_date,
                    expiry_date=event.expiry_date,
                    conditions=event.conditions,
                )
            if event.requested_amount and event.request_kind:
                vals["requested_amount"] = event.requested_amount
            older = cover.event_ids.filtered(
                lambda e, event=event: (
                    e.id < event.id and e.applied and e.answer in edifact.COVERING
                )
            )
            cover.write(vals)
            event.applied = True
            if older and event.answer in (*edifact.COVERING, "withdrawn", "expired"):
                # Keep the insurer's vocabulary: a later decision supersedes.
                cover.message_post(
                    body=self.env._(
                        "Decision of %(date)s superseded by the insurer's %(answer)s.",
                        date=older[0].decision_date or older[0].create_date.date(),
                        answer=dict(edifact.ANSWERS)[event.answer].lower(),
                    )
                )
            if event.answer in ("reduced", "withdrawn", "expired"):
                cover._check_shortfall()
