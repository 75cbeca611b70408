import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine import overdue

_logger = logging.getLogger(__name__)

USER_GROUP = "credit_management.group_credit_control_user"
STATES = [
    ("to_notify", "To Notify"),
    ("notified", "Notified"),
    ("extended", "Extended"),
    ("rescheduled", "Rescheduled"),
    ("settled", "Settled"),
    ("late", "Late"),
]


class CreditInsuranceOverdue(models.Model):
    """One overdue insured item under one policy: the credit controller's
    worklist of notifications to the insurer. Rows and their figures are
    written by :meth:`_refresh` (SQL, see ``engine/overdue.py``): users read
    them and send notices."""

    _name = "credit.insurance.overdue"
    _description = "Overdue Insured Item"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "deadline, id"
    _check_company_auto = True
    # Credit control reads the worklist and may note and close its alerts.
    _mail_post_access = "read"

    policy_id = fields.Many2one(
        "credit.insurance.policy",
        string="Policy",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    backend_id = fields.Many2one("credit.insurance.backend", string="Insurer", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    buyer_id = fields.Many2one("credit.insurance.buyer", string="Buyer", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Journal Item",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Item Currency", readonly=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    date_maturity = fields.Date(string="Due Date", readonly=True)
    date_due = fields.Date(
        string="Insured Due Date",
        readonly=True,
        help="The due date, or the new one of an extension the insurer accepted.",
    )
    date_mep = fields.Date(
        string="End of MEP",
        readonly=True,
        help="Original due date + maximum extension period (an extension moves the insured due "
        "date within it, not the MEP).",
    )
    deadline = fields.Date(string="Notification Deadline", readonly=True, index=True)
    amount_residual = fields.Monetary(
        string="Amount Due", currency_field="company_currency_id", readonly=True
    )
    amount_residual_currency = fields.Monetary(
        string="Amount Due in Currency", currency_field="currency_id", readonly=True
    )
    state = fields.Selection(
        selection=STATES, required=True, default="to_notify", readonly=True, index=True
    )
    days_overdue = fields.Integer(compute="_compute_days")
    days_left = fields.Integer(string="Days Left", compute="_compute_days")
    alert_date = fields.Date(string="Alerted On", readonly=True, copy=False)
    late_date = fields.Date(string="Found Late On", readonly=True, copy=False)
    mep_action_date = fields.Date(string="MEP Action On", readonly=True, copy=False)
    notice_ids = fields.One2many("credit.insurance.overdue.notice", "overdue_id", string="Notices")
    notice_count = fields.Integer(compute="_compute_notice_count")

    _item_uniq = models.Constraint(
        "UNIQUE(policy_id, move_line_id)", "An item is listed once per policy."
    )

    @api.depends("date_maturity", "deadline")
    def _compute_days(self):
        today = fields.Date.context_today(self)
        for row in self:
            row.days_overdue = (today - row.date_maturity).days if row.date_maturity else 0
            row.days_left = (row.deadline - today).days if row.deadline else 0

    def _compute_notice_count(self):
        counts = dict(
            self.env["credit.insurance.overdue.notice"]._read_group(
                [("overdue_id", "in", self.ids)], ["overdue_id"], ["__count"]
            )
        )
        for row in self:
            row.notice_count = counts.get(row, 0)

    @api.depends("move_id", "partner_id")
    def _compute_display_name(self):
        for row in self:
            row.display_name = f"{row.move_id.name or '-'} ({row.partner_id.display_name or '-'})"

    # ------------------------------------------------------------------
    # CRUD: the rows are the refresh's
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("The overdue worklist is computed, not entered."))
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Refresh
    # ------------------------------------------------------------------

    @api.model
    def _refresh(self, companies=None, rows=None):
        """Lists the overdue insured items of ``companies`` (default: the
        user's) and recomputes amounts, deadlines and states, in SQL;
        ``rows`` alone recomputes those rows. Returns the rows changed."""
        companies = companies if companies is not None else self.env.companies
        today = fields.Date.context_today(self)
        self._flush_for_sql()
        if rows is None:
            field = self.env["credit.insurance.policy"]._fields["country_ids"]
            self.env.cr.execute(
                overdue.insert_query(
                    companies.ids,
                    today,
                    self.env.uid,
                    (field.relation, field.column1, field.column2),
                )
            )
        changed = self.env.execute_query(
            overdue.update_query(
                companies.ids, today, self.env.uid, rows.ids if rows is not None else None
            )
        )
        self.invalidate_model()
        return self.browse(row_id for (row_id,) in changed)

    @api.model
    def _flush_for_sql(self):
        for model in (
            "account.move.line",
            "account.move",
            "res.partner",
            "credit.insurance.policy",
            "credit.insurance.buyer",
            "credit.insurance.cover",
            "credit.insurance.cover.event",
            "credit.insurance.overdue",
            "credit.insurance.overdue.notice",
        ):
            self.env[model].flush_model()

    @api.model
    def action_open_worklist(self):
        """The worklist, brought up to date for the user's companies."""
        self._check_reader()
        # The rows are computed by the code, for the companies the user works in.
        self.sudo()._refresh(self.env.companies)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_insurance.credit_insurance_overdue_action"
        )
        return action

    @api.model
    def _check_reader(self):
        if not (self.env.su or self.env.user.has_group(USER_GROUP)):
            raise AccessError(self.env._("Only credit control works on overdue notifications."))

    # ------------------------------------------------------------------
    # Daily alerts
    # ------------------------------------------------------------------

    @api.model
    def _cron_overdue(self, commit=None):
        """Daily, per company: the worklist refreshed, an activity for each
        item within its policy's alert days of the deadline (once), the
        items found late (once: the cover is at risk) and the policy's
        action once the MEP of an item has run out."""
        companies = self.env["res.company"].sudo().browse(sorted(self._policy_company_ids()))
        for company in companies:
            Overdue = self.sudo().with_company(company)
            Overdue._refresh(company)
            Overdue._alert_due(company)
            Overdue._alert_late(company)
            Overdue._apply_mep(company)
            if commit:
                commit(1)

    @api.model
    def _policy_company_ids(self):
        """Companies with an active policy."""
        rows = self.env["credit.insurance.policy"].sudo()._read_group([], ["company_id"])
        return {company.id for (company,) in rows}

    def _responsible(self):
        self.ensure_one()
        policy = self.policy_id
        return policy.overdue_user_id or policy.backend_id.user_id or self.env.user

    def _alert_due(self, company):
        today = fields.Date.context_today(self)
        ids = [
            row_id
            for (row_id,) in self.env.execute_query(overdue.due_alerts_query(company.ids, today))
        ]
        for row in self.browse(ids):
            row.activity_schedule(
                "credit_insurance.mail_activity_type_insurance_overdue",
                date_deadline=row.deadline,
                summary=self.env._("Notify the insurer before %s", row.deadline),
                note=row._describe(),
                user_id=row._responsible().id,
            )
        self.browse(ids).write({"alert_date": today})
        return self.browse(ids)

    def _alert_late(self, company):
        today = fields.Date.context_today(self)
        late = self.search(
            [("company_id", "=", company.id), ("state", "=", "late"), ("late_date", "=", False)]
        )
        for row in late:
            row.activity_schedule(
                "credit_insurance.mail_activity_type_insurance_overdue_late",
                summary=self.env._("Notification deadline passed: cover at risk"),
                note=row._describe(),
                user_id=row._responsible().id,
            )
        late.write({"late_date": today})
        return late

    def _apply_mep(self, company):
        """Deliveries stop once the MEP has run out on an overdue item:
        per policy, a warning on the customer or a credit hold."""
        today = fields.Date.context_today(self)
        ids = [
            row_id
            for (row_id,) in self.env.execute_query(overdue.mep_passed_query(company.ids, today))
        ]
        rows = self.browse(ids)
        for row in rows:
            partner = row.partner_id.with_company(company)
            reason = self.env._(
                "The maximum extension period of %(item)s under policy %(policy)s ended on "
                "%(date)s: deliveries must stop.",
                item=row.move_id.name,
                policy=row.policy_id.name,
                date=row.date_mep,
            )
            if row.policy_id.overdue_mep_action == "hold" and not partner.credit_hold:
                partner._credit_set_hold(reason)
            else:
                partner.message_post(body=reason)
        rows.write({"mep_action_date": today})
        return rows

    def _describe(self):
        self.ensure_one()
        return self.env._(
            "%(item)s of %(partner)s, due %(due)s, %(amount)s %(currency)s open: policy "
            "%(policy)s asks for a notification by %(deadline)s.",
            item=self.move_id.name,
            partner=self.partner_id.display_name,
            due=self.date_maturity,
            amount=self.amount_residual_currency,
            currency=self.currency_id.name,
            policy=self.policy_id.name,
            deadline=self.deadline,
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_new_notice(self):
        """A new notice of the kind in the button's context, to complete
        (a new due date for an extension or a rescheduling) and send."""
        self.ensure_one()
        self._check_reader()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Notice"),
            "res_model": "credit.insurance.overdue.notice",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_overdue_id": self.id,
                "default_kind": self.env.context.get("notice_kind") or "default",
                "default_amount": self.amount_residual_currency,
                "default_currency_id": self.currency_id.id,
            },
        }

    def action_view_notices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Notices"),
            "res_model": "credit.insurance.overdue.notice",
            "view_mode": "list,form",
            "domain": [("overdue_id", "=", self.id)],
            "context": {"create": False},
        }
