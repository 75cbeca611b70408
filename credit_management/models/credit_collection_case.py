import csv
import io

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.misc import split_every

from ..engine import collection
from .credit_collection_mixin import foreign_items
from .credit_collection_stage import CLOSED_TYPES


class CreditCollectionCase(models.Model):
    """What a collector works on: a customer's unpaid items (or one disputed
    invoice), with the promises, payment plans and disputes around them."""

    _name = "credit.collection.case"
    _description = "Collection Case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority desc, amount_overdue desc, id desc"
    _check_company_auto = True

    # Identity
    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    kind = fields.Selection(
        selection=[("partner", "Customer"), ("dispute", "Dispute")],
        required=True,
        default="partner",
        help="A customer case covers the customer's unpaid items; a dispute case follows one "
        "disputed invoice on its own.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        tracking=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    stage_id = fields.Many2one(
        "credit.collection.stage",
        required=True,
        tracking=True,
        index=True,
        default=lambda s: s._stage("open"),
        group_expand="_read_group_stage_ids",
        ondelete="restrict",
    )
    stage_type = fields.Selection(related="stage_id.stage_type", store=True, string="Stage Meaning")
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        tracking=True,
        check_company=True,
        index=True,
        default=lambda s: s.env.user,
    )
    team_id = fields.Many2one(
        "credit.collection.team",
        string="Collection Team",
        tracking=True,
        check_company=True,
        default=lambda s: s._default_team(),
    )
    date_opened = fields.Date(
        string="Opened On", required=True, readonly=True, default=fields.Date.context_today
    )
    date_closed = fields.Date(string="Closed On", readonly=True, copy=False)

    # What the case covers
    item_ids = fields.Many2many(
        "account.move.line",
        "credit_collection_case_item_rel",
        "case_id",
        "move_line_id",
        string="Items",
        check_company=True,
        domain="[('partner_id.commercial_partner_id', '=', partner_id),"
        " ('account_type', '=', 'asset_receivable'), ('parent_state', '=', 'posted')]",
    )
    item_count = fields.Integer(compute="_compute_amounts", store=True, string="Open Items")
    amount_due = fields.Monetary(compute="_compute_amounts", store=True, string="Amount Due")
    amount_overdue = fields.Monetary(compute="_compute_amounts", store=True, string="Overdue")
    oldest_due_date = fields.Date(compute="_compute_amounts", store=True, string="Oldest Due Date")
    days_late = fields.Integer(compute="_compute_days_late", string="Days Late")

    # Work
    next_action = fields.Char(tracking=True)
    next_action_date = fields.Date(tracking=True, index=True)
    last_contact_date = fields.Date(string="Last Contact", tracking=True)
    broken_promise_count = fields.Integer(
        string="Broken Promises", readonly=True, copy=False, tracking=True
    )
    escalated = fields.Boolean(
        readonly=True, copy=False, tracking=True, help="A payment plan of the case broke."
    )
    priority = fields.Float(
        compute="_compute_priority",
        store=True,
        readonly=True,
        aggregator="max",
        help="0-100: amount overdue, days late, risk class, broken promises and time since "
        "the last contact (see the module's documentation). Refreshed every night.",
    )
    recipient_id = fields.Many2one(
        "res.partner", compute="_compute_recipient_id", string="Statement Recipient"
    )
    risk_class_id = fields.Many2one(
        "credit.risk.class", compute="_compute_risk_class_id", string="Risk Class"
    )
    promise_ids = fields.One2many("credit.collection.promise", "case_id", string="Promises")
    plan_ids = fields.One2many("credit.collection.plan", "case_id", string="Payment Plans")
    dispute_ids = fields.One2many("credit.collection.dispute", "case_id", string="Disputes")
    promise_count = fields.Integer(compute="_compute_counts")
    plan_count = fields.Integer(compute="_compute_counts")
    dispute_count = fields.Integer(compute="_compute_counts")

    # Escalation and write-off
    handover_type = fields.Selection(
        selection=[("legal", "Lawyer"), ("agency", "Collection Agency")],
        string="Handed Over To",
        readonly=True,
        copy=False,
        tracking=True,
    )
    handover_partner_id = fields.Many2one(
        "res.partner", string="Lawyer or Agency", readonly=True, copy=False, tracking=True
    )
    handover_date = fields.Date(readonly=True, copy=False)
    writeoff_move_ids = fields.One2many(
        "account.move", "credit_writeoff_case_id", string="Write-offs", readonly=True
    )
    amount_written_off = fields.Monetary(compute="_compute_amount_written_off")

    _one_open_case = models.UniqueIndex(
        "(company_id, partner_id) WHERE kind = 'partner' "
        "AND stage_type NOT IN ('closed', 'written_off')",
        "This customer already has an open collection case in this company.",
    )

    # ------------------------------------------------------------------
    # Defaults and computes
    # ------------------------------------------------------------------

    @api.model
    def _stage(self, stage_type):
        """The first stage of a type: where the automatic transitions go."""
        return self.env["credit.collection.stage"].search(
            [("stage_type", "=", stage_type)], limit=1
        )

    @api.model
    def _default_team(self):
        company = self.env.company
        teams = self.env["credit.collection.team"].search(
            [("company_id", "=", company.id), ("member_ids", "in", self.env.uid)], limit=1
        )
        return teams or company.credit_collection_team_id

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        # Every stage is a kanban column, even empty ones.
        return stages.browse(stages._search([], order=stages._order))

    @api.depends("item_ids.amount_residual", "item_ids.date_maturity", "item_ids.parent_state")
    def _compute_amounts(self):
        today = fields.Date.context_today(self)
        for case in self:
            items = case.item_ids.filtered(
                lambda line: line.parent_state == "posted" and line.amount_residual > 0
            )
            late = items.filtered(lambda line: (line.date_maturity or line.date) < today)
            case.item_count = len(items)
            case.amount_due = sum(items.mapped("amount_residual"))
            case.amount_overdue = sum(late.mapped("amount_residual"))
            case.oldest_due_date = min(
                (line.date_maturity or line.date for line in late), default=False
            )

    @api.depends("oldest_due_date")
    def _compute_days_late(self):
        today = fields.Date.context_today(self)
        for case in self:
            case.days_late = (today - case.oldest_due_date).days if case.oldest_due_date else 0

    @api.depends(
        "amount_overdue",
        "oldest_due_date",
        "broken_promise_count",
        "last_contact_date",
        "escalated",
        "stage_type",
        "partner_id",
    )
    def _compute_priority(self):
        today = fields.Date.context_today(self)
        for case in self:
            if case.stage_type in CLOSED_TYPES:
                case.priority = 0.0
                continue
            case.priority = collection.priority(
                collection.PriorityInput(
                    overdue=case.amount_overdue,
                    days_late=(today - case.oldest_due_date).days if case.oldest_due_date else 0,
                    risk_points=case._risk_class().collection_weight,
                    broken_promises=case.broken_promise_count,
                    days_since_contact=(today - (case.last_contact_date or case.date_opened)).days,
                    escalated=case.escalated,
                )
            )

    def _risk_class(self):
        return self.partner_id.with_company(self.company_id).credit_risk_class_id

    def _compute_risk_class_id(self):
        for case in self:
            case.risk_class_id = case._risk_class()

    def _compute_recipient_id(self):
        # The customer's invoicing address when it has an email, like reminders.
        for case in self:
            billing = case.partner_id.child_ids.filtered(lambda c: c.type == "invoice" and c.email)[
                :1
            ]
            case.recipient_id = billing or case.partner_id

    def _compute_counts(self):
        for case in self:
            case.promise_count = len(case.promise_ids)
            case.plan_count = len(case.plan_ids)
            case.dispute_count = len(case.dispute_ids)

    @api.depends("writeoff_move_ids.state", "writeoff_move_ids.line_ids.balance")
    def _compute_amount_written_off(self):
        # The receivable settled (tax included, company currency), whether by
        # a write-off entry or by bad-debt credit notes.
        for case in self:
            moves = case.writeoff_move_ids.filtered(
                lambda m: m.state == "posted" and not m.reversal_move_ids
            )
            receivable = moves.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            case.amount_written_off = -sum(receivable.mapped("balance"))

    @api.constrains("item_ids", "partner_id", "company_id")
    def _check_item_ids(self):
        """Like promises, plans and disputes: a case covers receivable items
        of its customer in its company, nothing else (the write-off settles
        them); items join it posted (see ``_check_new_items``)."""
        for case in self:
            customer = case.partner_id.commercial_partner_id
            strangers = foreign_items(case.item_ids, customer, case.company_id)
            if strangers:
                raise ValidationError(
                    self.env._(
                        "Case %(case)s may only cover receivable items of %(customer)s in "
                        "%(company)s; not %(items)s.",
                        case=case.name,
                        customer=customer.display_name,
                        company=case.company_id.name,
                        items=", ".join(strangers.mapped("display_name")),
                    )
                )

    def _check_new_items(self, items):
        """Items join a case posted (an item reset to draft later stays, and
        leaves the amounts until it is posted again)."""
        unposted = items.filtered(lambda line: line.parent_state != "posted")
        if unposted:
            raise ValidationError(
                self.env._(
                    "Only posted items can join a collection case; not %s.",
                    ", ".join(unposted.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("credit.collection.case")
                    or "/"
                )
        cases = super().create(vals_list)
        cases._check_new_items(cases.item_ids)
        for case in cases.filtered(lambda c: not c.item_ids and c.kind == "partner"):
            case.item_ids = case._open_items()
        return cases

    def write(self, vals):
        if "stage_id" in vals:
            stage = self.env["credit.collection.stage"].browse(vals["stage_id"])
            closing = stage.stage_type in CLOSED_TYPES
            vals.setdefault("date_closed", fields.Date.context_today(self) if closing else False)
        before = {case: case.item_ids for case in self} if "item_ids" in vals else {}
        result = super().write(vals)
        for case, items in before.items():
            self._check_new_items(case.item_ids - items)
        return result

    # ------------------------------------------------------------------
    # Items
    # ------------------------------------------------------------------

    def _open_items_domain(self):
        self.ensure_one()
        return Domain(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "child_of", self.partner_id.commercial_partner_id.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
            ]
        )

    def _open_items(self, overdue_only=False):
        domain = self._open_items_domain()
        if overdue_only:
            domain &= Domain("date_maturity", "<", fields.Date.context_today(self))
        return self.env["account.move.line"].search(domain)

    def action_add_overdue_items(self):
        """Adds the customer's items that fell overdue since the case opened."""
        for case in self:
            case.item_ids |= case._open_items(overdue_only=True)

    @api.model
    def _for_partner(self, partner, company=None, values=None):
        """The open customer case of ``partner`` in ``company``; opened when
        there is none."""
        # Only those who may open a case learn that one exists.
        self.check_access("create")
        company = company or self.env.company
        partner = partner.commercial_partner_id
        # Searched past the collector rules: one open case per customer.
        case = (
            self.sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("kind", "=", "partner"),
                    ("stage_type", "not in", CLOSED_TYPES),
                ],
                limit=1,
            )
            .with_env(self.env)
        )
        if case and not case.has_access("read"):
            raise UserError(
                self.env._(
                    "%(customer)s already has a collection case (%(case)s), worked by "
                    "%(collector)s: ask them or a Credit Control Manager.",
                    customer=partner.display_name,
                    case=case.sudo().name,
                    collector=case.sudo().user_id.name or case.sudo().team_id.name or "-",
                )
            )
        if not case:
            case = self.with_company(company).create(
                {"partner_id": partner.id, "company_id": company.id, **(values or {})}
            )
        return case

    @api.model
    def _new_dispute_case(self, invoice):
        """A case following one disputed invoice."""
        return self.with_company(invoice.company_id).create(
            {
                "kind": "dispute",
                "partner_id": invoice.commercial_partner_id.id,
                "company_id": invoice.company_id.id,
                "item_ids": [
                    Command.set(
                        invoice.line_ids.filtered(
                            lambda line: line.account_type == "asset_receivable"
                        ).ids
                    )
                ],
            }
        )

    # ------------------------------------------------------------------
    # Stages
    # ------------------------------------------------------------------

    def _move_to(self, stage_type, message=None):
        """Automatic transition to the first stage of ``stage_type``; cases
        already closed stay closed."""
        stage = self._stage(stage_type)
        if not stage:
            return
        for case in self.filtered(lambda c: c.stage_id != stage):
            if case.stage_type in CLOSED_TYPES and stage_type not in (*CLOSED_TYPES, "open"):
                continue
            case.stage_id = stage
            if message:
                case.message_post(body=message)

    def _resume_stage(self):
        """Where a case goes back to once a promise, plan or dispute ends:
        the strongest of what is still open, else contacted."""
        for case in self:
            if case.plan_ids.filtered(lambda p: p.state == "active"):
                case._move_to("plan")
            elif case.dispute_ids.filtered(lambda d: d.state == "open"):
                case._move_to("disputed")
            elif case.promise_ids.filtered(lambda p: p.state == "open"):
                case._move_to("promised")
            elif case.stage_type not in ("legal", *CLOSED_TYPES):
                case._move_to("contacted" if case.last_contact_date else "open")

    def _close_if_settled(self):
        """Closes the cases whose items are all settled (paid, credited)."""
        settled = self.filtered(
            lambda c: (
                c.stage_type not in CLOSED_TYPES
                and c.item_ids
                and not c.item_ids.filtered(lambda line: line.amount_residual > 0)
            )
        )
        for case in settled:
            # A case that booked a loss ends written off, whatever settled the rest.
            kind = "written_off" if case.amount_written_off else "closed"
            case._move_to(kind, self.env._("Every item of the case is settled."))
            case.promise_ids.filtered(lambda p: p.state == "open")._decide()
            case.plan_ids.filtered(lambda p: p.state == "active")._decide()
        return settled

    def action_reopen(self):
        self._move_to("open", self.env._("Case reopened."))

    def action_close(self):
        self._move_to("closed", self.env._("Case closed by hand."))

    def action_log_contact(self):
        """Records that the customer was reached today."""
        today = fields.Date.context_today(self)
        for case in self:
            case.last_contact_date = today
            if case.stage_type == "open":
                case._move_to("contacted")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _open_related(self, model, name, extra_context=None):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": [("case_id", "=", self.id)],
            "context": {"default_case_id": self.id, **(extra_context or {})},
        }

    def action_open_promises(self):
        return self._open_related("credit.collection.promise", self.env._("Promises to Pay"))

    def action_open_plans(self):
        return self._open_related("credit.collection.plan", self.env._("Payment Plans"))

    def action_open_disputes(self):
        return self._open_related("credit.collection.dispute", self.env._("Disputes"))

    def action_open_items(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Items of %s", self.name),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "domain": [("id", "in", self.item_ids.ids)],
            "context": {"search_default_group_by_move": 0},
        }

    def action_new_promise(self):
        self.ensure_one()
        promises = self.env["credit.collection.promise"]
        return promises._form_action({"default_case_id": self.id})

    def action_new_plan(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Payment Plan"),
            "res_model": "credit.collection.plan",
            "view_mode": "form",
            "context": {"default_case_id": self.id},
        }

    def action_writeoff(self):
        self.ensure_one()
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise UserError(self.env._("Only a Credit Control Manager may write debts off."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Write Off"),
            "res_model": "credit.writeoff.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def action_handover(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Hand Over"),
            "res_model": "credit.collection.handover",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def action_send_statement(self):
        """Opens the email composer with the customer's statement attached."""
        self.ensure_one()
        template = self.env.ref("credit_management.mail_template_collection_statement")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "credit_statement_contact": True,
            },
        }

    def _message_post_after_hook(self, message, msg_vals):
        # A message sent to the customer (a statement, an email) is a contact.
        recipients = set(msg_vals.get("partner_ids") or [])
        for case in self.filtered(lambda c: c.stage_type not in CLOSED_TYPES):
            customer = case.partner_id.commercial_partner_id
            contacts = set((customer | customer.child_ids).ids)
            if case.env.context.get("credit_statement_contact") or recipients & contacts:
                case.action_log_contact()
        return super()._message_post_after_hook(message, msg_vals)

    def _statement_lines(self):
        """Open items of the customer for the statement: (line, days late,
        bucket key), oldest first."""
        today = fields.Date.context_today(self)
        rows = []
        for line in self._open_items().sorted(
            lambda line: (line.date_maturity or line.date, line.id)
        ):
            late = (today - (line.date_maturity or line.date)).days
            bucket = next(
                key
                for key, low, high in collection.aging_buckets()
                if (low is None or late >= low) and (high is None or late <= high)
            )
            rows.append((line, late, bucket))
        return rows

    def _statement_aging(self):
        totals = {key: 0.0 for key, _low, _high in collection.aging_buckets()}
        for line, _late, bucket in self._statement_lines():
            totals[bucket] += line.amount_residual
        return totals

    def _case_file_csv(self):
        """The items of the case file, one row each, with the customer's
        identification on every row (agencies load it as it is)."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id
        today = fields.Date.context_today(self)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "case", "customer", "vat", "company_registry", "street", "zip", "city",
                "country", "email", "phone", "document", "document_date", "due_date",
                "days_late", "currency", "amount", "amount_due", "amount_due_company_currency",
            ]
        )  # fmt: skip
        for line in self.item_ids.sorted(lambda line: (line.date_maturity or line.date, line.id)):
            writer.writerow(
                [
                    self.name, customer.name, customer.vat or "", customer.company_registry or "",
                    customer.street or "", customer.zip or "", customer.city or "",
                    customer.country_id.code or "", customer.email or "", customer.phone or "",
                    line.move_id.name, line.move_id.invoice_date or line.date,
                    line.date_maturity or "",
                    max((today - (line.date_maturity or line.date)).days, 0),
                    line.currency_id.name, line.amount_currency, line.amount_residual_currency,
                    line.amount_residual,
                ]
            )  # fmt: skip
        return buffer.getvalue()

    # ------------------------------------------------------------------
    # Scheduled work
    # ------------------------------------------------------------------

    @api.model
    def _cron_collections(self):
        """Nightly: decide promises and plans from the payments received,
        close settled cases, refresh amounts overdue and priorities."""
        Promise = self.env["credit.collection.promise"]
        Plan = self.env["credit.collection.plan"]
        Promise.search([("state", "=", "open")])._decide()
        Plan.search([("state", "=", "active")])._decide()
        cases = self.search([("stage_type", "not in", CLOSED_TYPES)])
        for batch in split_every(1000, cases.ids):
            batch_cases = self.browse(batch)
            self.env.add_to_compute(self._fields["amount_overdue"], batch_cases)
            batch_cases._close_if_settled()
            self.env.add_to_compute(self._fields["priority"], batch_cases)
            batch_cases.flush_recordset()
            self.env.invalidate_all()

    def _notify_collector(self, summary, note):
        """An activity for the collector (the team leader when nobody is
        assigned) and a message on the case."""
        for case in self:
            user = case.user_id or case.team_id.user_id
            case.message_post(body=note, partner_ids=user.partner_id.ids if user else [])
            if user:
                case.activity_schedule(
                    "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
                )

    # ------------------------------------------------------------------
    # Partner merges
    # ------------------------------------------------------------------

    @api.model
    def _merge_prepare(self, partners, dst_partner):
        """Before ``partners`` are merged into ``dst_partner``: of their open
        customer cases, one per company is kept (the destination's, else the
        oldest) and the others are closed, so that repointing them does not
        break the one-open-case rule. Returns ``[(kept, closed)]`` for
        :meth:`_merge_absorb` once the partners are merged."""
        cases = self.search(
            [
                ("partner_id", "in", partners.ids),
                ("kind", "=", "partner"),
                ("stage_type", "not in", CLOSED_TYPES),
            ],
            order="date_opened, id",
        )
        merges = []
        for company_cases in cases.grouped("company_id").values():
            if len(company_cases) < 2:
                continue
            own = company_cases.filtered(lambda c: c.partner_id == dst_partner)
            kept = own[:1] or company_cases[:1]
            closed = company_cases - kept
            for case in closed:
                case.message_post(
                    body=self.env._(
                        "Customer merged into %(partner)s: this case goes on as %(case)s.",
                        partner=dst_partner.display_name,
                        case=kept.name,
                    ),
                    partner_ids=case.user_id.partner_id.ids,
                )
            closed._move_to("closed")
            merges.append((kept, closed))
        return merges

    def _merge_absorb(self, closed):
        """The kept case takes over the items, promises, plans and disputes
        of the cases closed by :meth:`_merge_prepare`."""
        self.ensure_one()
        self.write(
            {
                "item_ids": [Command.link(item.id) for item in closed.item_ids],
                "broken_promise_count": self.broken_promise_count
                + sum(closed.mapped("broken_promise_count")),
                "escalated": self.escalated or any(closed.mapped("escalated")),
                "user_id": self.user_id.id or closed.user_id[:1].id,
            }
        )
        closed.promise_ids.write({"case_id": self.id})
        closed.plan_ids.write({"case_id": self.id})
        closed.dispute_ids.write({"case_id": self.id})
        collectors = ", ".join(f"{case.name} ({case.user_id.name or '-'})" for case in closed)
        self.message_post(
            body=self.env._(
                "Customers merged: this case takes over the items, promises, payment plans "
                "and disputes of %s.",
                collectors,
            ),
            partner_ids=closed.user_id.partner_id.ids,
        )
        self._resume_stage()
