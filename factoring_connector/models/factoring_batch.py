import uuid

from odoo import api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..engine import eligibility
from .factoring_contract import SENDERS

# Documents whose computed fields are flushed at a time.
SYNC_CHUNK = 1000
# Granted by the batch actions only (a context variable, never a context key).
BATCH_ACTION = "factoring_batch_action"
STATES = [
    ("draft", "Draft"),
    ("generated", "Generated"),
    ("sent", "Sent"),
    ("acknowledged", "Acknowledged"),
    ("partially_rejected", "Partially Rejected"),
    ("funded", "Funded"),
    ("cancelled", "Cancelled"),
]
# Fields only the actions write.
ACTION_FIELDS = {
    "state",
    "line_ids",
    "date_generated",
    "date_sent",
    "date_acknowledged",
    "date_funded",
    "idempotency_key",
    "factor_ref",
    "control_total",
    "control_count",
    "transfer_move_id",
    "funding_move_id",
    "fee_bill_id",
    "advance_payment_id",
    "entry_ids",
}


def without_defaults(records, names=None):
    """``records`` with a context rid of its ``default_<name>`` keys (every
    ``default_`` key when ``names`` is None): the fields the actions set take
    no value from the caller's context."""
    context = {
        key: value
        for key, value in records.env.context.items()
        if not (key.startswith("default_") and (names is None or key[8:] in names))
    }
    return records.with_context(context)  # pylint: disable=context-overridden


class FactoringBatch(models.Model):
    """Documents handed to a factor together: selected, generated into a
    file (or an API payload), sent, acknowledged, funded."""

    _name = "factoring.batch"
    _description = "Factoring Batch"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    # The batch's company is the contract's: no check_company here, whose
    # domain would follow the (still empty) company of a new batch.
    contract_id = fields.Many2one(
        "factoring.contract",
        string="Contract",
        required=True,
        index=True,
        domain="[('company_id', 'in', allowed_company_ids)]",
        tracking=True,
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="contract_id.currency_id", store=True, precompute=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    state = fields.Selection(
        selection=STATES, required=True, default="draft", readonly=True, tracking=True, index=True
    )
    line_ids = fields.One2many(
        "factoring.batch.line", "batch_id", string="Documents", readonly=True
    )
    line_count = fields.Integer(string="Number of Documents", compute="_compute_totals")
    total_amount = fields.Monetary(string="Total", compute="_compute_totals")
    rejected_count = fields.Integer(string="Rejected", compute="_compute_totals")
    control_total = fields.Monetary(readonly=True, copy=False, help="Balance of the file sent.")
    control_count = fields.Integer(readonly=True, copy=False, help="Documents in the file sent.")
    idempotency_key = fields.Char(
        readonly=True,
        copy=False,
        help="Sent with every submission of the batch: the factor answers a resend with its "
        "first answer instead of taking the batch twice.",
    )
    factor_ref = fields.Char(string="Factor's Reference", readonly=True, copy=False)
    date_generated = fields.Datetime(readonly=True, copy=False)
    date_sent = fields.Datetime(readonly=True, copy=False)
    date_acknowledged = fields.Datetime(readonly=True, copy=False)
    date_funded = fields.Date(readonly=True, copy=False, help="The day the factor paid.")
    note = fields.Text()

    @api.depends("line_ids.amount", "line_ids.live", "line_ids.state")
    def _compute_totals(self):
        for batch in self:
            live = batch.line_ids.filtered("live")
            batch.line_count = len(live)
            batch.total_amount = sum(live.mapped("amount"))
            batch.rejected_count = len(batch.line_ids.filtered(lambda ln: ln.state == "rejected"))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        names = {name for vals in vals_list for name in vals} | {
            key[8:] for key in self.env.context if key.startswith("default_")
        }
        if not privilege.has(BATCH_ACTION) and ACTION_FIELDS & names:
            raise AccessError(self.env._("The state of a factoring batch is set by its actions."))
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("factoring.batch") or "/"
        return super(FactoringBatch, without_defaults(self, ACTION_FIELDS)).create(vals_list)

    def write(self, vals):
        if not privilege.has(BATCH_ACTION):
            if ACTION_FIELDS & vals.keys():
                raise AccessError(
                    self.env._("The state of a factoring batch is set by its actions.")
                )
            if "contract_id" in vals and any(b.state != "draft" or b.line_ids for b in self):
                raise UserError(
                    self.env._("The contract of a batch changes only while it is an empty draft.")
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(batch.state not in ("draft", "cancelled") for batch in self):
            raise UserError(self.env._("Only draft or cancelled batches can be deleted."))

    def unlink(self):
        moves = self.line_ids.move_id
        result = super().unlink()
        moves._factoring_sync_state()
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_sender(self):
        if not (self.env.su or any(self.env.user.has_group(group) for group in SENDERS)):
            raise AccessError(
                self.env._(
                    "Only accounting managers and credit control managers handle factoring batches."
                )
            )
        self.check_access("write")

    def _check_state(self, *states):
        for batch in self:
            if batch.state not in states:
                raise UserError(
                    self.env._(
                        "Batch %(batch)s is %(state)s: this needs a batch that is %(expected)s.",
                        batch=batch.name,
                        state=dict(STATES)[batch.state],
                        expected=", ".join(dict(STATES)[s] for s in states),
                    )
                )

    def _set_state(self, state, **vals):
        with privilege.granted(BATCH_ACTION):
            self.write({"state": state, **vals})
        self.line_ids._sync_invoices()

    def action_add_documents(self, move_ids=None):
        """Adds the eligible documents (all, or those of ``move_ids``),
        within each debtor's approval."""
        self._check_sender()
        self._check_state("draft")
        for batch in self:
            batch._add_documents(move_ids)
        return True

    def _add_documents(self, move_ids=None):
        self.ensure_one()
        self.env.flush_all()
        rows = self.env.execute_query(
            eligibility.selection_query(self, self.date, move_ids=move_ids)
        )
        self.invalidate_recordset(["line_ids"])
        lines = self.env["factoring.batch.line"].browse([row[0] for row in rows])
        lines._sync_invoices()
        return lines

    def action_generate(self):
        """Checks the batch against the approvals and the accounts, then
        freezes its control total."""
        self._check_sender()
        self._check_state("draft")
        for batch in self:
            batch._check_generate()
            count, balance = batch._accounting_balance()
            # Rendered (and checked) before anything is written.
            files = batch._render_files(count, balance)
            batch._set_state(
                "generated",
                control_total=balance,
                control_count=count,
                date_generated=fields.Datetime.now(),
                idempotency_key=batch.idempotency_key or uuid.uuid4().hex,
            )
            batch._attach_files(files)

    def _render_files(self, count, balance):
        """[(file name, bytes, mimetype)] of the batch; see factoring_batch_file."""
        return []

    def _attach_files(self, files):
        """Attaches ``files`` to the batch; see factoring_batch_file."""

    def _accounting_balance(self):
        self.ensure_one()
        self.env.flush_all()
        count, balance = self.env.execute_query(eligibility.accounting_balance_query(self))[0]
        return count, self.currency_id.round(float(balance))

    def _check_generate(self):
        self.ensure_one()
        self.env.flush_all()
        # In SQL: the documents of a batch of 10,000 stay out of the ORM cache.
        count, paid = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*), (ARRAY_AGG(move.name ORDER BY move.name) FILTER (
                           WHERE move.payment_state != 'not_paid' OR move.state != 'posted'
                       ))[1:20]
                  FROM factoring_batch_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE line.batch_id = %s AND line.live
                """,
                self.id,
            )
        )[0]
        if not count:
            raise UserError(self.env._("Batch %s has no document to send.", self.name))
        if paid:
            raise UserError(
                self.env._(
                    "These documents are no longer unpaid posted documents: %s. Remove them "
                    "from the batch.",
                    ", ".join(paid),
                )
            )
        if self.contract_id.approval_required:
            self.env.flush_all()
            over = self.env.execute_query(eligibility.over_approval_query(self, self.date))
            if over:
                partners = self.env["res.partner"].browse([row[0] for row in over])
                raise UserError(
                    self.env._(
                        "The batch exceeds the factor's approval of: %s. Remove documents of "
                        "these customers or import their new approvals.",
                        ", ".join(partners.mapped("display_name")),
                    )
                )

    def action_reset_to_draft(self):
        self._check_sender()
        self._check_state("generated")
        self._set_state("draft", control_total=0.0, control_count=0, date_generated=False)

    def action_send(self):
        self._check_sender()
        self._check_state("generated")
        for batch in self:
            batch._send()

    def _send(self):
        """Hands the batch to the factor by its contract's transport."""
        self.ensure_one()
        self._send_by_email()
        self._set_state("sent", date_sent=fields.Datetime.now())

    def action_acknowledge(self):
        """The factor took the batch: partially rejected when it refused
        some documents."""
        self._check_sender()
        self._check_state("sent")
        self._check_accounting()
        # Checked before anything is written: the factor took the full amount.
        self.line_ids.filtered(lambda ln: ln.live and ln.state == "pending")._check_unpaid()
        for batch in self:
            pending = batch.line_ids.filtered(lambda ln: ln.live and ln.state == "pending")
            with privilege.granted(BATCH_ACTION):
                pending.write({"state": "accepted"})
            batch._book_transfer()
            state = "partially_rejected" if batch.rejected_count else "acknowledged"
            batch._set_state(state, date_acknowledged=fields.Datetime.now())

    def action_fund(self, date=None):
        """The factor paid the advance (on ``date``, today by default): books
        the reserve, the fee bill and the advance received."""
        # A repeated id (browse([id, id]) by RPC) books once.
        return self.browse(dict.fromkeys(self.ids))._fund(date)

    def _fund(self, date=None):
        self._check_sender()
        self._check_state("acknowledged", "partially_rejected")
        self._check_accounting(funding=True)
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        for batch in self:
            batch._book_funding(date)
        self._set_state("funded", date_funded=date)

    def action_cancel(self):
        """Gives every document back: they may go in another batch."""
        self._check_sender()
        self._check_state("draft", "generated", "sent")
        for batch in self:
            live = batch.line_ids.filtered("live")
            with privilege.granted(BATCH_ACTION):
                live.write({"live": False, "state": "cancelled"})
            batch._set_state("cancelled")

    def _reject_lines(self, lines, reason):
        """The factor refused ``lines`` of the batch: they are given back."""
        self.ensure_one()
        self._check_state("sent", "acknowledged", "partially_rejected")
        transferred = lines.filtered(lambda ln: ln.transfer_line_id and not ln.return_line_id)
        if transferred:
            transferred._book_return(
                fields.Date.context_today(self), self.env._("Rejected by the factor")
            )
        with privilege.granted(BATCH_ACTION):
            lines.write({"live": False, "state": "rejected", "reject_reason": reason})
        if self.state != "sent":
            self._set_state("partially_rejected")
        else:
            lines._sync_invoices()


class FactoringBatchLine(models.Model):
    """One document of a batch. ``live`` lines hold their document: the
    database refuses a second live line of the same document."""

    _name = "factoring.batch.line"
    _description = "Factoring Batch Document"
    _order = "batch_id, partner_id, id"
    _check_company_auto = True
    _rec_name = "move_id"

    batch_id = fields.Many2one(
        "factoring.batch", required=True, ondelete="cascade", index=True, readonly=True
    )
    contract_id = fields.Many2one("factoring.contract", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    move_id = fields.Many2one(
        "account.move", string="Document", required=True, readonly=True, check_company=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    move_type = fields.Selection(
        selection=[("out_invoice", "Invoice"), ("out_refund", "Credit Note")],
        string="Type",
        required=True,
        readonly=True,
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(
        readonly=True, help="In the contract currency, as booked; credit notes are negative."
    )
    balance = fields.Monetary(
        string="Balance (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    invoice_date = fields.Date(related="move_id.invoice_date")
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")
    state = fields.Selection(
        selection=[
            ("pending", "Pending"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="pending",
        readonly=True,
    )
    live = fields.Boolean(
        default=True,
        readonly=True,
        help="The line holds its document (the batch is not cancelled and the factor did not "
        "reject it).",
    )
    reject_reason = fields.Char(readonly=True)

    _one_live_line_per_document = models.UniqueIndex(
        "(move_id) WHERE live",
        "This document is already in a live factoring batch: a document is assigned once only.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not privilege.has(BATCH_ACTION):
            raise AccessError(
                self.env._("Documents enter a factoring batch through Add Eligible Documents.")
            )
        return super(FactoringBatchLine, without_defaults(self)).create(vals_list)

    def write(self, vals):
        if not privilege.has(BATCH_ACTION):
            raise AccessError(self.env._("Factoring batch documents change through batch actions."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_in_draft(self):
        if any(line.batch_id.state != "draft" for line in self):
            raise UserError(
                self.env._("Documents leave a batch that is not a draft by rejection only.")
            )

    def unlink(self):
        moves = self.move_id
        result = super().unlink()
        moves._factoring_sync_state()
        return result

    def action_reject(self, reason=None):
        """Records the factor's refusal of these documents."""
        # A repeated id (browse([id, id]) by RPC) gives the document back once.
        return self.browse(dict.fromkeys(self.ids))._reject(reason)

    def _reject(self, reason=None):
        self.batch_id._check_sender()
        for batch in self.batch_id:
            batch._reject_lines(
                self.filtered(lambda ln, b=batch: ln.batch_id == b and ln.live),
                reason or self.env._("Rejected by the factor"),
            )

    def _check_unpaid(self):
        """Refuses documents paid, even partly, since the file was generated:
        the factor took their full amount."""
        for line in self:
            move = line.move_id
            if move.state != "posted" or move.currency_id.compare_amounts(
                move.amount_residual, move.amount_total
            ):
                raise UserError(
                    self.env._(
                        "Document %s was paid (fully or partly) since the batch was generated: "
                        "the factor took its full amount. Reject it in the batch, then "
                        "acknowledge.",
                        move.name,
                    )
                )

    def _sync_invoices(self):
        """Hook: the documents' factoring state follows their lines: one
        statement for all of them, then the fields computed from it
        ``SYNC_CHUNK`` documents at a time, each chunk flushed and dropped
        from the cache (a batch of 10,000 documents keeps memory flat)."""
        if not self:
            return
        moves = self.env["account.move"].browse(
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT DISTINCT move_id FROM factoring_batch_line WHERE id = ANY(%s)",
                    self.ids,
                )
            )
        )
        moves._factoring_sync_state()
        if len(moves) > SYNC_CHUNK:
            for start in range(0, len(moves), SYNC_CHUNK):
                chunk = moves[start : start + SYNC_CHUNK]
                chunk.flush_recordset()
                chunk.invalidate_recordset()

    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.batch_id.name} / {line.move_id.name}"

    @api.model
    def _live_move_ids(self, move_ids):
        rows = self.env.execute_query(
            SQL(
                "SELECT move_id FROM factoring_batch_line WHERE live AND move_id = ANY(%s)",
                list(move_ids),
            )
        )
        return {row[0] for row in rows}
