import base64
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import AccessError, UserError, ValidationError

from ..adapters.overdue_file import notice_file
from ..mappers import overdue

USER_GROUP = "credit_management.group_credit_control_user"
# Granted by the sending and answering flows only (a context variable: no
# RPC caller can set it).
NOTICE_FLOW = "credit_insurance_notice"
FLOW_FIELDS = {
    "state",
    "request_key",
    "sent_date",
    "sent_by_id",
    "sent_late",
    "answer_date",
    "insurer_ref",
    "job_id",
    "message",
    "raw_answer",
    "attachment_id",
}
DRAFT_FIELDS = {"kind", "amount", "new_due_date", "note"}
STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("accepted", "Accepted"),
    ("refused", "Refused"),
]


class CreditInsuranceOverdueNotice(models.Model):
    """What the policyholder tells the insurer about an overdue insured
    item: a default reported, a due date extended, a rescheduling; with the
    insurer's answer. Sent through the insurer's API, or in a notice file
    for a file-based insurer (its answer then entered by hand)."""

    _name = "credit.insurance.overdue.notice"
    _description = "Overdue Notice"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    overdue_id = fields.Many2one(
        "credit.insurance.overdue",
        string="Overdue Item",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    policy_id = fields.Many2one(related="overdue_id.policy_id", store=True, index=True)
    backend_id = fields.Many2one(related="overdue_id.backend_id", store=True)
    backend_kind = fields.Selection(related="backend_id.kind", string="Insurer Kind")
    company_id = fields.Many2one(related="overdue_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="overdue_id.partner_id", store=True)
    move_line_id = fields.Many2one(related="overdue_id.move_line_id", store=True, index=True)
    move_id = fields.Many2one(related="overdue_id.move_id", store=True)
    deadline = fields.Date(related="overdue_id.deadline")
    kind = fields.Selection(
        selection=overdue.KINDS, required=True, default="default", tracking=True
    )
    kind_code = fields.Char(
        string="Insurer Code", compute="_compute_kind_code", help="The kind in the insurer's words."
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(string="Amount Overdue")
    due_date = fields.Date(readonly=True)
    new_due_date = fields.Date(
        help="Extension: the new due date asked. Rescheduling: the date of the last payment."
    )
    note = fields.Text(string="Comment")

    # Written by the flows only
    state = fields.Selection(
        selection=STATES, required=True, default="draft", readonly=True, tracking=True, index=True
    )
    request_key = fields.Char(readonly=True, copy=False)
    sent_date = fields.Datetime(readonly=True, copy=False)
    sent_by_id = fields.Many2one("res.users", string="Sent By", readonly=True, copy=False)
    sent_late = fields.Boolean(string="Sent After the Deadline", readonly=True, copy=False)
    answer_date = fields.Date(readonly=True, copy=False)
    insurer_ref = fields.Char(string="Insurer Reference", readonly=True, copy=False, index=True)
    job_id = fields.Char(string="Pending Job", readonly=True, copy=False)
    message = fields.Text(string="Insurer's Message", readonly=True, copy=False)
    raw_answer = fields.Json(readonly=True, copy=False)
    attachment_id = fields.Many2one(
        "ir.attachment", string="Notice File", readonly=True, copy=False
    )

    _request_key_uniq = models.UniqueIndex(
        "(request_key) WHERE request_key IS NOT NULL", "A notice is sent once."
    )
    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "A notice is about a positive amount overdue."
    )

    @api.depends("kind", "move_id")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for notice in self:
            notice.name = f"{kinds.get(notice.kind, '')}: {notice.move_id.name or '-'}"

    @api.depends("kind", "backend_id.kind")
    def _compute_kind_code(self):
        for notice in self:
            codes = (
                overdue.ATRADIUS_TYPES
                if notice.backend_id.kind == "atradius"
                else overdue.ALLIANZ_CODES
            )
            notice.kind_code = codes.get(notice.kind, "")

    @api.constrains("kind", "new_due_date", "due_date")
    def _check_new_due_date(self):
        for notice in self:
            if notice.kind == "default":
                continue
            if not notice.new_due_date or notice.new_due_date <= notice.due_date:
                raise ValidationError(
                    self.env._(
                        "An extension or a rescheduling needs a new due date after %s.",
                        notice.due_date,
                    )
                )
            # An extension moves the due date within the MEP, never past it:
            # the notification deadline runs from the end of the MEP anyway.
            mep_end = notice.due_date + timedelta(days=notice.policy_id.max_extension_days)
            if notice.kind == "extension" and notice.new_due_date > mep_end:
                raise ValidationError(
                    self.env._(
                        "The new due date %(new)s is after the end of the maximum extension "
                        "period (%(mep)s, %(days)s days after the due date %(due)s): the "
                        "insurer extends a due date within the MEP only. Notify a default, "
                        "or ask a rescheduling instead.",
                        new=notice.new_due_date,
                        mep=mep_end,
                        days=notice.policy_id.max_extension_days,
                        due=notice.due_date,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def _flow(self):
        return privilege.has(NOTICE_FLOW) or privilege.loading_data(self.env)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_sender()
        if not self._flow() and any(FLOW_FIELDS.intersection(v) for v in vals_list):
            raise AccessError(self.env._("The state and answers of a notice are the insurer's."))
        Overdue = self.env["credit.insurance.overdue"]
        for vals in vals_list:
            row = Overdue.browse(vals.get("overdue_id"))
            # The item is the caller's choice: it must be theirs to see.
            row.check_access("read")
            if row.state == "settled" and not self._flow():
                raise UserError(self.env._("%s is paid: nothing to notify.", row.display_name))
            vals["currency_id"] = row.currency_id.id
            if not vals.get("amount"):
                vals["amount"] = row.amount_residual_currency
            vals["due_date"] = row.date_maturity
            vals.setdefault("request_key", uuid.uuid4().hex)
        return super().create(vals_list)

    def write(self, vals):
        if not self._flow():
            if FLOW_FIELDS.intersection(vals) or {"overdue_id", "due_date"}.intersection(vals):
                raise AccessError(
                    self.env._("The state and answers of a notice are the insurer's.")
                )
            if DRAFT_FIELDS.intersection(vals) and any(n.state != "draft" for n in self):
                raise UserError(self.env._("A notice sent to the insurer cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_drafts_only(self):
        if any(notice.state != "draft" for notice in self):
            raise UserError(self.env._("A notice sent to the insurer is kept."))

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    @api.model
    def _check_sender(self):
        if not (self.env.su or self.env.user.has_group(USER_GROUP)):
            raise AccessError(self.env._("Only credit control sends notices to an insurer."))

    def action_send(self):
        """Sends the draft notices: through the insurer's API, or in a
        notice file for a file-based insurer."""
        self._check_sender()
        self.check_access("write")
        if self.filtered(lambda n: n.state != "draft"):
            raise UserError(self.env._("Only draft notices are sent."))
        files = self.filtered(lambda n: n.backend_id.kind == "file")
        for policy in files.policy_id:
            files.filtered(lambda n, policy=policy: n.policy_id == policy)._export_file()
        for notice in self - files:
            notice._send()
        return self._action_result()

    def _payload(self):
        self.ensure_one()
        row = self.overdue_id
        buyer = row.buyer_id
        if not buyer.insurer_ref and self.backend_id.kind != "file":
            raise UserError(
                self.env._(
                    "%(partner)s has no buyer id at %(insurer)s yet: match the buyer first.",
                    partner=row.partner_id.display_name,
                    insurer=self.backend_id.name,
                )
            )
        if self.currency_id.compare_amounts(self.amount, row.amount_residual_currency) > 0:
            raise UserError(
                self.env._(
                    "%(item)s has %(due)s %(currency)s left to pay: the notice cannot be for more.",
                    item=row.display_name,
                    due=row.amount_residual_currency,
                    currency=self.currency_id.name,
                )
            )
        cover = self.env["credit.insurance.cover"].search(
            [("policy_id", "=", row.policy_id.id), ("buyer_id", "=", buyer.id)], limit=1
        )
        move = row.move_id
        return overdue.Notice(
            kind=self.kind,
            key=self.request_key,
            buyer_ref=buyer.insurer_ref or buyer.legal_id or row.partner_id.vat or "",
            buyer_name=row.partner_id.name or "",
            cover_ref=cover.insurer_ref or "",
            invoice=move.name or "",
            invoice_date=str(move.invoice_date or ""),
            due_date=str(self.due_date),
            new_due_date=str(self.new_due_date or ""),
            amount=self.amount,
            currency=self.currency_id.name,
            note=self.note or "",
        )

    @api.model
    def _demo_create(self, xmlid, move_id, values):
        """Demo data: a notice on the worklist row of ``move_id``, named
        ``xmlid``; only while module data loads."""
        if not privilege.loading_data(self.env):
            raise AccessError(self.env._("Only module data creates a notice this way."))
        row = self.env["credit.insurance.overdue"].search([("move_id", "=", move_id)], limit=1)
        if not row or self.env.ref(xmlid, raise_if_not_found=False):
            return self
        notice = self.create({**values, "overdue_id": row.id})
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": xmlid, "record": notice, "noupdate": True}]
        )
        return notice

    def _send(self):
        self.ensure_one()
        payload = self._payload()
        answer = self.backend_id._call(lambda adapter: adapter.send_notice(payload), self.policy_id)
        self._record_answer(answer, sending=True)

    def _export_file(self):
        """One notice file for the notices of one policy, kept on each."""
        policy = self.policy_id
        content = notice_file(
            [notice._payload() for notice in self], policy.insurer_ref or policy.name
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"overdue-notices-{policy.name}-{fields.Date.context_today(self)}.csv",
                    "raw": content,
                    "mimetype": "text/csv",
                    "res_model": self._name,
                    "res_id": self[:1].id,
                    "company_id": policy.company_id.id,
                }
            )
        )
        for notice in self:
            notice._record_answer(
                overdue.Answer(state="sent", raw={"file": attachment.name}),
                sending=True,
                attachment=attachment,
            )
        return attachment

    def _record_answer(self, answer, sending=False, attachment=None):
        """Keeps the insurer's answer on the notice and updates its item."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        vals = {
            "state": answer.state,
            "job_id": answer.job_id or False,
            "raw_answer": answer.raw,
        }
        if answer.reference:
            vals["insurer_ref"] = answer.reference
        if answer.message:
            vals["message"] = answer.message
        if answer.state != "sent":
            vals["answer_date"] = fields.Date.to_date(answer.date or None) or today
        if sending:
            vals.update(
                sent_date=fields.Datetime.now(),
                sent_by_id=self.env.user.id,
                sent_late=bool(self.deadline and today > self.deadline),
            )
        if attachment:
            vals["attachment_id"] = attachment.id
        with privilege.granted(NOTICE_FLOW):
            self.sudo().write(vals)
        row = self.overdue_id.sudo()
        row._refresh(self.company_id, rows=row)
        row.message_post(body=self._summary())

    def _summary(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        text = self.env._(
            "%(notice)s: %(state)s by %(insurer)s.",
            notice=self.name,
            state=states[self.state].lower(),
            insurer=self.backend_id.name,
        )
        return f"{text} {self.message}" if self.message else text

    def _action_result(self):
        if len(self) != 1:
            return True
        refused = self.state == "refused"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if refused else "success",
                "message": self._summary(),
                "sticky": refused,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Answers that come later
    # ------------------------------------------------------------------

    def action_fetch_answer(self):
        self._check_sender()
        self.check_access("read")
        self._fetch_answer()

    def _fetch_answer(self):
        """Asks the insurer for the answers to the notices it examines."""
        for notice in self.filtered(lambda n: n.state == "sent" and n.backend_id.kind != "file"):
            last = overdue.Answer(
                state="sent", reference=notice.insurer_ref or "", job_id=notice.job_id or ""
            )
            answer = notice.backend_id._call(
                lambda adapter, last=last: adapter.notice_answer(last), notice.policy_id
            )
            if answer is not None:
                notice._record_answer(answer)

    @api.model
    def _fetch_pending(self, backend):
        """The daily synchronisation's part: notices of ``backend`` waiting
        for an answer."""
        self.sudo().search(
            [("backend_id", "=", backend.id), ("state", "=", "sent")]
        )._fetch_answer()

    def _record_manual_answer(self, state, reference, date, message):
        """The answer of a file-based insurer, entered by credit control."""
        self._check_sender()
        self.check_access("write")
        for notice in self:
            if notice.backend_id.kind != "file" or notice.state != "sent":
                raise UserError(
                    self.env._(
                        "Only the answer to a notice file waiting for it is entered by hand; "
                        "%s answers through its API.",
                        notice.backend_id.name,
                    )
                )
            notice._record_answer(
                overdue.Answer(
                    state=state,
                    reference=reference or "",
                    date=str(date or ""),
                    message=message or "",
                    raw={"entered_by": self.env.user.login},
                )
            )

    def action_download_file(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }

    def _file_content(self):
        """The notice file's bytes (tests, downloads)."""
        self.ensure_one()
        return base64.b64decode(self.attachment_id.sudo().datas or b"")
