import base64

from odoo import Command, api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.addons.credit_management.models.credit_collection_mixin import foreign_items
from odoo.addons.credit_management.models.credit_collection_stage import CLOSED_TYPES
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import exports
from ..mappers import edifact, filing
from .credit_insurance_filing_mixin import FILING

STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("acknowledged", "Acknowledged"),
    ("under_review", "Under Review"),
    ("paid", "Paid"),
    ("partially_paid", "Partially Paid"),
    ("rejected", "Rejected"),
    ("withdrawn", "Withdrawn"),
]
# A claim in these states no longer holds its items: they may be claimed again.
LOST_STATES = ("withdrawn", "rejected")
# How far a claim has gone: an answer by hand never goes back.
STEP = {
    "draft": 0,
    "submitted": 1,
    "acknowledged": 2,
    "under_review": 3,
    "partially_paid": 4,
    "paid": 5,
    "rejected": 5,
    "withdrawn": 5,
}
# The date each answer sets.
STATE_DATES = {
    "acknowledged": "date_acknowledged",
    "under_review": "date_review",
    "paid": "date_decision",
    "partially_paid": "date_decision",
    "rejected": "date_decision",
    "withdrawn": "date_decision",
}
# Kinds of documents collected on a claim (ir.attachment.description).
DOCUMENT_KINDS = ("invoice", "reminder", "case_file")
FILE_HEADER = (
    "claim",
    "policy",
    "insurer_policy_id",
    "insurer_buyer_id",
    "customer",
    "vat",
    "company_registry",
    "country_code",
    "currency",
    "amount_claimed",
    "amount_insured",
    "document",
    "document_date",
    "due_date",
    "document_amount",
    "amount_open",
    "attachments",
)


class CreditInsuranceClaim(models.Model):
    """A claim for an insured loss: a buyer's overdue items under one
    policy, the amount claimed and what the insurer should pay (indemnity
    percentage of the covered part), the documents the insurer asks for
    (invoices, reminders sent, the collection case file), and the insurer's
    answers up to the indemnity received."""

    _name = "credit.insurance.claim"
    _description = "Insurance Claim"
    _inherit = ["credit.insurance.filing.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _filing_action_fields = frozenset(
        {
            "state",
            "amount_claimed",
            "cover_limit",
            "amount_covered",
            "indemnity_percent",
            "amount_insured",
            "amount_paid",
            "date_paid",
            "date_submitted",
            "user_submitted_id",
            "date_acknowledged",
            "date_review",
            "date_decision",
            "insurer_ref",
            "insurer_message",
            "raw_answer",
            "sent_document_ids",
        }
    )

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
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
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    buyer_id = fields.Many2one(
        "credit.insurance.buyer", string="Buyer", compute="_compute_buyer_id", store=True
    )
    cover_id = fields.Many2one(
        "credit.insurance.cover", string="Cover", compute="_compute_buyer_id", store=True
    )
    case_id = fields.Many2one(
        "credit.collection.case",
        string="Collection Case",
        compute="_compute_case_id",
        compute_sudo=False,  # only a case the user sees is proposed
        store=True,
        readonly=False,
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
    )
    item_ids = fields.Many2many(
        "account.move.line",
        "credit_insurance_claim_item_rel",
        "claim_id",
        "move_line_id",
        string="Items Claimed",
        check_company=True,
        domain="[('partner_id.commercial_partner_id', '=', partner_id),"
        " ('account_type', '=', 'asset_receivable'), ('parent_state', '=', 'posted'),"
        " ('amount_residual', '>', 0)]",
    )
    state = fields.Selection(
        selection=STATES, required=True, default="draft", readonly=True, tracking=True, index=True
    )

    # Figures (policy currency), kept as submitted
    amount_claimed = fields.Monetary(
        readonly=True, tracking=True, help="What the items claimed leave unpaid, taxes included."
    )
    cover_limit = fields.Monetary(
        string="Cover Amount",
        readonly=True,
        help="The buyer's cover (or discretionary limit) then.",
    )
    amount_covered = fields.Monetary(
        string="Covered Part", readonly=True, help="The amount claimed, up to the cover."
    )
    indemnity_percent = fields.Float(string="Indemnity (%)", readonly=True)
    amount_insured = fields.Monetary(
        string="Insured Amount",
        readonly=True,
        tracking=True,
        help="What the insurer should pay: the indemnity percentage of the covered part.",
    )
    amount_paid = fields.Monetary(
        string="Indemnity Received",
        readonly=True,
        tracking=True,
        help="Recorded only: the accountant books the payment received from the insurer.",
    )
    date_paid = fields.Date(string="Indemnity Date", readonly=True, copy=False)

    # Exchange with the insurer
    date_submitted = fields.Datetime(string="Submitted On", readonly=True, copy=False)
    user_submitted_id = fields.Many2one(
        "res.users", string="Submitted By", readonly=True, copy=False
    )
    date_acknowledged = fields.Date(string="Acknowledged On", readonly=True, copy=False)
    date_review = fields.Date(string="Under Review Since", readonly=True, copy=False)
    date_decision = fields.Date(string="Decided On", readonly=True, copy=False)
    insurer_ref = fields.Char(string="Insurer Claim ID", readonly=True, copy=False, index=True)
    insurer_message = fields.Text(string="Insurer's Answer", readonly=True, copy=False)
    raw_answer = fields.Json(readonly=True, copy=False)
    document_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Documents",
        domain=[("res_model", "=", "credit.insurance.claim")],
        readonly=True,
    )
    document_count = fields.Integer(compute="_compute_document_count")
    # What went to the insurer: kept as sent (see ir_attachment.py); the
    # letters and e-mails that come after are added to the claim freely.
    sent_document_ids = fields.Many2many(
        "ir.attachment",
        "credit_insurance_claim_sent_document_rel",
        "claim_id",
        "attachment_id",
        string="Documents Sent",
        readonly=True,
        copy=False,
    )
    note = fields.Text()

    _name_uniq = models.Constraint(
        "UNIQUE(company_id, name)", "A claim number is used once per company."
    )

    @api.depends("partner_id", "policy_id")
    def _compute_buyer_id(self):
        for claim in self:
            buyer = self.env["credit.insurance.buyer"].search(
                [
                    ("backend_id", "=", claim.policy_id.backend_id.id),
                    ("partner_id", "=", claim.partner_id.commercial_partner_id.id),
                ],
                limit=1,
            )
            policy = claim.policy_id
            claim.buyer_id = buyer
            claim.cover_id = buyer.cover_ids.filtered(lambda c, p=policy: c.policy_id == p)[:1]

    @api.depends("partner_id", "company_id")
    def _compute_case_id(self):
        for claim in self:
            if claim.case_id.partner_id == claim.partner_id:
                continue
            claim.case_id = self.env["credit.collection.case"].search(
                [
                    ("partner_id", "=", claim.partner_id.id),
                    ("company_id", "=", claim.company_id.id),
                    ("kind", "=", "partner"),
                ],
                order="id desc",
                limit=1,
            )

    def _compute_document_count(self):
        for claim in self:
            claim.document_count = len(claim.document_ids)

    @api.constrains("item_ids", "partner_id", "company_id", "case_id")
    def _check_items(self):
        for claim in self:
            customer = claim.partner_id.commercial_partner_id
            if claim.case_id and claim.case_id.partner_id.commercial_partner_id != customer:
                raise ValidationError(
                    self.env._("The collection case of a claim is the customer's own.")
                )
            foreign = foreign_items(claim.item_ids, customer, claim.company_id)
            foreign |= claim.item_ids.filtered(lambda line: line.parent_state != "posted")
            if foreign:
                raise ValidationError(
                    self.env._(
                        "A claim covers posted receivables of its customer in its company only: %s",
                        ", ".join(foreign.move_id.mapped("display_name")),
                    )
                )
            other = claim._claims_sharing_items()
            if other:
                raise ValidationError(claim._already_claimed_message(other))

    def _already_claimed_message(self, others):
        """Which items ``others`` already claim, naming only the claims the
        user may read (constraints run as the superuser)."""
        user_env = self.env(su=False)
        shared = self.item_ids & others.sudo().item_ids
        items = ", ".join(shared.with_env(user_env).move_id.mapped("display_name"))
        readable = others.with_env(user_env)._filtered_access("read")
        if not readable:
            return self.env._(
                "These items are already claimed in a claim you do not see: %s. Leave them "
                "out, or ask a Credit Control Manager.",
                items,
            )
        claims = ", ".join(readable.sudo().mapped("name"))
        if readable != others:
            claims = self.env._("%s and claims you do not see", claims)
        return self.env._(
            "These items are already claimed in %(claims)s: "
            "%(items)s. Withdraw that claim first, or leave them out.",
            claims=claims,
            items=items,
        )

    @api.constrains("partner_id", "company_id", "case_id")
    def _check_case_seen(self):
        """A claim without a case is seen by every collector of the company:
        a customer followed in an open case that the user does not see is
        claimed by its collector or a manager (credit_management's one open
        case per customer)."""
        user_env = self.env(su=False)  # constraints run as the superuser
        if user_env.su:
            return
        Case = self.env["credit.collection.case"].sudo()
        for claim in self.filtered(lambda c: not c.case_id):
            case = Case.search(
                [
                    ("company_id", "=", claim.company_id.id),
                    ("partner_id", "=", claim.partner_id.commercial_partner_id.id),
                    ("kind", "=", "partner"),
                    ("stage_type", "not in", CLOSED_TYPES),
                ],
                limit=1,
            )
            if case and not case.with_env(user_env).has_access("read"):
                raise AccessError(
                    self.env._(
                        "%s is followed in a collection case you do not see: its collector or "
                        "a Credit Control Manager files its claims.",
                        claim.partner_id.display_name,
                    )
                )

    def _claims_sharing_items(self, lines=None):
        """The other live claims (neither withdrawn nor rejected) holding one
        of these items. Read as the system: a claim the user cannot see
        still holds its items."""
        self.ensure_one()
        lines = self.item_ids if lines is None else lines
        if not lines:
            return self.browse()
        return (
            self.sudo()
            .search(
                [
                    ("id", "!=", self.id),
                    ("item_ids", "in", lines.ids),
                    ("state", "not in", LOST_STATES),
                ]
            )
            .with_env(self.env)
        )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("partner_id"):
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        claims = super().create(vals_list)
        for claim in claims:
            if claim.name == "/":
                sequence = self.env["ir.sequence"].with_company(claim.company_id)
                with privilege.granted(FILING):
                    claim.name = sequence.next_by_code("credit.insurance.claim") or "/"
            if not claim.item_ids and claim.state == "draft":
                claim.item_ids = claim._overdue_items()
        claims.filtered(lambda c: c.state == "draft")._refresh_figures()
        return claims

    def write(self, vals):
        frozen = {"policy_id", "partner_id", "item_ids"}.intersection(vals)
        if frozen and any(claim.state != "draft" for claim in self):
            raise UserError(self.env._("The items and the buyer of a claim sent are kept as sent."))
        # The case decides who follows (and sees) a claim sent: it may be
        # given one later, never moved to another case or left without.
        if "case_id" in vals and any(
            claim.state != "draft" and claim.case_id and claim.case_id.id != vals["case_id"]
            for claim in self
        ):
            raise UserError(
                self.env._(
                    "A claim sent stays with its collection case and the collector who follows it."
                )
            )
        result = super().write(vals)
        if frozen:
            self._refresh_figures()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_draft_only(self):
        if any(claim.state != "draft" for claim in self):
            raise UserError(self.env._("A claim sent to the insurer is kept: withdraw it."))

    # ------------------------------------------------------------------
    # Items and figures
    # ------------------------------------------------------------------

    def _overdue_items(self):
        """The customer's overdue open receivables in the claim's company that
        no other live claim holds."""
        self.ensure_one()
        items = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id.commercial_partner_id", "=", self.partner_id.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", fields.Date.context_today(self)),
            ],
            order="date_maturity, id",
        )
        claimed = self._claims_sharing_items(items)
        return items - claimed.sudo().item_ids

    def _refresh_figures(self):
        """Amount claimed (the items' open amounts in the policy's currency,
        taxes included), the cover that insured them, and the insured
        amount: the indemnity percentage of the part the cover covers.

        A delivery is insured by the cover in force on its invoice date,
        not by today's (insurers often withdraw a limit just before the
        claim): items invoiced while nothing was covered are claimed but not
        insured, and the cover amount is the highest in force on the
        insured items' invoice dates."""
        today = fields.Date.context_today(self)
        for claim in self:
            if claim.state != "draft":
                raise UserError(self.env._("The figures of a claim sent are kept as sent."))
            currency, company = claim.currency_id, claim.company_id
            claimed = insured_items = limit = 0.0
            for item in claim.item_ids:
                amount = (
                    item.amount_residual_currency
                    if item.currency_id == currency
                    else company.currency_id._convert(
                        item.amount_residual, currency, company, today
                    )
                )
                claimed += amount
                in_force = claim._cover_limit(item.move_id.invoice_date or item.date, today)
                if in_force > 0:
                    insured_items += amount
                    limit = max(limit, in_force)
            covered = min(insured_items, limit)
            percent = claim.policy_id.indemnity_percent
            with privilege.granted(FILING):
                claim.write(
                    {
                        "amount_claimed": currency.round(claimed),
                        "cover_limit": limit,
                        "amount_covered": currency.round(covered),
                        "indemnity_percent": percent,
                        "amount_insured": currency.round(covered * percent / 100.0),
                    }
                )

    def _cover_limit(self, day, today):
        """The buyer's cover under the policy in force on ``day``, in the
        policy's currency: the latest decision of the insurer effective on
        that day (engine/decisions.py, as the overdue worklist counts it),
        else the discretionary limit when the insurer had not decided on the
        buyer yet or its decision had expired by then."""
        cover, policy = self.cover_id, self.policy_id
        decisions = (
            cover.sudo()
            .event_ids.filtered(
                lambda e: (
                    e.applied
                    and e.answer not in edifact.PENDING
                    and not (e.answer == "refused" and e._request_kind() in ("increase", "prolong"))
                    and (e.effective_date or e.decision_date or e.create_date.date()) <= day
                )
            )
            .sorted(lambda e: (e.effective_date or e.decision_date or e.create_date.date(), e.id))
        )
        last = decisions[-1:]
        expiry = last.expiry_date or cover.expiry_date
        if not last or (expiry and expiry < day):
            return policy.discretionary_limit
        if last.answer not in edifact.COVERING:
            return 0.0
        return last.currency_id._convert(last.amount, policy.currency_id, policy.company_id, today)

    def action_recompute(self):
        self._check_credit_user()
        self.check_access("write")
        self._refresh_figures()

    def action_add_overdue_items(self):
        self._check_credit_user()
        for claim in self:
            claim.item_ids |= claim._overdue_items()

    # ------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------

    def action_collect_documents(self):
        """Attaches what the insurer asks with a claim: the invoices' PDFs,
        the reminders sent for these items and the collection case file
        (its history, notes and messages included, and its items as CSV).
        Collected again, they replace the earlier ones."""
        self._check_credit_user()
        for claim in self:
            claim.check_access("write")
            if claim.state != "draft":
                raise UserError(self.env._("The documents of a claim sent are kept as sent."))
            claim.document_ids.filtered(lambda a: a.description in DOCUMENT_KINDS).unlink()
            claim._collect_documents()
        return True

    def _collect_documents(self):
        values = [
            *self._invoice_documents(),
            *self._reminder_documents(),
            *self._case_documents(),
        ]
        for vals in values:
            vals.update(res_model=self._name, res_id=self.id)
        return self.env["ir.attachment"].create(values)

    def _render(self, report, record, name, kind):
        content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(report, record.ids)
        # Without wkhtmltopdf (and in tests) Odoo renders HTML: name it so.
        pdf = report_type == "pdf"
        return {
            "name": f"{name.replace('/', '_')}.{'pdf' if pdf else 'html'}",
            "raw": content,
            "mimetype": "application/pdf" if pdf else "text/html",
            "description": kind,
        }

    def _invoice_documents(self):
        """The invoice as sent to the customer when Odoo kept it, else
        printed now."""
        documents = []
        for move in self.item_ids.move_id.sorted(lambda m: (m.invoice_date or m.date, m.id)):
            sent = move.invoice_pdf_report_id
            if sent:
                documents.append(
                    {
                        "name": sent.name,
                        "raw": sent.raw,
                        "mimetype": sent.mimetype,
                        "description": "invoice",
                    }
                )
            else:
                documents.append(
                    self._render("account.account_invoices", move, move.name, "invoice")
                )
        return documents

    def _reminders(self):
        """The reminders sent to the customer that listed these items."""
        lines = self.env["credit.dunning.line"].search(
            [("move_line_id", "in", self.item_ids.ids), ("communication_id.state", "=", "sent")]
        )
        return lines.communication_id.sorted(lambda c: (c.date, c.id))

    def _reminder_documents(self):
        return [
            self._render(
                "credit_management.action_report_dunning_letter",
                reminder,
                self.env._(
                    "Reminder %(level)s %(date)s", level=reminder.level_id.name, date=reminder.date
                ),
                "reminder",
            )
            for reminder in self._reminders()
        ]

    def _case_documents(self):
        case = self.case_id
        if not case:
            return []
        return [
            self._render(
                "credit_management.action_report_collection_case_file", case, case.name, "case_file"
            ),
            {
                "name": f"{case.name.replace('/', '_')}.csv",
                "raw": case._case_file_csv().encode("utf-8"),
                "mimetype": "text/csv",
                "description": "case_file",
            },
        ]

    # ------------------------------------------------------------------
    # Submission
    # ------------------------------------------------------------------

    def action_submit(self):
        """Sends each draft claim to its insurer (API) or exports it (file
        insurer), with its documents; figures and items are frozen then."""
        self._check_credit_user()
        for claim in self:
            claim.check_access("write")
            claim._check_submittable()
            claim._refresh_figures()
            if not claim.document_ids.filtered(lambda a: a.description in DOCUMENT_KINDS):
                claim._collect_documents()
            if claim.backend_id.kind == "file":
                claim._export()
            else:
                claim._send()
        return True

    def _check_submittable(self):
        if self.state != "draft":
            raise UserError(self.env._("%s was submitted already.", self.name))
        if not self.item_ids:
            raise UserError(self.env._("Add the overdue items the claim is about."))
        open_items = self.item_ids.filtered(lambda item: item.amount_residual > 0)
        if open_items != self.item_ids:
            raise UserError(
                self.env._(
                    "These items are paid: take them out of the claim: %s",
                    ", ".join((self.item_ids - open_items).mapped("move_id.name")),
                )
            )
        if self.backend_id.kind != "file" and not (
            self.buyer_id.match_state == "matched" and self.buyer_id.insurer_ref
        ):
            raise UserError(
                self.env._(
                    "%s is not matched with a buyer of the insurer: request a cover or resolve "
                    "the buyer first.",
                    self.partner_id.display_name,
                )
            )

    def _payload(self):
        documents = self.document_ids.sorted("id")
        return {
            "key": self._filing_ref(),
            "buyer": self.buyer_id.insurer_ref or "",
            "currency": self.currency_id.name,
            "amount": self.amount_claimed,
            "items": [
                {
                    "number": item.move_id.name,
                    "date": (item.move_id.invoice_date or item.date).isoformat(),
                    "due": (item.date_maturity or item.date).isoformat(),
                    "amount": item.move_id.amount_total,
                    "open": item.amount_residual_currency,
                }
                for item in self.item_ids
            ],
            "documents": [
                {
                    "name": doc.name,
                    "mimetype": doc.mimetype,
                    "content": base64.b64encode(doc.raw or b"").decode(),
                }
                for doc in documents
            ],
        }

    def _send(self):
        answer = self._insurer_call(lambda adapter: adapter.send_claim(self._payload()))
        self._submitted({})
        if answer is not None:
            self._apply_answer(answer)

    def _export(self):
        header, rows = self._file_rows()
        base = f"claim_{self.name}".replace("/", "_").replace(" ", "_")
        files = self.env["ir.attachment"].create(
            [
                {
                    "name": f"{base}.csv",
                    "raw": exports.to_csv(header, rows),
                    "mimetype": "text/csv",
                    "res_model": self._name,
                    "res_id": self.id,
                    "description": "export",
                },
                {
                    "name": f"{base}.xlsx",
                    "raw": exports.to_xlsx(header, rows, title=self.name),
                    "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "res_model": self._name,
                    "res_id": self.id,
                    "description": "export",
                },
            ]
        )
        self._submitted({})
        self.message_post(
            body=self.env._(
                "Claim exported for %s: send the files with the documents attached.",
                self.backend_id.name,
            ),
            attachment_ids=files.ids,
        )
        return files

    def _file_rows(self):
        customer = self.partner_id
        documents = "; ".join(
            self.document_ids.filtered(lambda a: a.description in DOCUMENT_KINDS).mapped("name")
        )
        head = (
            self.name,
            self.policy_id.name,
            self.policy_id.insurer_ref or "",
            self.buyer_id.insurer_ref or "",
            customer.name,
            customer.vat or "",
            customer.company_registry or "",
            customer.country_id.code or "",
            self.currency_id.name,
            self.amount_claimed,
            self.amount_insured,
        )
        rows = [
            (
                *head,
                item.move_id.name,
                item.move_id.invoice_date or item.date,
                item.date_maturity or item.date,
                item.move_id.amount_total,
                item.amount_residual_currency,
                documents,
            )
            for item in self.item_ids.sorted(lambda i: (i.date_maturity or i.date, i.id))
        ]
        return FILE_HEADER, rows

    def _submitted(self, vals):
        with privilege.granted(FILING):
            self.write(
                {
                    **vals,
                    "state": "submitted",
                    "sent_document_ids": [Command.set(self.document_ids.ids)],
                    "date_submitted": fields.Datetime.now(),
                    "user_submitted_id": self.env.uid,
                }
            )

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------

    def _apply_answer(self, answer):
        """The insurer's answer (a :class:`~..mappers.filing.Answer`): its
        state with the state's date, its words and the indemnity it paid."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        vals = {
            "state": answer.state,
            "insurer_ref": answer.reference or self.insurer_ref,
            "insurer_message": answer.message or self.insurer_message,
            "raw_answer": answer.raw,
        }
        date_field = STATE_DATES.get(answer.state)
        if date_field and not self[date_field]:
            vals[date_field] = today
        if answer.paid_amount:
            paid_on = fields.Date.to_date(answer.paid_date[:10] or None) or today
            vals.update(
                amount_paid=self._paid_in_currency(
                    answer.paid_amount, answer.paid_currency, paid_on
                ),
                date_paid=paid_on,
            )
        with privilege.granted(FILING):
            self.write(vals)

    def _paid_in_currency(self, amount, code, day):
        """The indemnity paid in currency ``code``, in the claim's currency
        at the rate of ``day``, when it was paid (as Odoo books a payment),
        not at today's: what was received does not move with the rates."""
        currency = self.currency_id
        if code and code != currency.name:
            paid = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", code)], limit=1)
            )
            if paid:
                return paid._convert(amount, currency, self.company_id, day)
        return amount

    def action_refresh(self):
        """Reads the insurer's current answer to the claims sent by API."""
        self._check_credit_user()
        for claim in self.filtered(lambda c: c.backend_id.kind != "file" and c.state != "draft"):
            claim.check_access("write")
            ref, job = claim.insurer_ref, (claim.raw_answer or {}).get("jobId")
            if ref:
                answer = claim._insurer_call(lambda adapter, ref=ref: adapter.get_claim(ref))
            elif job:
                answer = claim._insurer_call(
                    lambda adapter, job=job: adapter.filing_job(job, filing.claim)
                )
            else:
                continue
            if answer is not None:
                claim._apply_answer(answer)
        return True

    def _record_answer(self, state, message="", amount=0.0, day=None):
        """An answer received outside the API (letter, email, portal): only
        forward, an indemnity adds to what was received."""
        self.ensure_one()
        self._check_credit_user()
        self.check_access("write")
        if self.state == "draft":
            raise UserError(self.env._("Submit the claim before recording the insurer's answer."))
        if state == "indemnity":
            if amount <= 0:
                raise UserError(self.env._("Enter the indemnity received."))
            total = self.amount_paid + amount
            paid = self.currency_id.compare_amounts(total, self.amount_insured) >= 0
            state = "paid" if paid else "partially_paid"
        if STEP[state] < STEP[self.state] or self.state in ("paid", "rejected", "withdrawn"):
            raise UserError(
                self.env._(
                    "The claim is %(current)s: it cannot become %(new)s.",
                    current=dict(STATES)[self.state],
                    new=dict(STATES)[state],
                )
            )
        vals = {"state": state, "insurer_message": message or self.insurer_message}
        date_field = STATE_DATES.get(state)
        if date_field:
            vals[date_field] = day or fields.Date.context_today(self)
        if state in ("paid", "partially_paid"):
            vals.update(
                amount_paid=self.amount_paid + amount,
                date_paid=day or fields.Date.context_today(self),
            )
        with privilege.granted(FILING):
            self.write(vals)

    def action_withdraw(self):
        """Withdraws a claim in preparation, or one filed with a file
        insurer (tell the insurer); a claim sent by API is withdrawn by the
        insurer's answer."""
        self._check_credit_user()
        for claim in self:
            claim.check_access("write")
            if claim.state != "draft" and (
                claim.backend_id.kind != "file" or STEP[claim.state] >= STEP["partially_paid"]
            ):
                raise UserError(
                    self.env._(
                        "%s is with the insurer: ask the insurer to withdraw it.", claim.name
                    )
                )
            with privilege.granted(FILING):
                claim.write(
                    {"state": "withdrawn", "date_decision": fields.Date.context_today(self)}
                )
        return True

    def action_record_answer(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record the Insurer's Answer"),
            "res_model": "credit.insurance.claim.answer",
            "view_mode": "form",
            "target": "new",
            "context": {"default_claim_id": self.id},
        }

    def action_open_documents(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Claim Documents"),
            "res_model": "ir.attachment",
            "view_mode": "list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }
