import logging

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..engine import dunning, exposure, privilege

_logger = logging.getLogger(__name__)

BATCH_DEBTORS = 2000
EXCLUSION_LABELS = {
    "partner": "Customer excluded from dunning",
    "no_followup": "Excluded from follow-up",
    "blocked": "Payment blocked",
    "dispute": "Disputed",
    "promise": "Promise to pay open",
    "plan": "Payment plan running",
    "pending": "Reminder waiting to go out",
    "cease": "Customer asked to cease communication",
}
FAILED_NAMES_SHOWN = 20
# Set by the dunning code only (engine.privilege.DUNNING_RUN): a user creates
# a manual run of today for a company, nothing else.
RUN_FIELDS = ("company_id", "date", "origin", "state", "user_id", "stats", "log")


class CreditDunningRun(models.Model):
    _name = "credit.dunning.run"
    _description = "Dunning Run"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today, readonly=True)
    origin = fields.Selection(
        selection=[("cron", "Scheduled"), ("manual", "Manual"), ("partner", "Reminder now")],
        default="manual",
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("draft", "Preview"),
            ("running", "Running"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
    )
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    communication_ids = fields.One2many(
        "credit.dunning.communication", "run_id", string="Communications"
    )
    communication_count = fields.Integer(compute="_compute_counts")
    line_count = fields.Integer(compute="_compute_counts")
    letter_count = fields.Integer(compute="_compute_counts")
    stats = fields.Json(readonly=True, copy=False)
    stats_html = fields.Html(string="Summary", compute="_compute_stats_html")
    log = fields.Text(readonly=True, copy=False)

    @api.depends("date", "company_id", "origin")
    def _compute_name(self):
        origins = dict(self._fields["origin"]._description_selection(self.env))
        for run in self:
            run.name = self.env._(
                "Dunning %(date)s (%(origin)s)", date=run.date, origin=origins.get(run.origin)
            )

    def _compute_counts(self):
        Communication = self.env["credit.dunning.communication"]
        comms = dict(
            Communication._read_group([("run_id", "in", self.ids)], ["run_id"], ["__count"])
        )
        letters = dict(
            Communication._read_group(
                [("run_id", "in", self.ids), ("channel_letter", "=", True)],
                ["run_id"],
                ["__count"],
            )
        )
        lines = dict(
            self.env.execute_query(
                SQL(
                    """SELECT comm.run_id, COUNT(*) FROM credit_dunning_line line
                         JOIN credit_dunning_communication comm ON comm.id = line.communication_id
                        WHERE comm.run_id = ANY(%s) GROUP BY comm.run_id""",
                    self.ids,
                )
            )
        )
        for run in self:
            run.communication_count = comms.get(run, 0)
            run.letter_count = letters.get(run, 0)
            run.line_count = lines.get(run.id, 0)

    @api.depends("stats")
    def _compute_stats_html(self):
        levels = self.env["credit.dunning.level"]
        for run in self:
            stats = run.stats or {}
            rows = []
            for key, label in (
                ("to_remind", self.env._("Customers to remind")),
                ("covered", self.env._("Customers not reminded: credits cover the balance")),
                ("claimed", self.env._("Customers left to a concurrent run")),
                (
                    "superseded",
                    self.env._("Customers left out: reminded since the preview was computed"),
                ),
                ("blocked", self.env._("Communications blocked by contact rules")),
                ("postponed", self.env._("Communications postponed by contact rules")),
            ):
                if stats.get(key):
                    rows.append((label, stats[key]))
            for level_id, count in sorted((stats.get("levels") or {}).items()):
                rows.append(
                    (
                        self.env._("Items reaching %s", levels.browse(int(level_id)).display_name),
                        count,
                    )
                )
            for reason, count in sorted((stats.get("excluded") or {}).items()):
                rows.append(
                    (self.env._("Late items excluded: %s", run._exclusion_label(reason)), count)
                )
            for channel, count in sorted((stats.get("channels") or {}).items()):
                rows.append((self.env._("Sent by %s", channel), count))
            if stats.get("failed"):
                rows.append(
                    (
                        self.env._(
                            "Customers not reminded, their batch failed (see the server log): %s",
                            run._failed_names(stats["failed"]),
                        ),
                        len(stats["failed"]),
                    )
                )
            # Level names and labels are user input: Markup escapes them.
            run.stats_html = (
                Markup("<table class='table table-sm'>%s</table>")
                % Markup().join(
                    Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>") % (label, count)
                    for label, count in rows
                )
                if rows
                else False
            )

    def _failed_names(self, partner_ids):
        partners = self.env["res.partner"].browse(partner_ids[:FAILED_NAMES_SHOWN]).exists()
        names = ", ".join(partners.mapped("display_name"))
        if len(partner_ids) > FAILED_NAMES_SHOWN:
            names = self.env._(
                "%(names)s and %(count)s more",
                names=names,
                count=len(partner_ids) - FAILED_NAMES_SHOWN,
            )
        return names

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        runs = super().create(vals_list)
        # After create: defaults from the context count too.
        if not self._dunning_privileged():
            runs._check_manual_run()
        return runs

    def write(self, vals):
        forged = set(RUN_FIELDS).intersection(vals)
        if forged and not self._dunning_privileged():
            raise AccessError(
                self.env._(
                    "Only the dunning run sets these fields of a run: %s",
                    self._field_labels(forged),
                )
            )
        return super().write(vals)

    def _check_manual_run(self):
        """A run created by a user is a manual run of today, still a
        preview, the user's own, with no summary yet: the nightly run and
        the reminders asked from a customer are started by the code."""
        today = fields.Date.context_today(self)
        for run in self:
            forged = {
                name
                for name, ok in (
                    ("date", run.date == today),
                    ("origin", run.origin == "manual"),
                    ("state", run.state == "draft"),
                    ("user_id", run.user_id == self.env.user),
                    ("stats", not run.stats),
                    ("log", not run.log),
                )
                if not ok
            }
            if forged:
                raise AccessError(
                    self.env._(
                        "A new dunning run is a manual run of today, in preview, by its "
                        "creator; these are set by the dunning run only: %s",
                        self._field_labels(forged),
                    )
                )

    @api.model
    def _field_labels(self, names):
        return ", ".join(self._fields[name]._description_string(self.env) for name in sorted(names))

    @api.model
    def _dunning_privileged(self):
        return privilege.has(privilege.DUNNING_RUN) or privilege.loading_data(self.env)

    @api.model
    def _create_run(self, company, origin, date=None):
        """A run started by the dunning code: the nightly run (``cron``), a
        reminder asked from a customer (``partner``), or a run simulated on
        another ``date`` (tests, benchmarks)."""
        vals = {"company_id": company.id, "origin": origin}
        if date:
            vals["date"] = date
        with privilege.granted(privilege.DUNNING_RUN):
            return self.create(vals)

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    @api.model
    def _dunning_exclusions(self, company):
        """[(reason code, SQL selecting account_move_line ids)] of items that
        must not be dunned. Extend it (disputes, promises, factored
        invoices) and add the label in :meth:`_exclusion_label`."""
        return [
            # A reminder waiting to go out (quiet hours, contact cap) keeps
            # its items: no second reminder raises them meanwhile.
            ("pending", dunning.pending_items(company)),
            *([("cease", self._ceased_items(company))] if company.credit_guardrails else []),
            (
                "blocked",
                SQL(
                    """SELECT aml.id FROM account_move_line aml
                         JOIN account_move move ON move.id = aml.move_id
                        WHERE move.payment_state = 'blocked' AND move.company_id = %s""",
                    company.id,
                ),
            ),
            *(
                (code, self._arrangement_items(table, relation, column, state, company))
                for code, table, relation, column, state in (
                    (
                        "dispute",
                        "credit_collection_dispute",
                        "credit_collection_dispute_item_rel",
                        "dispute_id",
                        "open",
                    ),
                    (
                        "promise",
                        "credit_collection_promise",
                        "credit_collection_promise_item_rel",
                        "promise_id",
                        "open",
                    ),
                    (
                        "plan",
                        "credit_collection_plan",
                        "credit_collection_plan_item_rel",
                        "plan_id",
                        "active",
                    ),
                )
            ),
        ]

    @api.model
    def _ceased_items(self, company):
        """Items of customers who asked us to cease communication: nothing
        is sent, so nothing is raised or charged."""
        return SQL(
            """SELECT aml.id FROM res_partner debtor
                 JOIN res_partner contact ON contact.commercial_partner_id = debtor.id
                 JOIN account_move_line aml ON aml.partner_id = contact.id
                WHERE debtor.credit_cease_communication AND aml.company_id = %s""",
            company.id,
        )

    @api.model
    def _arrangement_items(self, table, relation, column, state, company):
        """Items covered by a dispute, promise or plan in ``state``."""
        return SQL(
            """SELECT rel.move_line_id FROM %(relation)s rel
                 JOIN %(table)s owner ON owner.id = rel.%(column)s
                WHERE owner.state = %(state)s AND owner.company_id = %(company)s""",
            relation=SQL.identifier(relation),
            table=SQL.identifier(table),
            column=SQL.identifier(column),
            state=state,
            company=company.id,
        )

    @api.model
    def _exclusion_label(self, code):
        label = EXCLUSION_LABELS.get(code)
        return self.env._(label) if label else code  # pylint: disable=translation-required

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------

    def _context(self, debtor_ids=(), force_debtor_ids=()):
        self.ensure_one()
        company = self.company_id
        scope = exposure.scope(company, today=self.date)
        rules = (
            self.env["credit.dunning.policy"]
            .search([("company_id", "=", company.id), ("interest_rule_id", "!=", False)])
            .interest_rule_id
        )
        start = fields.Date.subtract(self.date, years=10)
        return dunning.Context(
            company=company,
            today=self.date,
            receivable_account_ids=scope.receivable_account_ids,
            debtor_ids=tuple(debtor_ids),
            exclusions=self._dunning_exclusions(company),
            periods=[
                (rule.id, first, last, rate)
                for rule in rules
                for first, last, rate in rule._periods(start, self.date)
            ],
            tiers=[
                (rule.id, tier.threshold, tier.amount)
                for rule in rules
                for tier in rule.compensation_tier_ids
            ],
            force_debtor_ids=tuple(force_debtor_ids),
            partner_ids=tuple(
                self.env["res.partner"]
                .with_context(active_test=False)
                .search([("commercial_partner_id", "in", list(debtor_ids))])
                .ids
                if debtor_ids
                else ()
            ),
        )

    def _flush_for_sql(self):
        for model in (
            "account.move.line",
            "account.move",
            "res.partner",
            "res.company",
            "credit.risk.class",
            "credit.dunning.policy",
            "credit.dunning.level",
            "credit.dunning.line",
            "credit.dunning.item",
            "credit.dunning.communication",
            "credit.late.interest.rule",
            "credit.collection.dispute",
            "credit.collection.promise",
            "credit.collection.plan",
        ):
            self.env[model].flush_model()

    def _selection(self):
        """(stats, debtors): counts of the selection (debtors to remind or
        covered, excluded items per reason, items per new level) and the
        debtors with an item reaching a new level, in id order."""
        self._flush_for_sql()
        stats = {"excluded": {}, "levels": {}}
        debtors = []
        for kind, key, count in self.env.execute_query(dunning.selection_query(self._context())):
            if kind == "select":
                debtors.append(int(key))
            elif kind == "debtor":
                stats[key] = count
            elif kind == "excluded":
                stats["excluded"][key] = count
            else:
                stats["levels"][key] = count
        return stats, sorted(debtors)

    def _claim(self, debtor_ids):
        """Claims debtors for today: a debtor is dunned by one run a day. A
        debtor claimed today by another run is left to it (per-debtor
        locking, no table lock). Returns the debtors claimed."""
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO credit_dunning_claim (company_id, partner_id, date, run_id)
                SELECT %(company)s, unnest(%(debtors)s::integer[]), %(date)s, %(run)s
                ON CONFLICT (company_id, partner_id) DO UPDATE
                   SET date = EXCLUDED.date, run_id = EXCLUDED.run_id
                 WHERE credit_dunning_claim.date < EXCLUDED.date
                    OR credit_dunning_claim.run_id = EXCLUDED.run_id
                    OR credit_dunning_claim.run_id IS NULL
                RETURNING partner_id
                """,
                company=self.company_id.id,
                debtors=sorted(debtor_ids),
                date=self.date,
                run=self.id,
            )
        )
        return [debtor for (debtor,) in rows]

    def _process_batch(self, debtor_ids, force=False, ready=False):
        """Claims the debtors, creates their communications and lines.
        Returns the new communications."""
        # A reminder asked for now is not the day's run: it needs no claim;
        # nor does a preview, which changes nothing that a run reads (its
        # debtors are claimed when it is confirmed).
        claimed = list(debtor_ids) if force or not ready else self._claim(debtor_ids)
        if len(claimed) < len(debtor_ids):
            self._count("claimed", len(debtor_ids) - len(claimed))
        if not claimed:
            return self.env["credit.dunning.communication"]
        self._flush_for_sql()
        ctx = self._context(claimed, force_debtor_ids=claimed if force else ())
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(dunning.BATCH_TABLE)))
        cr.execute(dunning.batch_table(ctx))
        cr.execute(SQL("ANALYZE %s", SQL.identifier(dunning.BATCH_TABLE)))
        rows = self.env.execute_query(
            dunning.insert_communications(ctx, self.id, self.env.uid, ready=ready)
        )
        comm_ids = sorted(comm_id for comm_id, _debtor in rows)
        if comm_ids:
            cr.execute(dunning.insert_lines(comm_ids, ready=ready))
        cr.execute(SQL("DROP TABLE %s", SQL.identifier(dunning.BATCH_TABLE)))
        self.env.invalidate_all()
        return self.env["credit.dunning.communication"].browse(comm_ids)

    def _run_batches(self, debtor_ids, commit, confirm):
        """Processes ``debtor_ids`` in batches, calling ``commit`` after each
        (the cron commits; a crash loses only the batch in progress, whose
        claims roll back with it, so the next run takes it up). A batch that
        fails is logged and listed in the summary; the others go on.
        Without ``commit`` (a run from the web client, one transaction) a
        serialization failure goes up to Odoo, which retries the request."""
        for start in range(0, len(debtor_ids), BATCH_DEBTORS):
            batch = debtor_ids[start : start + BATCH_DEBTORS]
            try:
                self._run_batch(batch, retry=bool(commit), confirm=confirm)
            except psycopg2.errors.SerializationFailure:
                if not commit:
                    raise
                self._batch_failed(batch)
            except Exception:
                self._batch_failed(batch)
            if commit:
                commit(len(batch))

    def _run_batch(self, batch, retry, confirm):
        for attempt in range(3):
            try:
                with self.env.cr.savepoint():
                    self._process_batch(batch, ready=confirm)
                return
            except psycopg2.errors.SerializationFailure:
                # A concurrent run claimed some of these debtors in the
                # meantime: the batch starts again on a fresh snapshot,
                # the earlier batches being committed already.
                if attempt == 2 or not retry:
                    raise
                self.env.cr.rollback()
                self.env.invalidate_all()

    def _batch_failed(self, batch):
        _logger.exception(
            "Dunning run %s: the batch of %s customers starting with partner %s failed",
            self.id,
            len(batch),
            batch[0],
        )
        stats = dict(self.stats or {})
        stats["failed"] = [*stats.get("failed", []), *batch]
        with privilege.granted(privilege.DUNNING_RUN):
            self.stats = stats

    def _count(self, key, count):
        """Adds ``count`` to the summary's ``key``."""
        stats = dict(self.stats or {})
        stats[key] = stats.get(key, 0) + count
        with privilege.granted(privilege.DUNNING_RUN):
            self.stats = stats

    def _set_state(self, state):
        with privilege.granted(privilege.DUNNING_RUN):
            self.state = state

    def _execute(self, commit=None, confirm=True):
        """The whole run: selection summary, batches, and (``confirm``) the
        levels applied. ``commit(done)`` is called after each batch."""
        self.ensure_one()
        stats, debtors = self._selection()
        with privilege.granted(privilege.DUNNING_RUN):
            self.write({"state": "running" if confirm else "draft", "stats": stats})
        if commit:
            # The run and its summary first: a batch retried after a
            # serialization failure rolls back to here, not before the run.
            commit(0)
        self._run_batches(debtors, commit, confirm)
        if confirm:
            self._set_state("done")
        return debtors

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_preview(self):
        """Computes the communications of a manual run without applying or
        sending anything: review, then confirm or cancel."""
        for run in self:
            if run.state != "draft" or run.communication_ids:
                raise UserError(self.env._("Only an empty preview can be computed."))
            run._check_today()
            run._execute(confirm=False)
        return True

    def _check_today(self):
        """A manual run reminds as of today: no interest for days to come,
        no claim on another day."""
        if self.date != fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "This run is dated %s: a run computes the reminders of today. "
                    "Create a new run.",
                    self.date,
                )
            )

    def action_confirm(self):
        """Sends the reminders of a preview computed today. Customers reminded
        meanwhile by another run of the day are left out; the levels of the
        others rise as their reminders go out."""
        for run in self:
            if run.state != "draft":
                raise UserError(self.env._("Only a preview can be confirmed."))
            comms = run.communication_ids.filtered(lambda c: c.state == "draft")
            comms._apply()
            run._set_state("done")
            comms.exists()._send()
        return True

    def action_cancel(self):
        """Drops a preview: its communications go and its debtors are free
        for another run today."""
        for run in self:
            if run.state != "draft":
                raise UserError(self.env._("Only a preview can be cancelled."))
            # The preview's own reminders, whatever the user's rights on them.
            run.communication_ids.sudo().unlink()
            self.env.cr.execute(SQL("DELETE FROM credit_dunning_claim WHERE run_id = %s", run.id))
            run._set_state("cancelled")
        return True

    def action_open_communications(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Communications"),
            "res_model": "credit.dunning.communication",
            "view_mode": "list,form",
            "domain": [("run_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_open_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dunning Lines"),
            "res_model": "credit.dunning.line",
            "view_mode": "list",
            "domain": [("run_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_print_letters(self):
        self.ensure_one()
        letters = self.communication_ids.filtered(lambda c: c.channel_letter)
        if not letters:
            raise UserError(self.env._("This run has no letters to print."))
        letters._mark_printed()
        return self.env.ref("credit_management.action_report_dunning_letter").report_action(letters)

    # ------------------------------------------------------------------
    # Scheduled run
    # ------------------------------------------------------------------

    @api.model
    def _cron_dunning(self):
        """The nightly run: each company with a dunning policy gets today's
        run (resumed when a previous attempt stopped halfway), then the
        pending reminders are sent."""
        cron = self.env["ir.cron"]
        for company in self._dunning_companies():
            run = self.with_company(company)._todays_run(company)
            if run.state == "done":
                continue  # failed batches wait for tomorrow's run
            try:
                run._execute(commit=cron._commit_progress)
            except Exception:
                self.env.cr.rollback()
                _logger.exception("Dunning run of %s failed", company.name)
                run = self.browse(run.id)
                with privilege.granted(privilege.DUNNING_RUN):
                    run.log = (run.log or "") + self.env._(
                        "Run stopped on an error; see the server log.\n"
                    )
                cron._commit_progress()
                continue
            cron._commit_progress()
        self.env["credit.dunning.communication"]._cron_send(commit=cron._commit_progress)

    @api.model
    def _dunning_companies(self):
        """Companies whose policies someone chose: as the company's default,
        for a risk class or for a customer. The standard policy that every
        company gets stays unused (and the company's dunning off) until then."""
        self._flush_for_sql()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT pol.company_id FROM credit_dunning_policy pol
                 WHERE pol.active
                   AND EXISTS (SELECT 1 FROM credit_dunning_level l WHERE l.policy_id = pol.id)
                   AND (pol.id IN (SELECT credit_dunning_policy_id FROM res_company)
                        OR pol.id IN (SELECT dunning_policy_id FROM credit_risk_class)
                        OR pol.id IN (SELECT (kv.value)::text::integer FROM res_partner p,
                                             jsonb_each(p.credit_dunning_policy_id) kv
                                       WHERE p.credit_dunning_policy_id IS NOT NULL
                                         AND jsonb_typeof(kv.value) = 'number'))
                 GROUP BY pol.company_id ORDER BY pol.company_id
                """
            )
        )
        return self.env["res.company"].browse(company_id for (company_id,) in rows)

    @api.model
    def _todays_run(self, company):
        today = fields.Date.context_today(self.with_company(company))
        run = self.search(
            [("company_id", "=", company.id), ("date", "=", today), ("origin", "=", "cron")],
            limit=1,
        )
        return run or self._create_run(company, "cron", today)
