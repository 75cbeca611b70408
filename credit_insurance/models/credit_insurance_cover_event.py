from odoo import api, fields, models
from odoo.tools import SQL

from ..mappers import edifact

# Sources whose decisions come in numbers: no chatter message per cover.
BULK_SOURCES = ("sync", "file")


class _CoverWrites:
    """The covers' new values, written in one call per set of equal values
    instead of one write per cover (tracking is logged by the caller)."""

    def __init__(self, covers):
        self.covers = covers.with_context(mail_notrack=True)
        self.vals = {}

    def add(self, cover, vals):
        self.vals.setdefault(cover.id, {}).update(vals)

    def flush(self, cover=None):
        if cover is not None:
            if cover.id not in self.vals:
                return
            groups = {None: ([cover.id], self.vals.pop(cover.id))}
        else:
            groups = {}
            for cover_id, vals in self.vals.items():
                key = tuple(sorted(vals.items()))
                groups.setdefault(key, ([], vals))[0].append(cover_id)
            self.vals = {}
        for ids, vals in groups.values():
            self.covers.browse(ids).write(vals)


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
    superseded = fields.Boolean(
        default=False, help="A later decision of the insurer replaced this one."
    )
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

    def _request_kind(self):
        """What the request this event answers asked for: its own kind, else
        the latest request sent before it on the cover."""
        self.ensure_one()
        if self.request_kind:
            return self.request_kind
        asked = self.cover_id.event_ids.filtered(
            lambda e: e.request_kind and e.id < self.id
        ).sorted("id")
        return asked[-1:].request_kind or False

    def _refuses_a_change(self):
        self.ensure_one()
        return (
            self.answer == "refused"
            and self.cover_id.state in edifact.COVERING
            and self.cover_id.amount > 0
            and self._request_kind() in ("increase", "prolong")
        )

    def _apply(self):
        """Makes the decision the cover's current state; a reduction or a
        withdrawal then checks the exposure. Many events at once: the
        earlier decisions read in one query, the notes logged in one batch."""
        events = self.sudo().sorted("id")
        superseding = events.filtered(
            lambda e: e.answer in (*edifact.COVERING, "withdrawn", "expired")
        )
        older = {}
        if superseding:
            self.flush_model(["cover_id", "applied", "answer", "superseded"])
            # The latest earlier decision in force of each cover.
            for cover_id, event_id in self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT ON (new.cover_id) new.cover_id, old.id
                      FROM credit_insurance_cover_event new
                      JOIN credit_insurance_cover_event old
                        ON old.cover_id = new.cover_id AND old.id < new.id
                       AND old.applied AND NOT COALESCE(old.superseded, FALSE)
                       AND old.answer IN %(covering)s
                     WHERE new.id = ANY(%(ids)s)
                     ORDER BY new.cover_id, new.id, old.id DESC
                    """,
                    covering=edifact.COVERING,
                    ids=superseding.ids,
                )
            ):
                older.setdefault(cover_id, self.browse(event_id))
        Cover = self.env["credit.insurance.cover"].sudo()
        covers = events.cover_id
        # Synchronisations and limit lists: the history (amounts, dates, raw
        # answer) is the audit trail and the insurer's chatter notes the run;
        # one message per cover would cost more than the rest of the run.
        quiet = all(event.source in BULK_SOURCES for event in events)
        tracked = [] if quiet else list(Cover._track_get_fields())
        initial = {cover.id: {name: cover[name] for name in tracked} for cover in covers}
        notes, shortfall, applied, superseded = {}, Cover, [], []
        writes = _CoverWrites(Cover)
        for event in events:
            cover = event.cover_id
            # A cover seen again reads what the earlier decision wrote.
            writes.flush(cover)
            applied.append(event.id)
            # Tracked below for all covers at once.
            if event._refuses_a_change():
                # An increase or a prolongation refused: the cover in force
                # stays as it was decided.
                notes[cover.id] = self.env._(
                    "The insurer refused the %(request)s; the cover of %(amount)s %(currency)s "
                    "stays in force.",
                    request=dict(edifact.REQUEST_KINDS)[event._request_kind()].lower(),
                    amount=cover.amount,
                    currency=cover.currency_id.name,
                )
                writes.add(cover, {"pending": False})
                continue
            writes.add(cover, event._cover_vals())
            if event in superseding and cover.id in older:
                superseded.append(older[cover.id].id)
                # Keep the insurer's vocabulary: a later decision supersedes.
                notes[cover.id] = self.env._(
                    "Decision of %(date)s superseded by the insurer's %(answer)s.",
                    date=older[cover.id].decision_date or older[cover.id].create_date.date(),
                    answer=dict(edifact.ANSWERS)[event.answer].lower(),
                )
            if event in superseding and event.answer in edifact.COVERING:
                older[cover.id] = event
            if event.answer in ("reduced", "withdrawn", "expired"):
                shortfall |= cover
        writes.flush()
        self.browse(applied).write({"applied": True})
        if superseded:
            self.browse(superseded).write({"superseded": True})
        if not quiet:
            covers._log_changes(tracked, initial, notes)
        shortfall._check_shortfall()

    def _overtaken(self):
        """The events a later final decision of the insurer on the same
        cover (applied, not pending) has already replaced: a change
        announced for a later date never overrides a newer decision."""
        if not self:
            return self
        self.flush_model(["cover_id", "applied", "answer"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ev.id
                  FROM credit_insurance_cover_event ev
                 WHERE ev.id = ANY(%(ids)s)
                   AND EXISTS (
                       SELECT 1 FROM credit_insurance_cover_event newer
                        WHERE newer.cover_id = ev.cover_id AND newer.id > ev.id
                          AND newer.applied AND newer.answer NOT IN %(pending)s
                          -- A refused increase leaves the cover as decided.
                          AND newer.answer != 'refused')
                """,
                ids=self.ids,
                pending=tuple(edifact.PENDING),
            )
        )
        return self.browse(row[0] for row in rows)

    def _cover_vals(self):
        cover = self.cover_id
        if self.answer in edifact.PENDING:
            # A cover in force stays so while its change is examined.
            vals = {"pending": True}
            if cover.state not in edifact.COVERING:
                vals["state"] = self.answer
        else:
            vals = {
                "state": self.answer,
                "pending": False,
                "amount": self.amount if self.answer in edifact.COVERING else 0.0,
                "currency_id": self.currency_id.id,
                "decision_date": self.decision_date or fields.Date.context_today(self),
                "effective_date": self.effective_date,
                "expiry_date": self.expiry_date,
                "conditions": self.conditions,
            }
        if self.requested_amount and self.request_kind:
            vals["requested_amount"] = self.requested_amount
        return vals
