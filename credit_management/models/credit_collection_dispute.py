from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..engine import privilege
from .credit_collection_stage import CLOSED_TYPES


class CreditCollectionDispute(models.Model):
    """A customer contests an invoice, whole or for an amount. Its items
    leave dunning and show apart in exposure until the dispute is resolved,
    by a linked credit note or by rejection."""

    _name = "credit.collection.dispute"
    _description = "Dispute"
    _inherit = ["credit.collection.arrangement", "mail.thread"]
    _order = "date_recorded desc, id desc"
    _item_relation = "credit_collection_dispute_item_rel"

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('commercial_partner_id', '=', partner_id)]",
    )
    move_currency_id = fields.Many2one(related="move_id.currency_id", string="Invoice Currency")
    reason_id = fields.Many2one(
        "credit.dispute.reason",
        string="Reason",
        required=True,
        tracking=True,
        domain="[('company_id', 'in', (False, company_id))]",
    )
    amount = fields.Monetary(
        string="Disputed Amount",
        currency_field="move_currency_id",
        tracking=True,
        help="In the invoice's currency; empty: what the invoice still owes.",
    )
    item_ids = fields.Many2many(
        "account.move.line",
        "credit_collection_dispute_item_rel",
        "dispute_id",
        "move_line_id",
        string="Disputed Items",
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("open", "Open"),
            ("credited", "Resolved by Credit Note"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    credit_note_id = fields.Many2one(
        "account.move",
        string="Credit Note",
        copy=False,
        check_company=True,
        tracking=True,
        domain="[('move_type', '=', 'out_refund'), ('commercial_partner_id', '=', partner_id)]",
    )
    resolution_note = fields.Text(string="Resolution")
    date_resolved = fields.Date(string="Resolved On", readonly=True, copy=False)
    resolved_by_id = fields.Many2one("res.users", string="Resolved By", readonly=True, copy=False)

    def _compute_display_name(self):
        for dispute in self:
            dispute.display_name = self.env._(
                "Dispute on %(invoice)s (%(reason)s)",
                invoice=dispute.move_id.name or "",
                reason=dispute.reason_id.name or "",
            )

    @api.constrains("move_id", "amount", "partner_id")
    def _check_amount(self):
        for dispute in self:
            invoice = dispute.move_id
            if invoice.commercial_partner_id != dispute.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Invoice %(invoice)s is not an invoice of %(customer)s.",
                        invoice=invoice.name,
                        customer=dispute.partner_id.display_name,
                    )
                )
            if (
                dispute.amount <= 0
                or float_compare(
                    dispute.amount,
                    invoice.amount_total,
                    precision_rounding=invoice.currency_id.rounding,
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "The disputed amount must be positive and at most the invoice's total "
                        "(%(total)s %(currency)s).",
                        total=invoice.amount_total,
                        currency=invoice.currency_id.name,
                    )
                )

    @api.constrains("credit_note_id", "partner_id", "move_id")
    def _check_credit_note_id(self):
        for dispute in self.filtered("credit_note_id"):
            note = dispute.credit_note_id
            if (
                note.move_type != "out_refund"
                or note.commercial_partner_id != dispute.partner_id.commercial_partner_id
                or note.reversed_entry_id != dispute.move_id
                or (note.credit_dispute_id and note.credit_dispute_id != dispute)
            ):
                raise ValidationError(
                    self.env._(
                        "%(note)s is not a credit note of %(customer)s reversing the disputed "
                        "invoice %(invoice)s.",
                        note=note.display_name,
                        customer=dispute.partner_id.display_name,
                        invoice=dispute.move_id.name,
                    )
                )

    @api.model
    def _prepare_case(self, vals_list):
        """A dispute joins its customer's open case; without one, it gets a
        case of its own."""
        Case = self.env["credit.collection.case"]
        for vals in vals_list:
            invoice = self.env["account.move"].browse(vals.get("move_id"))
            vals.setdefault("partner_id", invoice.commercial_partner_id.id)
            vals.setdefault("company_id", invoice.company_id.id or self.env.company.id)
            if not vals.get("amount"):
                vals["amount"] = invoice.amount_residual
            if vals.get("case_id"):
                continue
            case = Case.search(
                [
                    ("company_id", "=", vals["company_id"]),
                    ("partner_id", "=", vals["partner_id"]),
                    ("kind", "=", "partner"),
                    ("stage_type", "not in", CLOSED_TYPES),
                ],
                limit=1,
            )
            vals["case_id"] = (case or Case._new_dispute_case(invoice)).id

    @api.model_create_multi
    def create(self, vals_list):
        self._prepare_case(vals_list)
        disputes = super().create(vals_list)
        for dispute in disputes:
            if dispute.move_id.state != "posted" or dispute.move_id.move_type != "out_invoice":
                raise ValidationError(self.env._("Only posted customer invoices can be disputed."))
            dispute.item_ids = dispute.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            dispute.case_id.item_ids |= dispute.item_ids.filtered(
                lambda line: line.amount_residual > 0
            )
            dispute.case_id._move_to(
                "disputed",
                self.env._(
                    "%(invoice)s disputed: %(reason)s.",
                    invoice=dispute.move_id.name,
                    reason=dispute.reason_id.name,
                ),
            )
            dispute.move_id.message_post(
                body=self.env._(
                    "Disputed (%s): out of dunning until resolved.", dispute.reason_id.name
                )
            )
        return disputes

    # ------------------------------------------------------------------
    # Resolution
    # ------------------------------------------------------------------

    def _check_open(self):
        if self.filtered(lambda d: d.state != "open"):
            raise UserError(self.env._("This dispute is already resolved."))

    def action_create_credit_note(self):
        """Drafts a credit note for the disputed amount (the invoice's lines
        scaled down when only part is disputed) and opens it; posting it
        resolves the dispute."""
        self.ensure_one()
        self._check_open()
        if self.credit_note_id:
            return self._open_credit_note()
        invoice = self.move_id
        with privilege.granted(privilege.DISPUTE_CREDIT_NOTE):
            credit_note = invoice._reverse_moves(
                [
                    {
                        "ref": self.env._("Dispute settlement: %s", self.reason_id.name),
                        "invoice_date": fields.Date.context_today(self),
                        "credit_dispute_id": self.id,
                    }
                ]
            )
        ratio = self.amount / invoice.amount_total if invoice.amount_total else 1.0
        if float_compare(ratio, 1.0, precision_digits=6) < 0:
            for line in credit_note.invoice_line_ids:
                line.price_unit = line.price_unit * ratio
        self.credit_note_id = credit_note
        return self._open_credit_note()

    def _open_credit_note(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.credit_note_id.id,
            "view_mode": "form",
        }

    def action_resolve(self):
        """Resolves with the linked credit note, which must be posted."""
        self._check_open()
        for dispute in self:
            if dispute.credit_note_id.state != "posted":
                raise UserError(
                    self.env._("Post the credit note of %s first.", dispute.display_name)
                )
        self._resolve_credited()

    def _resolve_credited(self):
        for dispute in self.filtered(lambda d: d.state == "open"):
            refund_lines = dispute.credit_note_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable" and not line.reconciled
            )
            open_items = dispute.item_ids.filtered(lambda line: not line.reconciled)
            if refund_lines and open_items:
                (refund_lines | open_items).reconcile()
            dispute._close(
                "credited",
                self.env._("Resolved by credit note %s.", dispute.credit_note_id.name),
            )

    def action_reject(self):
        """The claim is unfounded: the invoice is due again and dunned."""
        self._check_open()
        for dispute in self:
            if not dispute.resolution_note:
                raise UserError(
                    self.env._("Write in Resolution why %s is rejected.", dispute.display_name)
                )
            dispute._close("rejected", self.env._("Dispute rejected: %s", dispute.resolution_note))

    def action_cancel(self):
        self._check_open()
        for dispute in self:
            dispute._close("cancelled", self.env._("Dispute withdrawn."))

    def _close(self, state, message):
        self.write(
            {
                "state": state,
                "date_resolved": fields.Date.context_today(self),
                "resolved_by_id": self.env.uid,
            }
        )
        self.message_post(body=message)
        self.case_id.message_post(body=message)
        self.case_id._close_if_settled()
        self.case_id.filtered(lambda c: c.stage_type == "disputed")._resume_stage()
