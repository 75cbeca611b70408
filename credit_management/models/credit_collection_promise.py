from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CreditCollectionPromise(models.Model):
    """A customer's promise to pay an amount by a date. Kept or broken is
    decided every night from the payments reconciled with the promised items;
    while it is open, those items leave dunning."""

    _name = "credit.collection.promise"
    _description = "Promise to Pay"
    _inherit = ["credit.collection.arrangement"]
    _order = "date desc, id desc"
    _item_relation = "credit_collection_promise_item_rel"

    date = fields.Date(string="Promised For", required=True)
    amount = fields.Monetary(required=True)
    item_ids = fields.Many2many(
        "account.move.line",
        "credit_collection_promise_item_rel",
        "promise_id",
        "move_line_id",
        string="Promised Items",
        check_company=True,
        domain="[('partner_id.commercial_partner_id', '=', partner_id),"
        " ('account_type', '=', 'asset_receivable'), ('parent_state', '=', 'posted'),"
        " ('reconciled', '=', False)]",
        help="Items that leave dunning while the promise is open; empty: the case's open items.",
    )
    state = fields.Selection(
        selection=[
            ("open", "Open"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    date_decided = fields.Date(string="Decided On", readonly=True)
    paid_amount = fields.Monetary(compute="_compute_paid_amount", string="Paid So Far")

    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "Promise of %(amount)s %(currency)s for %(date)s",
                amount=promise.amount,
                currency=promise.currency_id.name or "",
                date=promise.date or "",
            )

    def _compute_paid_amount(self):
        paid = self._paid_amounts() if self.ids else {}
        for promise in self:
            promise.paid_amount = paid.get(promise.id, 0.0)

    @api.constrains("item_ids", "partner_id", "company_id")
    def _check_item_owner(self):
        self._check_items()

    @api.constrains("amount")
    def _check_amount(self):
        if self.filtered(lambda p: p.amount <= 0):
            raise ValidationError(self.env._("A promise to pay needs a positive amount."))

    @api.constrains("date", "date_recorded")
    def _check_date(self):
        for promise in self.filtered(lambda p: p.date and p.date < p.date_recorded):
            raise ValidationError(
                self.env._(
                    "A promise recorded on %(recorded)s cannot be for %(date)s, a day before.",
                    recorded=promise.date_recorded,
                    date=promise.date,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._prepare_case(vals_list)
        promises = super().create(vals_list)
        for promise in promises:
            if not promise.item_ids:
                promise.item_ids = promise.case_id.item_ids.filtered(
                    lambda line: line.amount_residual > 0
                )
            promise.case_id._move_to(
                "promised",
                self.env._(
                    "Promise to pay %(amount)s %(currency)s by %(date)s recorded.",
                    amount=promise.amount,
                    currency=promise.currency_id.name,
                    date=promise.date,
                ),
            )
            promise.case_id.last_contact_date = promise.date_recorded
        return promises

    @api.model
    def _form_action(self, context):
        """The dialog recording a new promise, with these defaults."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Promise to Pay"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def action_cancel(self):
        if self.filtered(lambda p: p.state != "open"):
            raise UserError(self.env._("Only open promises can be cancelled."))
        self.write({"state": "cancelled", "date_decided": fields.Date.context_today(self)})
        self.case_id._resume_stage()

    def _decide(self, today=None):
        """Kept when the payments received on the promised items reach the
        amount (or nothing is left to pay); broken when the promised date,
        plus the company's grace days, has passed without that."""
        today = today or fields.Date.context_today(self)
        self.invalidate_recordset(["paid_amount"])
        paid = self._paid_amounts()
        for promise in self.filtered(lambda p: p.state == "open"):
            rounding = promise.currency_id.rounding
            settled = not promise.item_ids.filtered(lambda line: line.amount_residual > 0)
            if paid.get(promise.id, 0.0) >= promise.amount - rounding / 2 or settled:
                promise._end("kept", today)
            elif today > promise.date + timedelta(
                days=promise.company_id.credit_promise_grace_days
            ):
                promise._end("broken", today)

    def _end(self, state, today):
        self.write({"state": state, "date_decided": today})
        case = self.case_id
        if state == "broken":
            case.broken_promise_count += 1
            case._notify_collector(
                self.env._("Broken promise"),
                self.env._(
                    "%(customer)s did not keep the promise to pay %(amount)s %(currency)s by "
                    "%(date)s (received %(paid)s).",
                    customer=case.partner_id.display_name,
                    amount=self.amount,
                    currency=self.currency_id.name,
                    date=self.date,
                    paid=self.paid_amount,
                ),
            )
        else:
            case.message_post(body=self.env._("Promise of %s kept.", self.date))
        if case.stage_type == "promised":
            case._resume_stage()
