from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import check, privilege

# Links only the dispute and write-off flows set (engine.privilege).
CREDIT_LINKS = {
    "credit_dispute_id": privilege.DISPUTE_CREDIT_NOTE,
    "credit_writeoff_case_id": privilege.WRITEOFF_ENTRY,
}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "credit.checked.mixin"]
    _credit_override_field = "move_id"

    credit_override_ids = fields.One2many(
        "credit.override", "move_id", string="Credit Overrides", readonly=True
    )
    # Highest dunning level of the invoice's items
    credit_dunning_level_id = fields.Many2one(
        "credit.dunning.level", string="Dunning Level", compute="_compute_credit_dunning"
    )
    credit_dunning_date = fields.Date(string="Last Reminder", compute="_compute_credit_dunning")
    credit_dunning_line_ids = fields.One2many(
        "credit.dunning.line", "move_id", string="Dunning History", readonly=True
    )
    # Collections
    credit_dispute_ids = fields.One2many(
        "credit.collection.dispute", "move_id", string="Disputes", readonly=True
    )
    credit_disputed = fields.Boolean(string="Disputed", compute="_compute_credit_disputed")
    credit_dispute_id = fields.Many2one(
        "credit.collection.dispute",
        string="Settles Dispute",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The dispute this credit note settles: posting it resolves the dispute.",
    )
    credit_writeoff_case_id = fields.Many2one(
        "credit.collection.case",
        string="Written Off For",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )

    # Draft invoices of a partner, for exposure (few rows, read on every check).
    _credit_draft_invoice_idx = models.Index(
        "(partner_id, company_id) WHERE state = 'draft' AND move_type = 'out_invoice'"
    )

    # ------------------------------------------------------------------
    # credit.checked.mixin
    # ------------------------------------------------------------------

    def _credit_checked_records(self, soft=False):
        """Customer invoices about to be posted; refunds and entries never
        extend credit. ``soft`` leaves out what ``_post(soft=True)``
        postpones (future dates)."""
        today = fields.Date.context_today(self)
        return self.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "draft"
                and m.company_id.credit_check_mode != "none"
                and not (soft and m.date and m.date > today)
            )
        )

    def _credit_commercial_partner(self):
        return self.commercial_partner_id

    def _credit_document_amount(self):
        company = self.company_id
        return self.currency_id._convert(
            self.amount_total, company.currency_id, company, fields.Date.context_today(self)
        )

    def _credit_counted_amount(self):
        # A draft invoice is already in exposure where the company counts drafts.
        return self._credit_document_amount() if self.company_id.credit_include_draft else 0.0

    def _credit_validate(self):
        return self.action_post()

    # ------------------------------------------------------------------
    # Links to disputes and write-offs
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._credit_check_links(
            {name for vals in vals_list for name in vals if vals[name]}
            | {name for name in CREDIT_LINKS if self.env.context.get(f"default_{name}")}
        )
        moves = super().create(vals_list)
        # After create too: a user's own default (ir.default) counts as well.
        self._credit_check_links({name for name in CREDIT_LINKS if any(moves.mapped(name))})
        return moves

    def write(self, vals):
        self._credit_check_links(set(vals))
        return super().write(vals)

    @api.model
    def _credit_check_links(self, names):
        for name in names & CREDIT_LINKS.keys():
            if not privilege.has(CREDIT_LINKS[name]):
                raise AccessError(
                    self.env._(
                        "%s is set only by the dispute and write-off actions of credit control.",
                        self._fields[name]._description_string(self.env),
                    )
                )

    @api.constrains("credit_dispute_id", "partner_id", "move_type", "reversed_entry_id")
    def _check_credit_dispute_id(self):
        for move in self.filtered("credit_dispute_id"):
            dispute = move.credit_dispute_id.sudo()
            if (
                move.move_type != "out_refund"
                or move.company_id != dispute.company_id
                or move.commercial_partner_id != dispute.partner_id.commercial_partner_id
                or move.reversed_entry_id != dispute.move_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(move)s can only settle a dispute as a credit note of the disputed "
                        "invoice %(invoice)s, for %(customer)s.",
                        move=move.display_name,
                        invoice=dispute.move_id.name,
                        customer=dispute.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------

    def _post(self, soft=True):
        used, warnings = self._credit_enforce(soft=soft)
        posted = super()._post(soft=soft)
        self._credit_after_validation(used, warnings, posted)
        posted._credit_resolve_disputes()
        return posted

    def _credit_resolve_disputes(self):
        """Posting a dispute's credit note resolves the dispute. The link was
        set by the dispute's own action and checked against the refund
        (never by the poster), and the poster may not work disputes: the
        dispute that names this refund as its credit note is resolved as
        superuser."""
        for move in self.filtered("credit_dispute_id"):
            dispute = move.credit_dispute_id.sudo()
            if dispute.credit_note_id == move and dispute.company_id == move.company_id:
                dispute._resolve_credited()

    def action_post(self):
        return self._credit_override_action() or super().action_post()

    def _credit_post_demo(self):
        """Posts demo invoices whatever the credit check says (the demo's
        exposure depends on which other demo data is installed): only while
        module data is loaded."""
        if not privilege.loading_data(self.env):
            raise AccessError(self.env._("Only module data is posted without the credit check."))
        with check.skipped():
            return self._post(soft=False)

    def _get_alerts(self):
        alerts = super()._get_alerts()
        if self.move_type == "out_invoice" and self.state == "draft" and self.partner_id:
            alert = self._credit_alert()
            if alert:
                alerts["credit_management_check"] = alert
            term_alert = self._credit_payment_term_alert()
            if term_alert:
                alerts["credit_management_payment_term"] = term_alert
        return alerts

    def _credit_payment_term_alert(self):
        """Warns when the invoice gives longer payment terms than the
        partner's risk class allows."""
        self.ensure_one()
        # Shown to whoever edits the invoice: the class is read for them.
        partner = self.commercial_partner_id.sudo().with_company(self.company_id)
        max_days = partner.credit_risk_class_id.max_payment_days
        start = self.invoice_date or fields.Date.context_today(self)
        if not max_days or not self.invoice_date_due:
            return None
        granted = (self.invoice_date_due - start).days
        if granted <= max_days:
            return None
        return {
            "level": "warning",
            "message": self.env._(
                "This invoice gives %(granted)s days to pay; risk class %(class)s allows "
                "%(max)s days at most.",
                granted=granted,
                max=max_days,
                **{"class": partner.credit_risk_class_id.display_name},
            ),
        }

    def _compute_credit_dunning(self):
        best = {}
        for state in self.env["credit.dunning.item"].sudo().search([("move_id", "in", self.ids)]):
            current = best.get(state.move_id)
            if not current or (state.level_id.sequence, state.date) > (
                current.level_id.sequence,
                current.date,
            ):
                best[state.move_id] = state
        for move in self:
            state = best.get(move)
            move.credit_dunning_level_id = state.level_id if state else False
            move.credit_dunning_date = state.date if state else False

    @api.depends("credit_dispute_ids.state")
    def _compute_credit_disputed(self):
        open_disputes = (
            self.env["credit.collection.dispute"]
            .sudo()
            ._read_group([("move_id", "in", self.ids), ("state", "=", "open")], ["move_id"])
        )
        disputed = {move for (move,) in open_disputes}
        for move in self:
            move.credit_disputed = move in disputed

    # ------------------------------------------------------------------
    # Collections
    # ------------------------------------------------------------------

    def action_credit_open_case(self):
        """The customer's open collection case, with this invoice's items."""
        self.ensure_one()
        case = self.env["credit.collection.case"]._for_partner(
            self.commercial_partner_id, self.company_id
        )
        case.item_ids |= self.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and line.amount_residual > 0
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": case._name,
            "res_id": case.id,
            "view_mode": "form",
        }

    def action_credit_dispute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dispute"),
            "res_model": "credit.collection.dispute",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_move_id": self.id,
                "default_partner_id": self.commercial_partner_id.id,
                "default_company_id": self.company_id.id,
                "default_amount": self.amount_residual,
            },
        }

    def action_credit_reverse_writeoff(self):
        """Reverses a write-off of a collection case (its entry or bad-debt
        credit note): its items are due again, the output tax it reversed is
        due again, and the case reopens."""
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise AccessError(self.env._("Only a Credit Control Manager may reverse write-offs."))
        today = fields.Date.context_today(self)
        for move in self:
            case = move.credit_writeoff_case_id
            if not case or move.state != "posted" or move.reversal_move_ids:
                raise UserError(
                    self.env._("%s is not a write-off that can be reversed.", move.name)
                )
            values = {"ref": self.env._("Reversal of %s", move.name), "date": today}
            if move.is_invoice():
                values["invoice_date"] = today
            # Reversing a bad-debt credit note re-issues a debt the check
            # already let through: no new credit is extended.
            with check.skipped():
                move._reverse_moves([values], cancel=True)
            case.message_post(body=self.env._("Write-off %s reversed.", move.name))
            if case.stage_type in ("closed", "written_off"):
                case.action_reopen()
        return True
