import base64

from odoo import api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import AccessError, UserError

from ..engine import statement as engine
from .factoring_batch import without_defaults
from .factoring_contract import SENDERS

# Granted by the statement import and actions only (a context variable).
STATEMENT_ACTION = "factoring_statement_action"
STATES = [("draft", "Draft"), ("matched", "Matched"), ("done", "Reconciled")]
KINDS = [
    ("payment", "Debtor Payment"),
    ("fee", "Fee or Interest"),
    ("advance", "Advance Paid"),
    ("reserve", "Reserve Released"),
    ("recourse", "Recourse (Charge-back)"),
    ("other", "Other"),
]
MATCH_STATES = [
    ("matched", "Matched"),
    ("amount_differs", "Amount Differs"),
    ("unknown", "Unknown Document"),
    ("not_funded", "Not Funded"),
    ("settled", "Already Settled"),
    ("other_contract", "Other Contract"),
    ("other", "Other Difference"),
    ("info", "Nothing to Match"),
]
# Match states that are not differences.
NO_DIFFERENCE = ("matched", "info")
# Fields only the import and the actions write.
ACTION_FIELDS = {
    "state",
    "line_ids",
    "contract_id",
    "file",
    "filename",
    "checksum",
    "date_reconciled",
    "reconciled_by_id",
}


class FactoringStatement(models.Model):
    """A statement of the factor's account with us, imported from its file,
    matched to the batches and reconciled in one step."""

    _name = "factoring.statement"
    _description = "Factor Statement"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _rec_name = "reference"
    _check_company_auto = True

    reference = fields.Char(required=True, tracking=True)
    contract_id = fields.Many2one(
        "factoring.contract",
        string="Contract",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="contract_id.currency_id", store=True, precompute=True)
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="Date of the statement: the accounting date of what its reconciliation books.",
    )
    period_start = fields.Date(string="From")
    period_end = fields.Date(string="Until")
    state = fields.Selection(
        selection=STATES, required=True, default="draft", readonly=True, tracking=True, index=True
    )
    file = fields.Binary(readonly=True, attachment=True, copy=False)
    filename = fields.Char(readonly=True, copy=False)
    checksum = fields.Char(
        readonly=True, copy=False, help="SHA-256 of the file: the same file is imported once."
    )
    line_ids = fields.One2many(
        "factoring.statement.line", "statement_id", string="Lines", readonly=True
    )
    accept_differences = fields.Boolean(
        help="Reconcile the matched lines and leave the differences listed on the statement, "
        "to settle with the factor by hand.",
    )
    date_reconciled = fields.Datetime(readonly=True, copy=False)
    reconciled_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    note = fields.Text()

    # Totals
    line_count = fields.Integer(compute="_compute_totals")
    matched_count = fields.Integer(compute="_compute_totals")
    difference_count = fields.Integer(string="Differences", compute="_compute_totals")
    total_payment = fields.Monetary(string="Debtor Payments", compute="_compute_totals")
    total_fee = fields.Monetary(string="Fees and Interest", compute="_compute_totals")
    total_advance = fields.Monetary(string="Advances Paid", compute="_compute_totals")
    total_reserve = fields.Monetary(string="Reserve Released", compute="_compute_totals")
    total_recourse = fields.Monetary(string="Recourse", compute="_compute_totals")
    total_other = fields.Monetary(string="Other", compute="_compute_totals")
    total_difference = fields.Monetary(string="Total Difference", compute="_compute_totals")

    _checksum_uniq = models.UniqueIndex(
        "(company_id, checksum) WHERE checksum IS NOT NULL",
        "This file has already been imported as a factor statement.",
    )

    @api.depends("line_ids.amount", "line_ids.kind", "line_ids.match_state")
    def _compute_totals(self):
        groups = self.env["factoring.statement.line"]._read_group(
            [("statement_id", "in", self.ids)],
            ["statement_id", "kind", "match_state"],
            ["__count", "amount:sum", "difference:sum"],
        )
        totals = {}
        for statement, kind, match_state, count, amount, difference in groups:
            values = totals.setdefault(statement.id, {"count": 0, "matched": 0, "differences": 0})
            values["count"] += count
            values[kind] = values.get(kind, 0.0) + amount
            values["difference"] = values.get("difference", 0.0) + difference
            if match_state == "matched":
                values["matched"] += count
            elif match_state not in NO_DIFFERENCE:
                values["differences"] += count
        for statement in self:
            values = totals.get(statement.id, {})
            statement.line_count = values.get("count", 0)
            statement.matched_count = values.get("matched", 0)
            statement.difference_count = values.get("differences", 0)
            statement.total_difference = values.get("difference", 0.0)
            for kind, _label in KINDS:
                statement[f"total_{kind}"] = values.get(kind, 0.0)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not privilege.has(STATEMENT_ACTION):
            raise AccessError(self.env._("Factor statements are created by importing their file."))
        return super(FactoringStatement, without_defaults(self, ACTION_FIELDS)).create(vals_list)

    def write(self, vals):
        if not privilege.has(STATEMENT_ACTION):
            if ACTION_FIELDS & vals.keys():
                raise AccessError(
                    self.env._("The state of a factor statement is set by its actions.")
                )
            if vals.keys() - {"note", "message_main_attachment_id"} and any(
                s.state == "done" for s in self
            ):
                raise UserError(self.env._("A reconciled factor statement no longer changes."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(statement.state == "done" for statement in self):
            raise UserError(self.env._("A reconciled factor statement cannot be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_reconciler(self):
        if not (self.env.su or any(self.env.user.has_group(group) for group in SENDERS)):
            raise AccessError(
                self.env._(
                    "Only accounting managers and credit control managers import and reconcile "
                    "factor statements."
                )
            )
        self.check_access("write")

    def _check_state(self, *states):
        for statement in self:
            if statement.state not in states:
                raise UserError(
                    self.env._(
                        "Statement %(statement)s is %(state)s: this needs a statement that is "
                        "%(expected)s.",
                        statement=statement.reference,
                        state=dict(STATES)[statement.state],
                        expected=", ".join(dict(STATES)[s] for s in states),
                    )
                )

    def action_match(self):
        """Matches the lines to the batches again (after a batch was funded
        or a document settled elsewhere)."""
        self._check_reconciler()
        self._check_state("draft", "matched")
        self._match()

    def _match(self):
        Line = self.env["factoring.statement.line"]
        self.env.flush_all()
        for statement in self:
            statement.env.execute_query(engine.match_query(statement))
        Line.invalidate_model(["batch_line_id", "expected_amount", "match_state", "difference"])
        # What the user accepted were the differences of the previous matching.
        with privilege.granted(STATEMENT_ACTION):
            self.write({"state": "matched", "accept_differences": False})

    def action_reconcile(self):
        """Books, in one step, the settlement of the matched debtor payments
        and the buy-back of the matched recourses; the differences stay on
        the statement. Refused while there are differences the user did not
        accept."""
        self._check_reconciler()
        self._check_state("matched")
        for statement in self:
            statement._reconcile()

    def _reconcile(self):
        self.ensure_one()
        if self.difference_count and not self.accept_differences:
            raise UserError(
                self.env._(
                    "Statement %(statement)s has %(count)s line(s) that do not match the batches "
                    "(filter Differences). Settle them with the factor, or tick Accept "
                    "Differences to reconcile the matched lines and leave them listed.",
                    statement=self.reference,
                    count=self.difference_count,
                )
            )
        matched = self.line_ids.filtered(lambda ln: ln.match_state == "matched")
        if not matched:
            raise UserError(
                self.env._("Statement %s has no matched line to reconcile.", self.reference)
            )
        payments = matched.filtered(lambda ln: ln.kind == "payment")
        recourses = matched.filtered(lambda ln: ln.kind == "recourse")
        # One step: a refusal of any booking leaves nothing booked.
        with self.env.cr.savepoint():
            # The discount fee runs until the day the debtor paid: one call per day.
            for paid_date in sorted(set(payments.mapped("date"))):
                lines = payments.filtered(lambda ln, d=paid_date: ln.date == d).batch_line_id
                lines._factoring_settle(self.date, paid_date=paid_date)
            if recourses:
                recourses.batch_line_id._factoring_buy_back(self.date)
        with privilege.granted(STATEMENT_ACTION):
            matched.filtered(lambda ln: ln.kind in engine.DOCUMENT_KINDS).write(
                {"reconciled": True}
            )
            self.write(
                {
                    "state": "done",
                    "date_reconciled": fields.Datetime.now(),
                    "reconciled_by_id": self.env.uid,
                }
            )
        self.message_post(
            body=self.env._(
                "Reconciled: %(payments)s payment(s) settled, %(recourses)s document(s) bought "
                "back, %(differences)s difference(s) left.",
                payments=len(payments),
                recourses=len(recourses),
                differences=self.difference_count,
            )
        )

    @api.model
    def _demo_statement(self, batch_ids):
        """Imports, once, a statement of the demo batch as the factor would
        send it: the first document paid, the next paid 100 short, a fee."""
        batch = self.env["factoring.batch"].browse(batch_ids).exists()
        reference = "DEMO-STATEMENT-1"
        if batch.state != "funded" or self.search_count([("reference", "=", reference)]):
            return
        today = fields.Date.context_today(self)
        rows = ["date;kind;document;debtor;amount;label"]
        for index, line in enumerate(batch.line_ids.filtered("live")[:2]):
            amount = line.amount - (100 if index else 0)
            debtor = line.partner_id.name.replace(";", " ")
            rows.append(f"{today};payment;{line.move_id.name};{debtor};{amount:.2f};")
        rows.append(f"{today};fee;;;-15.00;Statement fee")
        self.env["factoring.statement.import"].create(
            {
                "contract_id": batch.contract_id.id,
                "file": base64.b64encode("\r\n".join(rows).encode()),
                "filename": "demo_statement.csv",
                "reference": reference,
                "decimal_separator": ".",
            }
        ).action_import()

    def action_open_differences(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "factoring_connector.factoring_statement_line_action"
        )
        action["domain"] = [("statement_id", "=", self.id)]
        action["context"] = {"search_default_differences": 1}
        return action


class FactoringStatementLine(models.Model):
    """One movement of a factor statement and the batch line it matches."""

    _name = "factoring.statement.line"
    _description = "Factor Statement Line"
    _order = "statement_id, sequence, id"
    _check_company_auto = True

    statement_id = fields.Many2one(
        "factoring.statement", required=True, ondelete="cascade", index=True, readonly=True
    )
    sequence = fields.Integer(string="Row", readonly=True, help="Row of the file.")
    company_id = fields.Many2one(
        related="statement_id.company_id", store=True, index=True, precompute=True
    )
    contract_id = fields.Many2one(related="statement_id.contract_id", store=True, precompute=True)
    currency_id = fields.Many2one(related="statement_id.currency_id")
    statement_state = fields.Selection(related="statement_id.state", string="Statement Status")
    date = fields.Date(required=True, readonly=True)
    kind = fields.Selection(selection=KINDS, required=True, readonly=True)
    document_number = fields.Char(readonly=True)
    factor_ref = fields.Char(string="Factor's Reference", readonly=True)
    debtor_name = fields.Char(string="Debtor (File)", readonly=True)
    label = fields.Char(readonly=True)
    amount = fields.Monetary(readonly=True)

    # Matching
    batch_line_id = fields.Many2one(
        "factoring.batch.line", string="Batch Document", readonly=True, check_company=True
    )
    move_id = fields.Many2one(related="batch_line_id.move_id", string="Document")
    partner_id = fields.Many2one(related="batch_line_id.partner_id", string="Debtor")
    batch_id = fields.Many2one(related="batch_line_id.batch_id", string="Batch")
    expected_amount = fields.Monetary(string="Our Amount", readonly=True)
    match_state = fields.Selection(
        selection=MATCH_STATES, string="Match", readonly=True, index=True
    )
    difference = fields.Monetary(readonly=True)
    match_note = fields.Char(string="Why", compute="_compute_match_note")
    reconciled = fields.Boolean(readonly=True, help="Booked by the statement's reconciliation.")

    @api.depends("match_state", "batch_line_id")
    def _compute_match_note(self):
        for line in self:
            line.match_note = line._match_note()

    def _match_note(self):
        env = self.env
        batch_line = self.batch_line_id
        batch = batch_line.batch_id
        if (
            self.match_state == "other"
            and self.kind == "recourse"
            and self.contract_id.recourse != "with"
        ):
            return env._("The contract is without recourse: the factor charges nothing back.")
        if self.match_state == "other" and batch_line:
            return env._(
                "The document is in batch %(batch)s, not in a batch of the factor's reference "
                "%(ref)s, or on an earlier line of the statement.",
                batch=batch.name,
                ref=self.factor_ref or "-",
            )
        notes = {
            "other": env._("The document is on an earlier line of the statement."),
            "unknown": env._("No factoring batch of the company holds this document."),
            "other_contract": env._(
                "The document is in batch %(batch)s of contract %(contract)s.",
                batch=batch.name,
                contract=batch.contract_id.name,
            ),
            "not_funded": env._(
                "Batch %(batch)s is %(state)s; the document is %(line_state)s in it.",
                batch=batch.name,
                state=dict(batch._fields["state"]._description_selection(env)).get(batch.state),
                line_state=dict(batch_line._fields["state"]._description_selection(env)).get(
                    batch_line.state, ""
                ),
            ),
            "settled": env._("The document is already settled or bought back."),
            "amount_differs": env._(
                "The factor reports %(amount)s, the batch holds %(expected)s.",
                amount=self.amount,
                expected=self.expected_amount,
            ),
        }
        return notes.get(self.match_state, "")

    @api.model_create_multi
    def create(self, vals_list):
        if not privilege.has(STATEMENT_ACTION):
            raise AccessError(self.env._("Factor statement lines come from the factor's file."))
        return super(FactoringStatementLine, without_defaults(self)).create(vals_list)

    def write(self, vals):
        if not privilege.has(STATEMENT_ACTION):
            raise AccessError(self.env._("Factor statement lines change by matching only."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(line.statement_id.state == "done" for line in self):
            raise UserError(
                self.env._("The lines of a reconciled factor statement are its audit trail.")
            )
