import logging

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import exports, turnover
from ..mappers import filing
from .credit_insurance_filing_mixin import FILING

_logger = logging.getLogger(__name__)

STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("exported", "Exported"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("superseded", "Superseded"),
]
# States of a declaration the insurer has (or may have) received.
FILED = ("sent", "exported", "accepted", "rejected")
FILE_HEADER = (
    "policy",
    "insurer_policy_id",
    "period_start",
    "period_end",
    "country_code",
    "country",
    "currency",
    "tax_included",
    "invoice_count",
    "credit_note_count",
    "amount_invoiced",
    "amount_credited",
    "turnover",
    "nil",
    "replaces",
)


class CreditInsuranceDeclaration(models.Model):
    """The turnover of one policy's period, per buyer country, as declared
    to the insurer: computed from posted invoices and credit notes (see
    engine/turnover.py), frozen once sent or exported; a correction is a new
    declaration that supersedes it."""

    _name = "credit.insurance.declaration"
    _description = "Turnover Declaration"
    _inherit = ["credit.insurance.filing.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, policy_id, id desc"
    _check_company_auto = True
    _filing_action_fields = frozenset(
        {
            "state",
            "line_ids",
            "tax_included",
            "scope",
            "date_computed",
            "date_sent",
            "user_sent_id",
            "insurer_ref",
            "insurer_message",
            "raw_answer",
            "correction_of_id",
            "date_answer",
        }
    )

    name = fields.Char(compute="_compute_name", store=True)
    policy_id = fields.Many2one(
        "credit.insurance.policy",
        string="Policy",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    backend_id = fields.Many2one(related="policy_id.backend_id", store=True, string="Insurer")
    backend_kind = fields.Selection(related="policy_id.backend_id.kind", string="Insurer Kind")
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="policy_id.currency_id", store=True)
    date_start = fields.Date(string="Period Start", required=True, tracking=True)
    date_end = fields.Date(string="Period End", required=True, tracking=True)
    date_deadline = fields.Date(
        string="Deadline", compute="_compute_date_deadline", store=True, index=True
    )
    state = fields.Selection(
        selection=STATES, required=True, default="draft", readonly=True, tracking=True, index=True
    )
    line_ids = fields.One2many(
        "credit.insurance.declaration.line", "declaration_id", string="Countries", readonly=True
    )
    amount_total = fields.Monetary(
        string="Turnover", compute="_compute_totals", store=True, aggregator="sum"
    )
    invoice_count = fields.Integer(string="Invoices", compute="_compute_totals", store=True)
    credit_note_count = fields.Integer(string="Credit Notes", compute="_compute_totals", store=True)
    is_nil = fields.Boolean(
        string="Nil Declaration",
        compute="_compute_totals",
        store=True,
        help="No turnover in the period: the insurer still expects the declaration.",
    )
    tax_included = fields.Boolean(
        string="Taxes Included", readonly=True, help="The policy's setting when computed."
    )
    scope = fields.Selection(
        selection=[("countries", "Every Customer"), ("buyers", "Insured Buyers")],
        readonly=True,
        help="The policy's setting when computed.",
    )
    date_computed = fields.Datetime(string="Computed On", readonly=True, copy=False)
    date_sent = fields.Datetime(string="Sent On", readonly=True, copy=False)
    user_sent_id = fields.Many2one("res.users", string="Sent By", readonly=True, copy=False)
    date_answer = fields.Date(string="Answered On", readonly=True, copy=False)
    insurer_ref = fields.Char(string="Insurer Reference", readonly=True, copy=False, index=True)
    insurer_message = fields.Text(string="Insurer's Answer", readonly=True, copy=False)
    raw_answer = fields.Json(readonly=True, copy=False)
    correction_of_id = fields.Many2one(
        "credit.insurance.declaration",
        string="Corrects",
        readonly=True,
        index="btree_not_null",
        check_company=True,
        help="The declaration this one corrects; it is superseded once this one is filed.",
    )
    correction_ids = fields.One2many(
        "credit.insurance.declaration", "correction_of_id", string="Corrections"
    )
    note = fields.Text()

    _period_check = models.Constraint(
        "CHECK(date_end >= date_start)", "A declaration period cannot end before it starts."
    )
    _one_draft = models.UniqueIndex(
        "(policy_id, date_start) WHERE state = 'draft'",
        "This period of the policy already has a declaration in preparation.",
    )
    _one_filed = models.UniqueIndex(
        "(policy_id, date_start) WHERE state IN ('sent', 'exported', 'accepted')",
        "This period of the policy is already declared: correct that declaration.",
    )

    # A policy's periods are declared once: the declarations of a policy
    # (each covers all its countries) never overlap, a period rejected by
    # the insurer aside. A correction shares the period of the declaration
    # it corrects, so the first declaration of each chain of corrections
    # (superseded or not) stands for its chain. The policy as an int4range:
    # equality in a GiST index without the btree_gist extension. Deferred
    # to the commit, a last guard: _check_period explains (and serializes,
    # _lock_policies) first.
    _no_overlap = models.Constraint(
        "EXCLUDE USING gist (int4range(policy_id, policy_id, '[]') WITH =, "
        "daterange(date_start, date_end, '[]') WITH &&) "
        "WHERE (correction_of_id IS NULL AND state <> 'rejected') "
        "DEFERRABLE INITIALLY DEFERRED",
        "The period of this declaration overlaps another declaration of the same policy.",
    )

    def init(self):
        """On an upgrade, the no-overlap constraint cannot be added while
        declarations overlap (Odoo then only logs that it failed): name them."""
        result = super().init()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT pol.name, a.id, a.date_start, a.date_end, b.id, b.date_start, b.date_end
                  FROM credit_insurance_declaration a
                  JOIN credit_insurance_declaration b
                    ON b.policy_id = a.policy_id AND b.id > a.id
                   AND daterange(b.date_start, b.date_end, '[]')
                       && daterange(a.date_start, a.date_end, '[]')
                  JOIN credit_insurance_policy pol ON pol.id = a.policy_id
                 WHERE a.correction_of_id IS NULL AND a.state <> 'rejected'
                   AND b.correction_of_id IS NULL AND b.state <> 'rejected'
                """
            )
        )
        for policy, *pair in rows:
            _logger.warning(
                "Policy %s: declarations %s (%s to %s) and %s (%s to %s) declare overlapping "
                "periods, so the constraint %s_no_overlap cannot be added. Settle with the "
                "insurer which one stands, delete the other if it is a draft or record its "
                "rejection, then update the module again.",
                policy,
                *pair,
                self._table,
            )
        return result

    @api.depends("policy_id.name", "date_start", "date_end", "correction_of_id")
    def _compute_name(self):
        for declaration in self:
            name = f"{declaration.policy_id.name or '-'} {declaration.date_start or ''}"
            if declaration.date_end != declaration.date_start:
                name += f" - {declaration.date_end or ''}"
            if declaration.correction_of_id:
                name += self.env._(" (correction)")
            declaration.name = name

    @api.depends("date_end", "policy_id.declaration_deadline_days")
    def _compute_date_deadline(self):
        for declaration in self:
            declaration.date_deadline = declaration.date_end and (
                declaration.date_end
                + relativedelta(days=declaration.policy_id.declaration_deadline_days)
            )

    @api.depends("line_ids.amount", "line_ids.invoice_count", "line_ids.credit_note_count")
    def _compute_totals(self):
        for declaration in self:
            lines = declaration.line_ids
            declaration.amount_total = sum(lines.mapped("amount"))
            declaration.invoice_count = sum(lines.mapped("invoice_count"))
            declaration.credit_note_count = sum(lines.mapped("credit_note_count"))
            declaration.is_nil = not (
                declaration.invoice_count
                or declaration.credit_note_count
                or any(lines.mapped("amount"))
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        declarations = super().create(vals_list)
        declarations._check_period()
        declarations.filtered(lambda d: d.state == "draft")._compute_lines()
        return declarations

    def write(self, vals):
        if {"policy_id", "date_start", "date_end"}.intersection(vals) and any(
            declaration.state != "draft" for declaration in self
        ):
            raise UserError(self.env._("The period of a declaration sent cannot change."))
        result = super().write(vals)
        if {"policy_id", "date_start", "date_end"}.intersection(vals):
            self._check_period()
            self._compute_lines()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_draft_only(self):
        if any(declaration.state != "draft" for declaration in self):
            raise UserError(self.env._("A declaration sent or exported is kept."))

    def _lock_policies(self):
        """Serializes the period checks of a policy's declarations. An
        UPDATE, not only a row lock: under Odoo's REPEATABLE READ a
        transaction that waited for another would check against its old
        snapshot; after an update it fails to serialize instead, and Odoo
        retries it, then sees the other's declaration."""
        self.env["credit.insurance.policy"].flush_model(["write_date"])
        self.env.cr.execute(
            SQL(
                "UPDATE credit_insurance_policy SET write_date = write_date WHERE id IN %s",
                tuple(self.policy_id.ids),
            )
        )

    def _correction_chain_root(self):
        root = self
        while root.correction_of_id:
            root = root.correction_of_id
        return root

    def _check_period(self):
        if self.policy_id:
            self._lock_policies()
        for declaration in self:
            policy = declaration.policy_id
            if declaration.date_end < declaration.date_start:
                raise UserError(self.env._("A declaration period cannot end before it starts."))
            if declaration.date_end >= fields.Date.context_today(self):
                raise UserError(
                    self.env._(
                        "The period ending on %s has not ended yet: it cannot be declared.",
                        declaration.date_end,
                    )
                )
            if not declaration.correction_of_id and self.search_count(
                [
                    ("id", "!=", declaration.id),
                    ("policy_id", "=", policy.id),
                    ("date_start", "=", declaration.date_start),
                    ("state", "in", FILED),
                ],
                limit=1,
            ):
                raise UserError(
                    self.env._(
                        "The period of %s is declared already: correct that declaration.",
                        declaration.name,
                    )
                )
            declaration._check_policy_period()
            if policy.date_end and declaration.date_start > policy.date_end:
                raise UserError(
                    self.env._("Policy %s had ended by the start of this period.", policy.name)
                )

    def _check_policy_period(self):
        """The period is one of the policy's declaration periods (a
        correction's, the one it corrects) and overlaps no other
        declaration of the policy."""
        policy, period = self.policy_id, (self.date_start, self.date_end)
        corrected = self.correction_of_id
        if corrected:
            if period != (corrected.date_start, corrected.date_end):
                raise UserError(
                    self.env._(
                        "A correction declares the period of the declaration it corrects: "
                        "%(start)s to %(end)s.",
                        start=corrected.date_start,
                        end=corrected.date_end,
                    )
                )
            self._check_overlap()
            return
        start, end = policy._declaration_period(self.date_start)
        if period != (start, end):
            raise UserError(
                self.env._(
                    "%(start)s to %(end)s is not a declaration period of policy %(policy)s "
                    "(%(periodicity)s, counted from the month it starts): the period of "
                    "%(start)s runs from %(first)s to %(last)s.",
                    policy=policy.name,
                    periodicity=dict(
                        policy._fields["declaration_periodicity"]._description_selection(self.env)
                    )[policy.declaration_periodicity],
                    start=self.date_start,
                    end=self.date_end,
                    first=start,
                    last=end,
                )
            )
        self._check_overlap()

    def _check_overlap(self):
        """Any declaration of the policy counts (drafts, corrections and
        superseded ones included), except those the insurer rejected and
        those of this declaration's own chain of corrections."""
        root = self._correction_chain_root()
        # All the policy's declarations, whoever may read them: the check
        # is on the policy's periods, the records are the code's choice.
        overlapping = (
            self.sudo()
            .search(
                [
                    ("id", "!=", self.id),
                    ("policy_id", "=", self.policy_id.id),
                    ("date_start", "<=", self.date_end),
                    ("date_end", ">=", self.date_start),
                    ("state", "!=", "rejected"),
                ]
            )
            .filtered(lambda other: other._correction_chain_root() != root)
        )
        if overlapping:
            raise UserError(
                self.env._(
                    "The period %(start)s to %(end)s overlaps %(others)s of the same policy: "
                    "a period is declared once (correct a declaration sent instead).",
                    start=self.date_start,
                    end=self.date_end,
                    others=", ".join(overlapping.mapped("name")),
                )
            )

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def _compute_lines(self):
        """The figures of these draft declarations from the posted invoices
        and credit notes of their period (one query each); the policy's
        countries without turnover get a nil line."""
        # The query reads moves, partners, covers and their history.
        self.env.flush_all()
        for declaration in self:
            if declaration.state != "draft":
                raise UserError(self.env._("The figures of a declaration sent are kept as sent."))
            declaration.check_access("write")
            policy = declaration.policy_id
            rows = self.env.execute_query(
                turnover.turnover_query(
                    policy,
                    declaration.date_start,
                    declaration.date_end,
                    tax_included=policy.declaration_tax_included,
                    scope=policy.declaration_scope,
                    country_ids=policy.country_ids.ids,
                )
            )
            figures = {country_id: row for country_id, *row in rows}
            for country in policy.country_ids:
                figures.setdefault(country.id, (0, 0, 0.0, 0.0))
            lines = [
                Command.create(
                    {
                        "country_id": country_id,
                        "invoice_count": invoices,
                        "credit_note_count": credit_notes,
                        "amount_invoiced": float(invoiced),
                        "amount_credited": float(credited),
                    }
                )
                for country_id, (invoices, credit_notes, invoiced, credited) in figures.items()
            ]
            with privilege.granted(FILING):
                declaration.write(
                    {
                        "line_ids": [Command.clear(), *lines],
                        "tax_included": policy.declaration_tax_included,
                        "scope": policy.declaration_scope,
                        "date_computed": fields.Datetime.now(),
                    }
                )

    def action_recompute(self):
        self._check_credit_user()
        self._compute_lines()

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def action_send(self):
        """Sends each draft declaration to its insurer (API) or exports it
        (file insurer); the figures are frozen from then on."""
        self._check_credit_user()
        for declaration in self:
            declaration.check_access("write")
            if declaration.state != "draft":
                raise UserError(self.env._("%s was sent already.", declaration.display_name))
            if declaration.backend_id.kind == "file":
                declaration._export()
            else:
                declaration._send()
        return True

    def _send(self):
        answer = self._insurer_call(lambda adapter: adapter.send_declaration(self._payload()))
        vals = {"state": "sent"}
        if answer is not None:
            vals.update(self._answer_values(answer))
        self._filed(vals)

    def _answer_values(self, answer):
        vals = {
            "state": answer.state,
            "insurer_ref": answer.reference or self.insurer_ref,
            "insurer_message": answer.message or False,
            "raw_answer": answer.raw,
        }
        if answer.state in ("accepted", "rejected"):
            vals["date_answer"] = fields.Date.context_today(self)
        return vals

    def _payload(self):
        """The declaration in the adapters' neutral form."""
        return {
            "key": self._filing_ref(),
            "start": self.date_start.isoformat(),
            "end": self.date_end.isoformat(),
            "currency": self.currency_id.name,
            "tax_included": self.tax_included,
            "replaces": self.correction_of_id.insurer_ref or "",
            "lines": [
                {
                    "country": line.country_id.code or "",
                    "invoices": line.invoice_count,
                    "credit_notes": line.credit_note_count,
                    "invoiced": line.amount_invoiced,
                    "credited": line.amount_credited,
                    "turnover": line.amount,
                }
                for line in self.line_ids
            ],
        }

    def _export(self):
        """The declaration as .csv and .xlsx files kept on it, for a file
        insurer (uploaded on its portal or sent by email)."""
        header, rows = self._file_rows()
        base = self._file_name()
        Attachment = self.env["ir.attachment"]
        files = Attachment.create(
            [
                {
                    "name": f"{base}.csv",
                    "raw": exports.to_csv(header, rows),
                    "mimetype": "text/csv",
                    "res_model": self._name,
                    "res_id": self.id,
                },
                {
                    "name": f"{base}.xlsx",
                    "raw": exports.to_xlsx(header, rows, title=self.date_start.isoformat()),
                    "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "res_model": self._name,
                    "res_id": self.id,
                },
            ]
        )
        self._filed({"state": "exported"})
        self.message_post(
            body=self.env._("Declaration exported for %s.", self.backend_id.name),
            attachment_ids=files.ids,
        )
        return files

    def _file_name(self):
        period = f"{self.date_start:%Y%m%d}-{self.date_end:%Y%m%d}"
        return f"turnover_{self.policy_id.name}_{period}".replace("/", "_").replace(" ", "_")

    def _file_rows(self):
        """One row per country; a nil declaration without country lines is
        one row of zeros."""
        policy = self.policy_id
        common = (
            policy.name,
            policy.insurer_ref or "",
            self.date_start,
            self.date_end,
        )
        replaces = self.correction_of_id.insurer_ref or self.correction_of_id.name or ""
        tax = "Y" if self.tax_included else "N"
        rows = [
            (
                *common,
                line.country_id.code or "",
                line.country_id.name or "",
                self.currency_id.name,
                tax,
                line.invoice_count,
                line.credit_note_count,
                line.amount_invoiced,
                line.amount_credited,
                line.amount,
                "Y" if line.is_nil else "N",
                replaces,
            )
            for line in self.line_ids.sorted(lambda line: line.country_id.code or "")
        ]
        if not rows:
            rows = [
                (*common, "", "", self.currency_id.name, tax, 0, 0, 0.0, 0.0, 0.0, "Y", replaces)
            ]
        return FILE_HEADER, rows

    def _filed(self, vals):
        """Records the filing; the declaration corrected is superseded; the
        deadline's activity is done."""
        with privilege.granted(FILING):
            self.write(
                {
                    **vals,
                    "date_sent": fields.Datetime.now(),
                    "user_sent_id": self.env.uid,
                }
            )
            if self.correction_of_id and self.state != "rejected":
                self.correction_of_id.write({"state": "superseded"})
        self.activity_ids.filtered(
            lambda a: a.activity_type_id == self._deadline_activity_type()
        ).action_feedback(feedback=self.env._("Declaration filed."))

    # ------------------------------------------------------------------
    # Answers and corrections
    # ------------------------------------------------------------------

    def action_refresh(self):
        """Reads the insurer's answer again (a declaration still received)."""
        self._check_credit_user()
        for declaration in self.filtered(lambda d: d.state == "sent"):
            declaration.check_access("write")
            ref, job = declaration.insurer_ref, (declaration.raw_answer or {}).get("jobId")
            if ref:
                answer = declaration._insurer_call(
                    lambda adapter, ref=ref: adapter.get_declaration(ref)
                )
            elif job:
                answer = declaration._insurer_call(
                    lambda adapter, job=job: adapter.filing_job(job, filing.declaration)
                )
            else:
                continue
            if answer is not None:
                with privilege.granted(FILING):
                    declaration.write(declaration._answer_values(answer))

    def action_mark_accepted(self):
        self._mark("accepted")

    def action_mark_rejected(self):
        self._mark("rejected")

    def _mark(self, state):
        """The insurer's answer to a declaration filed outside its API (an
        export, or an answer by email)."""
        self._check_credit_user()
        for declaration in self:
            declaration.check_access("write")
            if declaration.state not in ("sent", "exported"):
                raise UserError(
                    self.env._("Only a declaration sent or exported waits for an answer.")
                )
        with privilege.granted(FILING):
            self.write({"state": state, "date_answer": fields.Date.context_today(self)})

    def action_correct(self):
        """A new draft declaration of the same period, figures computed
        anew, that supersedes this one once filed."""
        self._check_credit_user()
        self.ensure_one()
        self.check_access("write")
        if self.state not in FILED:
            raise UserError(self.env._("Only a declaration sent or exported can be corrected."))
        if self.correction_ids.filtered(lambda d: d.state == "draft"):
            raise UserError(self.env._("A correction of this declaration is in preparation."))
        self.flush_recordset(["state"])  # the unique indexes read the states in the database
        with privilege.granted(FILING):
            correction = self.create(
                {
                    "policy_id": self.policy_id.id,
                    "date_start": self.date_start,
                    "date_end": self.date_end,
                    "correction_of_id": self.id,
                }
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": correction.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Declarations due
    # ------------------------------------------------------------------

    @api.model
    def _deadline_activity_type(self):
        return self.env.ref(
            "credit_insurance.mail_activity_type_declaration_due", raise_if_not_found=False
        )

    @api.model
    def _propose_due(self, policies=None, today=None):
        """Draft declarations of every ended period of the policies that has
        none yet, each with an activity due on its deadline for the
        insurer's responsible. Returns them."""
        today = today or fields.Date.context_today(self)
        policies = (
            policies
            if policies is not None
            else self.env["credit.insurance.policy"].search([("active", "=", True)])
        )
        vals_list = []
        for policy in policies.filtered("active"):
            anchor = policy.date_start.month if policy.date_start else 1
            first = (
                policy.date_start
                or turnover.period_of(
                    today - relativedelta(days=1), policy.declaration_periodicity, anchor
                )[0]
            )
            if first >= today:
                continue
            periods = turnover.periods_ended(
                first, today, policy.declaration_periodicity, anchor, policy.date_end
            )
            # Periods declared already, in the policy's periods of then too.
            known = [
                (d.date_start, d.date_end) for d in self.search([("policy_id", "=", policy.id)])
            ]
            vals_list += [
                {"policy_id": policy.id, "date_start": start, "date_end": end}
                for start, end in periods
                if not any(first <= end and start <= last for first, last in known)
            ]
        declarations = self.create(vals_list)
        activity_type = self._deadline_activity_type()
        for declaration in declarations:
            declaration.activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=declaration.date_deadline,
                summary=self.env._("Turnover declaration due"),
                note=self.env._(
                    "Declare the turnover of %(period)s to %(insurer)s by %(deadline)s.",
                    period=declaration.name,
                    insurer=declaration.backend_id.name,
                    deadline=declaration.date_deadline,
                ),
                user_id=(declaration.backend_id.user_id or self.env.user).id,
            )
        return declarations

    @api.model
    def _cron_propose(self):
        self._propose_due()

    def action_propose_due(self):
        """From the list: the declarations due of the user's policies."""
        self._check_credit_user()
        declarations = self._propose_due()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._("%s declarations proposed.", len(declarations)),
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
