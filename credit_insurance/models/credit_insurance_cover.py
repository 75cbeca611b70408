import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..mappers import edifact

_logger = logging.getLogger(__name__)

USER_GROUP = "credit_management.group_credit_control_user"
BULK = {"mail_create_nolog": True, "mail_create_nosubscribe": True}


class CreditInsuranceCover(models.Model):
    """The current cover of one buyer under one policy; its events are the
    full history of requests and decisions. Written only by the flows
    (requests, polls, synchronisation, webhooks): users read it."""

    _name = "credit.insurance.cover"
    _description = "Credit Insurance Cover"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "partner_id, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    policy_id = fields.Many2one(
        "credit.insurance.policy",
        string="Policy",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    backend_id = fields.Many2one(related="policy_id.backend_id", store=True, index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    buyer_id = fields.Many2one(
        "credit.insurance.buyer",
        string="Buyer",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    partner_id = fields.Many2one(related="buyer_id.partner_id", store=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True)
    amount = fields.Monetary(
        string="Insured Amount", readonly=True, tracking=True, help="What the insurer covers now."
    )
    requested_amount = fields.Monetary(readonly=True)
    state = fields.Selection(
        selection=edifact.ANSWERS, required=True, default="requested", tracking=True, index=True
    )
    pending = fields.Boolean(
        string="Waiting for the Insurer",
        readonly=True,
        copy=False,
        index=True,
        help="A request was sent and its answer has not come yet; a cover in force stays in "
        "force meanwhile.",
    )
    insurer_ref = fields.Char(string="Insurer Cover ID", readonly=True, index=True, copy=False)
    job_id = fields.Char(string="Pending Job", readonly=True, copy=False, index=True)
    decision_date = fields.Date(readonly=True)
    effective_date = fields.Date(readonly=True)
    expiry_date = fields.Date(readonly=True)
    conditions = fields.Text(readonly=True)
    event_ids = fields.One2many("credit.insurance.cover.event", "cover_id", string="History")

    _policy_buyer_uniq = models.Constraint(
        "UNIQUE(policy_id, buyer_id)", "A buyer has one cover per policy; its history is kept."
    )
    _amount_positive = models.Constraint(
        "CHECK(amount >= 0)", "An insured amount cannot be negative."
    )

    @api.depends("partner_id", "policy_id")
    def _compute_name(self):
        for cover in self:
            cover.name = f"{cover.partner_id.display_name or '-'} / {cover.policy_id.name or '-'}"

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------

    @api.model
    def _check_requester(self):
        if not (self.env.su or self.env.user.has_group(USER_GROUP)):
            raise AccessError(self.env._("Only credit control can ask an insurer for cover."))

    @api.model
    def _request(self, partner, policy, kind, amount, key):
        """Asks ``policy``'s insurer for a cover of ``amount`` (policy
        currency) on ``partner``: model → adapter → insurer → mapper → cover
        history. Returns the cover, or the buyer when the insurer's match
        needs a person to resolve it. The same ``key`` never asks twice."""
        self._check_requester()
        partner.check_access("read")
        policy.check_access("read")
        partner = partner.commercial_partner_id
        done = self.env["credit.insurance.cover.event"].sudo().search([("request_key", "=", key)])
        if done:
            # The same request confirmed again; a key of another request is
            # refused without telling what it was.
            if done.cover_id.policy_id != policy or done.cover_id.partner_id != partner:
                raise UserError(self.env._("This request key was used already: start again."))
            return done.cover_id
        self._check_request(partner, policy, kind, amount)
        backend = policy.backend_id
        buyer = self.env["credit.insurance.buyer"]._match(backend, partner)
        if buyer.match_state != "matched":
            return buyer
        cover = self.sudo().search([("policy_id", "=", policy.id), ("buyer_id", "=", buyer.id)])
        cover._check_kind(kind)
        decision = backend._call(
            lambda adapter: adapter.request_cover(
                buyer.insurer_ref,
                kind,
                amount,
                currency=policy.currency_id.name,
                key=key,
                cover_ref=cover.insurer_ref or "",
            ),
            policy,
        )
        if not cover:
            cover = self.sudo().create(
                {
                    "policy_id": policy.id,
                    "buyer_id": buyer.id,
                    "currency_id": policy.currency_id.id,
                }
            )
        cover._record(decision, kind=kind, key=key, source="user", requested_amount=amount)
        return cover

    @api.model
    def _check_request(self, partner, policy, kind, amount):
        if kind not in edifact.REQUEST_CODES:
            raise UserError(self.env._("Unknown kind of cover request: %s.", kind))
        if kind != "cancel" and amount <= 0:
            raise UserError(self.env._("Ask the insurer for a positive amount."))
        if not policy.active:
            raise UserError(self.env._("Policy %s is archived.", policy.name))
        if not policy._covers_country(partner.country_id):
            raise UserError(
                self.env._(
                    "Policy %(policy)s does not cover buyers in %(country)s.",
                    policy=policy.name,
                    country=partner.country_id.name or self.env._("no country"),
                )
            )

    def _check_kind(self, kind):
        """A new cover once; changes only to an existing one; one request
        at a time."""
        if self and (self.pending or self.state in edifact.PENDING):
            raise UserError(
                self.env._(
                    "A request for %s is already waiting for the insurer's answer.", self.name
                )
            )
        if kind == "new" and self.state in edifact.COVERING:
            raise UserError(
                self.env._(
                    "%s is already covered: ask for an increase or a reduction instead.", self.name
                )
            )
        if kind != "new" and (not self or not self.insurer_ref):
            raise UserError(self.env._("There is no cover to change yet: ask for a new cover."))

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------

    @api.model
    def _for(self, policy, buyer):
        """The cover of ``buyer`` under ``policy``, made when missing."""
        return self._for_many([(policy.id, buyer.id)])[(policy.id, buyer.id)]

    @api.model
    def _for_many(self, pairs):
        """``{(policy id, buyer id): cover}`` for the pairs, the missing
        covers made in one batch in the policy's currency."""
        pairs = set(pairs)
        covers = {}
        if pairs:
            found = self.sudo().search_fetch(
                [
                    ("policy_id", "in", list({p for p, _b in pairs})),
                    ("buyer_id", "in", list({b for _p, b in pairs})),
                ],
                ["policy_id", "buyer_id"],
            )
            covers = {(c.policy_id.id, c.buyer_id.id): c for c in found}
        missing = sorted(pairs - set(covers))
        if missing:
            policies = self.env["credit.insurance.policy"].sudo().browse(p for p, _b in missing)
            currency = {policy.id: policy.currency_id.id for policy in policies}
            # Noted once on the insurer's chatter, not one creation note each.
            made = (
                self.sudo()
                .with_context(**BULK)
                .create(
                    [
                        {"policy_id": p, "buyer_id": b, "currency_id": currency[p]}
                        for p, b in missing
                    ]
                )
            )
            covers.update(zip(missing, made, strict=True))
        return covers

    def _record(self, decision, kind=False, key=False, source="sync", requested_amount=0.0):
        """Adds ``decision`` to the history and applies it now, or on its
        effective date when the insurer reduces or withdraws later."""
        self.ensure_one()
        return self._record_many(
            [(self, decision)], source, kind=kind, key=key, requested_amount=requested_amount
        )

    @api.model
    def _record_many(
        self,
        entries,
        source,
        *,
        kind=False,
        key=False,
        requested_amount=0.0,
        snapshot=False,
        new_only=False,
    ):
        """:meth:`_record` of many ``(cover, decision)`` at once (a
        synchronisation, a limit list): the same rules, in a few queries.
        ``snapshot``: the decisions state the insurer's whole position (a
        limit list), so one equal to the cover's current state is no news
        and leaves a request waiting. Returns the events recorded and, unless
        ``new_only``, those already known of the same decisions."""
        Event = self.env["credit.insurance.cover.event"].sudo()
        first, again, seen = [], [], set()
        for entry in entries:
            # Two decisions on one cover: the second is weighed after the first.
            (again if entry[0].id in seen else first).append(entry)
            seen.add(entry[0].id)
        if again:
            options = {
                "kind": kind,
                "key": key,
                "requested_amount": requested_amount,
                "snapshot": snapshot,
                "new_only": new_only,
            }
            return self._record_many(first, source, **options) | (
                self._record_many(again, source, **options)
            )
        covers = self.browse(seen).sudo()
        refs = list({decision.reference for _cover, decision in entries if decision.reference})
        known = {}
        if refs:
            for event in Event.search_fetch(
                [("cover_id", "in", covers.ids), ("insurer_ref", "in", refs)],
                ["cover_id", "insurer_ref"],
            ):
                known.setdefault((event.cover_id.id, event.insurer_ref), event)
        today = fields.Date.context_today(self)
        result, vals_list, later = Event, [], []
        for entry, decision in entries:
            cover = entry.sudo()
            if decision.reference and (cover.id, decision.reference) in known:
                result |= known[(cover.id, decision.reference)]
                continue
            if (snapshot or (not kind and not decision.reference)) and cover._same_as_current(
                decision, strict=snapshot
            ):
                continue
            if decision.reference:
                known[(cover.id, decision.reference)] = Event
            effective = fields.Date.to_date(decision.effective_date[:10] or None) or today
            vals_list.append(
                cover._event_vals(
                    decision,
                    kind=kind,
                    key=key,
                    source=source,
                    requested_amount=requested_amount,
                    effective=effective,
                )
            )
            later.append(
                effective > today and decision.answer in ("reduced", "withdrawn", "expired")
            )
            insurer_ref = decision.insurer_cover_id or cover.insurer_ref
            if insurer_ref != cover.insurer_ref or (decision.job_id or False) != cover.job_id:
                cover.write({"insurer_ref": insurer_ref, "job_id": decision.job_id or False})
        events = Event.create(vals_list)
        due = [event for event, wait in zip(events, later, strict=True) if not wait]
        Event.browse(event.id for event in due)._apply()
        return events if new_only else result | events

    def _event_vals(self, decision, *, kind, key, source, requested_amount, effective):
        return {
            "cover_id": self.id,
            "request_kind": kind,
            "answer": decision.answer,
            "source": source,
            "request_key": key,
            "requested_amount": requested_amount or decision.requested_amount,
            "amount": decision.amount,
            "currency_id": self._currency(decision.currency).id,
            "insurer_ref": decision.reference or False,
            "decision_date": fields.Date.to_date(decision.decision_date[:10] or None),
            "effective_date": effective,
            "expiry_date": fields.Date.to_date(decision.expiry_date[:10] or None),
            "conditions": decision.conditions or False,
            "raw_answer": decision.raw,
            "job_id": decision.job_id or False,
        }

    def _same_as_current(self, decision, strict=False):
        """``strict``: the dates and conditions too (a limit list's row)."""
        same = (
            decision.answer == self.state
            and self.currency_id.compare_amounts(decision.amount, self.amount) == 0
        )
        if same and strict:
            expiry = fields.Date.to_date(decision.expiry_date[:10] or None)
            same = (
                self._currency(decision.currency) == self.currency_id
                and expiry == (self.expiry_date or None)
                and (decision.conditions or False) == (self.conditions or False)
            )
        return same

    def _currency(self, code):
        if code and code != self.currency_id.name:
            currency = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", code)], limit=1)
            )
            if currency:
                return currency
        return self.currency_id

    @api.model
    def _record_remote(self, backend, decision, source):
        """Records a decision the insurer sent on its own (sync, webhook) on
        the cover it names; unknown covers are skipped."""
        return self._record_remote_many(backend, [decision], source)

    @api.model
    def _record_remote_many(self, backend, decisions, source, new_only=False):
        """:meth:`_record_remote` of many decisions: the covers they name
        found in one query. ``new_only``: see :meth:`_record_many`."""
        cover_ids = [d.insurer_cover_id for d in decisions if d.insurer_cover_id]
        job_ids = [d.job_id for d in decisions if not d.insurer_cover_id and d.job_id]
        by_ref, by_job = {}, {}
        if cover_ids or job_ids:
            domain = Domain("backend_id", "=", backend.id) & (
                Domain("insurer_ref", "in", cover_ids) | Domain("job_id", "in", job_ids)
            )
            for cover in self.sudo().search(domain, order="id"):
                by_ref.setdefault(cover.insurer_ref, cover)
                by_job.setdefault(cover.job_id, cover)
        entries = []
        for decision in decisions:
            if decision.insurer_cover_id:
                cover = by_ref.get(decision.insurer_cover_id)
            else:
                cover = by_job.get(decision.job_id) if decision.job_id else None
            if cover:
                entries.append((cover, decision))
            elif decision.insurer_cover_id or decision.job_id:
                _logger.info("Insurer %s sent a decision on an unknown cover", backend.id)
        if not entries:
            return self.env["credit.insurance.cover.event"]
        return self._record_many(entries, source, new_only=new_only)

    def _fetch_answer(self):
        """Asks the insurer for the answer to a pending request."""
        for cover in self.sudo():
            backend = cover.backend_id
            if cover.job_id:
                job = cover.job_id
                decision = backend._call(lambda adapter, job=job: adapter.poll_job(job))
            elif cover.insurer_ref and backend.kind != "file":
                ref = cover.insurer_ref
                decision = backend._call(lambda adapter, ref=ref: adapter.get_cover(ref))
            else:
                continue
            if decision is not None and decision.answer not in edifact.PENDING:
                cover._record(decision, source="poll")

    def action_fetch_answer(self):
        self._check_requester()
        self.check_access("read")
        self._fetch_answer()

    def _log_changes(self, tracked, initial, notes):
        """The chatter's tracking of the decisions applied to many covers:
        what a write with tracking logs, one message per changed cover
        (with the note about a superseded decision), made in two batches
        instead of one message per cover."""
        if not tracked:
            return
        fields_info = self.fields_get(
            tracked, attributes=("string", "type", "selection", "currency_field")
        )
        tracking, bodies = {}, {}
        for cover in self:
            _changes, commands = cover._mail_track(fields_info, initial[cover.id])
            if commands or cover.id in notes:
                tracking[cover.id] = commands
                bodies[cover.id] = notes.get(cover.id, "")
        if not bodies:
            return
        messages = self.browse(bodies)._message_log_batch(bodies=bodies)
        message_of = {message.res_id: message.id for message in messages}
        self.env["mail.tracking.value"].sudo().create(
            [
                {**values, "mail_message_id": message_of[cover_id]}
                for cover_id, commands in tracking.items()
                for _command, _id, values in commands
            ]
        )

    @api.model
    def _apply_due_events(self):
        """Applies the insurer's reductions and withdrawals whose effective
        date has come."""
        today = fields.Date.context_today(self)
        due = (
            self.env["credit.insurance.cover.event"]
            .sudo()
            .search([("applied", "=", False), ("effective_date", "<=", today)], order="id")
        )
        stale = due._overtaken()
        if stale:
            stale.write({"applied": True, "superseded": True})
            for event in stale:
                event.cover_id._message_log(
                    body=self.env._(
                        "The insurer's %(answer)s announced for %(date)s was not applied: "
                        "a later decision of the insurer replaced it.",
                        answer=dict(edifact.ANSWERS)[event.answer].lower(),
                        date=event.effective_date,
                    )
                )
        for event in due - stale:
            event._apply()

    # ------------------------------------------------------------------
    # Credit control
    # ------------------------------------------------------------------

    def _check_shortfall(self):
        """After a reduction or withdrawal: when the cover no longer covers
        the exposure, an activity for the insurer's responsible and, per
        policy, a credit hold."""
        for cover in self.sudo():
            company = cover.company_id
            partner = cover.partner_id.with_company(company)
            insured = cover.currency_id._convert(
                cover.amount, company.currency_id, company, fields.Date.context_today(self)
            )
            exposure = partner.credit_exposure
            if company.currency_id.compare_amounts(exposure, insured) <= 0:
                continue
            reason = self.env._(
                "%(insurer)s %(answer)s the cover of %(partner)s to %(amount)s %(currency)s, below "
                "its exposure of %(exposure)s %(company_currency)s.",
                insurer=cover.backend_id.name,
                answer=dict(edifact.ANSWERS).get(cover.state, cover.state).lower(),
                partner=partner.display_name,
                amount=cover.amount,
                currency=cover.currency_id.name,
                exposure=exposure,
                company_currency=company.currency_id.name,
            )
            partner.activity_schedule(
                "credit_insurance.mail_activity_type_insurance_shortfall",
                summary=self.env._("Insurer cover below exposure"),
                note=reason,
                user_id=(cover.backend_id.user_id or self.env.user).id,
            )
            if cover.policy_id.shortfall_action == "hold":
                partner._credit_set_hold(reason)
            else:
                partner.message_post(body=reason)
