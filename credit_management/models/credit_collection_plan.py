from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_round

from ..engine import collection


class CreditCollectionPlan(models.Model):
    """A payment plan: what the customer owes on some items, paid in dated
    installments. Dunning pauses on those items while the plan is kept; a
    missed installment breaks it and escalates the case."""

    _name = "credit.collection.plan"
    _description = "Payment Plan"
    _inherit = ["credit.collection.arrangement"]
    _order = "date_recorded desc, id desc"
    _item_relation = "credit_collection_plan_item_rel"

    item_ids = fields.Many2many(
        "account.move.line",
        "credit_collection_plan_item_rel",
        "plan_id",
        "move_line_id",
        string="Covered Items",
        check_company=True,
        domain="[('partner_id.commercial_partner_id', '=', partner_id),"
        " ('account_type', '=', 'asset_receivable'), ('parent_state', '=', 'posted'),"
        " ('reconciled', '=', False)]",
        help="Items the plan pays off; empty: the case's open items.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("active", "Running"),
            ("kept", "Completed"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
    )
    amount_covered = fields.Monetary(
        compute="_compute_amount_covered",
        string="Amount Covered",
        help="What the covered items owe (frozen when the plan starts); the installments must "
        "add up to it.",
    )
    amount_started = fields.Monetary(string="Amount at Start", readonly=True, copy=False)
    installment_ids = fields.One2many(
        "credit.collection.plan.installment", "plan_id", string="Installments", copy=True
    )
    amount_scheduled = fields.Monetary(compute="_compute_schedule", string="Scheduled")
    next_date = fields.Date(compute="_compute_schedule", string="Next Installment")
    paid_amount = fields.Monetary(compute="_compute_schedule", string="Paid So Far")
    date_decided = fields.Date(string="Ended On", readonly=True)
    # Schedule generator
    installment_number = fields.Integer(string="Number of Installments", default=3)
    first_date = fields.Date(string="First Installment", default=fields.Date.context_today)
    interval = fields.Selection(
        selection=[("week", "Weekly"), ("month", "Monthly")], default="month", required=True
    )

    def _compute_display_name(self):
        for plan in self:
            plan.display_name = self.env._(
                "Payment plan of %(customer)s (%(count)s installments)",
                customer=plan.partner_id.display_name or "",
                count=len(plan.installment_ids),
            )

    @api.depends("item_ids", "state", "amount_started")
    def _compute_amount_covered(self):
        # Frozen once the plan runs: payments then reduce what is left, not the plan.
        for plan in self:
            if plan.state == "draft":
                items = plan.item_ids.filtered(lambda line: line.amount_residual > 0)
                plan.amount_covered = sum(items.mapped("amount_residual"))
            else:
                plan.amount_covered = plan.amount_started

    @api.depends("installment_ids.amount", "installment_ids.date")
    def _compute_schedule(self):
        paid = self._paid_amounts() if self.ids else {}
        for plan in self:
            plan.amount_scheduled = sum(plan.installment_ids.mapped("amount"))
            plan.paid_amount = paid.get(plan.id, 0.0) if plan.state != "draft" else 0.0
            statuses = plan._installment_statuses()
            open_dates = [
                inst.date
                for inst, (_part, settled) in zip(plan.installment_ids, statuses, strict=True)
                if not settled
            ]
            plan.next_date = min(open_dates, default=False)

    @api.constrains("item_ids", "partner_id", "company_id")
    def _check_item_owner(self):
        self._check_items()

    def _installment_statuses(self):
        installments = [(i.date, i.amount) for i in self.installment_ids]
        return collection.installments_status(
            installments, self.paid_amount, self.currency_id.rounding
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._prepare_case(vals_list)
        plans = super().create(vals_list)
        for plan in plans.filtered(lambda p: not p.item_ids):
            plan.item_ids = plan.case_id.item_ids.filtered(lambda line: line.amount_residual > 0)
        return plans

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_generate_installments(self):
        """Replaces the installments by equal ones (the last one takes the
        rounding difference)."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Only a draft plan's installments can be generated."))
            if plan.installment_number < 1 or not plan.first_date:
                raise UserError(self.env._("Give a number of installments and a first date."))
            plan.installment_ids = [fields.Command.clear()] + [
                fields.Command.create(vals) for vals in plan._equal_installments()
            ]

    def _equal_installments(self):
        count = self.installment_number
        step = relativedelta(months=1) if self.interval == "month" else timedelta(weeks=1)
        share = float_round(
            self.amount_covered / count, precision_rounding=self.currency_id.rounding
        )
        values = []
        for index in range(count):
            amount = share if index < count - 1 else self.amount_covered - share * (count - 1)
            values.append(
                {"sequence": index + 1, "date": self.first_date + step * index, "amount": amount}
            )
        return values

    def action_confirm(self):
        for plan in self:
            plan._check_schedule()
            plan.write({"state": "active", "amount_started": plan.amount_covered})
            plan.case_id._move_to(
                "plan",
                self.env._(
                    "Payment plan of %(amount)s %(currency)s in %(count)s installments started.",
                    amount=plan.amount_covered,
                    currency=plan.currency_id.name,
                    count=len(plan.installment_ids),
                ),
            )

    def _check_schedule(self):
        if self.state != "draft":
            raise UserError(self.env._("Only a draft plan can be started."))
        if not self.item_ids or not self.installment_ids:
            raise ValidationError(self.env._("A payment plan needs items and installments."))
        self.invalidate_recordset(["amount_covered"])
        if float_compare(
            self.amount_scheduled,
            self.amount_covered,
            precision_rounding=self.currency_id.rounding,
        ):
            raise ValidationError(
                self.env._(
                    "The installments add up to %(scheduled)s but the plan covers %(covered)s "
                    "%(currency)s: they must be equal.",
                    scheduled=self.amount_scheduled,
                    covered=self.amount_covered,
                    currency=self.currency_id.name,
                )
            )
        if self.installment_ids.filtered(lambda i: i.amount <= 0):
            raise ValidationError(self.env._("Every installment needs a positive amount."))

    def action_cancel(self):
        if self.filtered(lambda p: p.state not in ("draft", "active")):
            raise UserError(self.env._("Only draft or running plans can be cancelled."))
        self.write({"state": "cancelled", "date_decided": fields.Date.context_today(self)})
        self.case_id._resume_stage()

    def _decide(self, today=None):
        """Completed when the payments received cover the plan (or nothing
        is left to pay); broken when an installment is unpaid past its date
        plus the company's grace days."""
        today = today or fields.Date.context_today(self)
        self.invalidate_recordset(["paid_amount"])
        for plan in self.filtered(lambda p: p.state == "active"):
            rounding = plan.currency_id.rounding
            settled = not plan.item_ids.filtered(lambda line: line.amount_residual > 0)
            if plan.paid_amount >= plan.amount_covered - rounding / 2 or settled:
                plan._end("kept", today)
                continue
            grace = timedelta(days=plan.company_id.credit_promise_grace_days)
            installments = [(i.date, i.amount) for i in plan.installment_ids]
            missed = collection.first_missed(
                installments, plan._installment_statuses(), today - grace
            )
            if missed is not None:
                plan._end("broken", today, plan.installment_ids[missed])

    def _end(self, state, today, missed=None):
        self.write({"state": state, "date_decided": today})
        case = self.case_id
        if state == "broken":
            case.escalated = True
            case._notify_collector(
                self.env._("Payment plan broken"),
                self.env._(
                    "%(customer)s missed the installment of %(amount)s %(currency)s due on "
                    "%(date)s: the plan is broken and the case escalated.",
                    customer=case.partner_id.display_name,
                    amount=missed.amount,
                    currency=self.currency_id.name,
                    date=missed.date,
                ),
            )
        else:
            case.message_post(body=self.env._("Payment plan completed."))
        if case.stage_type == "plan":
            case._resume_stage()


class CreditCollectionPlanInstallment(models.Model):
    _name = "credit.collection.plan.installment"
    _description = "Payment Plan Installment"
    _order = "plan_id, date, sequence, id"

    plan_id = fields.Many2one(
        "credit.collection.plan", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer(default=10)
    date = fields.Date(string="Due On", required=True)
    amount = fields.Monetary(required=True)
    paid_amount = fields.Monetary(compute="_compute_status", string="Paid")
    status = fields.Selection(
        selection=[("paid", "Paid"), ("due", "To Pay"), ("late", "Late")],
        compute="_compute_status",
    )

    def _compute_status(self):
        today = fields.Date.context_today(self)
        for plan in self.plan_id:
            installments = plan.installment_ids
            statuses = plan._installment_statuses()
            for installment, (paid, settled) in zip(installments, statuses, strict=True):
                if installment not in self:
                    continue
                installment.paid_amount = paid
                installment.status = (
                    "paid" if settled else ("late" if installment.date < today else "due")
                )
        for installment in self.filtered(lambda i: not i.plan_id):
            installment.paid_amount = 0.0
            installment.status = "due"
