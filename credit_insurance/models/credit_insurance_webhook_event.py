import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..mappers import allianz, atradius

_logger = logging.getLogger(__name__)

MAPPERS = {"allianz": allianz.cover, "atradius": atradius.cover}


class CreditInsuranceWebhookEvent(models.Model):
    """A notification an insurer pushed, kept once per event id: insurers
    send the same event several times. Only a failed one is processed
    again when it comes back."""

    _name = "credit.insurance.webhook.event"
    _description = "Insurer Webhook Event"
    _order = "id desc"
    _rec_name = "event_id"

    backend_id = fields.Many2one(
        "credit.insurance.backend", string="Insurer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    event_id = fields.Char(required=True)
    event_type = fields.Char()
    payload = fields.Json()
    state = fields.Selection(
        selection=[("done", "Processed"), ("ignored", "Ignored"), ("failed", "Failed")],
        required=True,
        default="done",
    )
    note = fields.Char()

    _event_uniq = models.Constraint(
        "UNIQUE(backend_id, event_id)", "An insurer's event is received once."
    )

    @api.model
    def _receive(self, backend, payload):
        """Records and processes one event. A copy of an event processed or
        ignored does nothing; a copy of one that failed (the insurer
        unreachable meanwhile, say) is processed again, as insurers resend
        an event for that. Returns (event, True when processed now)."""
        event_id = str(payload.get("eventId") or "")
        vals = {"event_type": payload.get("eventType") or "", "payload": payload}
        known = self.sudo().search(
            [("backend_id", "=", backend.id), ("event_id", "=", event_id)], limit=1
        )
        if known:
            # A copy arriving while another is processed again: that one answers.
            if known.state != "failed" or not known.try_lock_for_update(allow_referencing=True):
                return known, False
            known.write(vals)
            known._run()
            return known, True
        event = self.sudo().create({"backend_id": backend.id, "event_id": event_id, **vals})
        event._run()
        return event, True

    def _run(self):
        try:
            with self.env.cr.savepoint():
                state, note = self._process()
                self.write({"state": state, "note": note})
        except (UserError, ValueError, TypeError) as error:
            self.write({"state": "failed", "note": str(error)[:200]})

    def _process(self):
        backend = self.backend_id.sudo()
        payload = self.payload or {}
        Cover = self.env["credit.insurance.cover"].sudo()
        if self.event_type == "JOB_COMPLETED" and backend.kind == "allianz":
            notice = self._notice_of_job(backend, payload.get("jobId"))
            if notice:
                # The job is asked again: the answer is the insurer's, not the event's.
                notice._fetch_answer()
                return "done", False
            cover = Cover.search(
                [("backend_id", "=", backend.id), ("job_id", "=", payload.get("jobId"))], limit=1
            )
            if not cover:
                return "ignored", self.env._("No pending request with this job.")
            url = payload.get("resourceUrl") or ""
            decision = backend._call(lambda adapter: adapter.read_cover(url))
            cover._record(decision, source="webhook")
            return "done", False
        if payload.get("cover") and backend.kind in MAPPERS:
            decision = MAPPERS[backend.kind](payload["cover"])
            events = Cover._record_remote(backend, decision, source="webhook")
            return ("done", False) if events else ("ignored", self.env._("Nothing new."))
        return "ignored", self.env._("Event type not handled.")

    def _notice_of_job(self, backend, job_id):
        """The overdue notice waiting for ``job_id``, if the job is one."""
        if not job_id:
            return self.env["credit.insurance.overdue.notice"]
        return (
            self.env["credit.insurance.overdue.notice"]
            .sudo()
            .search(
                [("backend_id", "=", backend.id), ("job_id", "=", job_id), ("state", "=", "sent")],
                limit=1,
            )
        )
