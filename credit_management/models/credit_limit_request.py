from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import privilege

# A Credit Control Manager prepares the decision in these while the request
# waits (the granted amount, why it is refused); approving freezes them.
MANAGER_INPUT_FIELDS = {"approved_limit", "decision_note", "checklist_override_reason"}
# Only the decision methods write these (engine.privilege.LIMIT_DECISION),
# on create as on write: approve, refuse and cancel.
DECISION_FIELDS = {
    "state",
    "decided_by_id",
    "decision_date",
    "previous_limit",
    "previous_limit_source",
    "snapshot_exposure",
    "snapshot_overdue",
    "snapshot_available",
    "snapshot_risk_class_id",
    "snapshot_score",
    "snapshot_requested_limit",
}
# Internal users only: a portal customer who follows its application never
# reads limits, exposure, scores or the decision's internal notes.
INTERNAL = "base.group_user"
# What the requester asks for: theirs to change while the request waits.
REQUESTER_FIELDS = {"partner_id", "requested_limit"}
# A decided request is the audit record: these never change after.
FROZEN_FIELDS = DECISION_FIELDS | MANAGER_INPUT_FIELDS | REQUESTER_FIELDS | {"company_id"}


class CreditLimitRequest(models.Model):
    """A request for a new credit limit and, once decided, the auditable
    record of the decision with the inputs the manager saw."""

    _name = "credit.limit.request"
    _description = "Credit Limit Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Partner",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    requested_by_id = fields.Many2one(
        "res.users", string="Requested By", readonly=True, default=lambda self: self.env.user
    )
    requested_limit = fields.Monetary(string="Requested Limit", required=True, tracking=True)
    reason = fields.Text(required=True)
    state = fields.Selection(
        selection=[
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("refused", "Refused"),
            ("cancelled", "Cancelled"),
        ],
        default="to_approve",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    # Decision and the snapshot of its inputs
    decided_by_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    decision_date = fields.Datetime(readonly=True)
    decision_note = fields.Text(tracking=True, groups=INTERNAL)
    approved_limit = fields.Monetary(
        help="Leave empty to grant the requested limit; set it to grant another amount.",
        groups=INTERNAL,
    )
    previous_limit = fields.Monetary(string="Limit Before", readonly=True, groups=INTERNAL)
    previous_limit_source = fields.Char(string="Limit From", readonly=True, groups=INTERNAL)
    snapshot_exposure = fields.Monetary(
        string="Exposure at Decision", readonly=True, groups=INTERNAL
    )
    snapshot_overdue = fields.Monetary(string="Overdue at Decision", readonly=True, groups=INTERNAL)
    snapshot_available = fields.Monetary(
        string="Available at Decision", readonly=True, groups=INTERNAL
    )
    snapshot_risk_class_id = fields.Many2one(
        "credit.risk.class", string="Risk Class at Decision", readonly=True, groups=INTERNAL
    )
    snapshot_score = fields.Float(string="Score at Decision", readonly=True, groups=INTERNAL)
    snapshot_requested_limit = fields.Monetary(
        string="Requested at Decision", readonly=True, groups=INTERNAL
    )
    # Live figures while the request waits
    # Related fields keep the partner's groups (credit readers only).
    current_limit = fields.Monetary(related="partner_id.credit_limit_effective", string="Limit")
    current_exposure = fields.Monetary(related="partner_id.credit_exposure", string="Exposure")
    # Onboarding checklist: the items the customer's risk class requires
    checklist_ids = fields.One2many(
        "credit.onboarding.line", "request_id", string="Onboarding Checklist", groups=INTERNAL
    )
    checklist_missing = fields.Char(
        compute="_compute_checklist_missing",
        string="Missing Items",
        groups=INTERNAL,
        help="Required items not ticked yet: the request cannot be approved without them "
        "unless a Credit Control Manager overrides the checklist with a reason.",
    )
    checklist_override_reason = fields.Text(
        string="Checklist Override Reason",
        tracking=True,
        groups=INTERNAL,
        help="Why the request may be approved with items of the checklist missing "
        "(Credit Control Managers only; logged in the chatter on approval).",
    )

    _requested_limit_positive = models.Constraint(
        "CHECK(requested_limit >= 0)", "A requested credit limit cannot be negative."
    )

    @api.depends("partner_id", "requested_limit")
    def _compute_name(self):
        for request in self:
            request.name = self.env._(
                "Limit request for %s", request.partner_id.display_name or "-"
            )

    @api.depends("checklist_ids.done")
    def _compute_checklist_missing(self):
        for request in self:
            request.checklist_missing = ", ".join(request._checklist_missing_lines().mapped("name"))

    def _checklist_missing_lines(self):
        self.ensure_one()
        return self.checklist_ids.filtered(lambda line: not line.done)

    @api.constrains("approved_limit")
    def _check_approved_limit(self):
        if any(request.approved_limit < 0 for request in self):
            raise ValidationError(self.env._("An approved credit limit cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("partner_id"):
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        requests = super().create(vals_list)
        # Checked after create: defaults of the context count too.
        for request in requests:
            request._check_created()
        requests._add_checklist_lines()
        for request in requests:
            request._notify_managers()
        return requests

    def _check_created(self):
        """A new request waits for a decision and is the creator's own: no
        decision, snapshot or other requester on create."""
        self.ensure_one()
        fields_ = DECISION_FIELDS | MANAGER_INPUT_FIELDS | {"requested_by_id"}
        vals = self._convert_to_write({name: self[name] for name in fields_})
        forged = self._decision_values(vals)
        if vals.get("requested_by_id") not in (False, self.env.uid) and not self.env.su:
            forged.add("requested_by_id")
        if forged and not self._decision_privileged():
            raise AccessError(
                self.env._(
                    "A new limit request waits for a decision and is requested by its creator; "
                    "these are set by the decision only: %s",
                    self._field_labels(forged),
                )
            )
        if any(vals.get(name) for name in MANAGER_INPUT_FIELDS) and not self.env.su:
            self._check_manager()

    @api.model
    def _decision_values(self, vals):
        """The decision fields ``vals`` sets; empty values and the waiting
        state are what a waiting request has anyway."""
        return {
            name
            for name in DECISION_FIELDS.intersection(vals)
            if vals[name] and vals[name] != "to_approve"
        }

    def write(self, vals):
        decided = self.filtered(lambda r: r.state != "to_approve")
        if decided and FROZEN_FIELDS.intersection(vals) and not self._decision_privileged():
            raise UserError(
                self.env._("A decided limit request is part of the audit trail and cannot change.")
            )
        if decided and not self.env.su and set(vals) - {"message_main_attachment_id"}:
            raise UserError(
                self.env._("A decided limit request is part of the audit trail and cannot change.")
            )
        forged = self._decision_values(vals)
        if forged and not self._decision_privileged():
            raise AccessError(
                self.env._(
                    "A limit request is decided only with its Approve, Refuse and Cancel "
                    "actions: %s",
                    self._field_labels(forged),
                )
            )
        if MANAGER_INPUT_FIELDS.intersection(vals) and not self.env.su:
            self._check_manager()
        if "requested_by_id" in vals and not self.env.su:
            raise AccessError(self.env._("The requester of a limit request cannot change."))
        if (
            REQUESTER_FIELDS.intersection(vals)
            and not self.env.su
            and any(request.requested_by_id != self.env.user for request in self)
        ):
            raise AccessError(
                self.env._(
                    "Only the requester changes the partner and the amount of a limit request "
                    "while it waits for a decision."
                )
            )
        return super().write(vals)

    @api.model
    def _field_labels(self, names):
        return ", ".join(self._fields[name]._description_string(self.env) for name in sorted(names))

    @api.model
    def _decision_privileged(self):
        return privilege.has(privilege.LIMIT_DECISION) or privilege.loading_data(self.env)

    def _add_checklist_lines(self):
        """Adds the onboarding items the customer's risk class requires and
        the request does not list yet."""
        items = self.env["credit.onboarding.item"].sudo()
        vals_list = []
        for request in self:
            partner = request.partner_id.sudo().with_company(request.company_id)
            required = items.search(
                [("company_id", "in", [False, request.company_id.id])]
            )._applies_to(partner.credit_risk_class_id)
            vals_list += [
                {"request_id": request.id, "item_id": item.id}
                for item in required - request.sudo().checklist_ids.item_id
            ]
        # The lines are the code's own choice: whoever may request a limit gets them.
        self.env["credit.onboarding.line"].sudo().create(vals_list)

    def action_refresh_checklist(self):
        """Completes the checklist after the customer's risk class changed."""
        if not self.env.user.has_group("credit_management.group_credit_control_user"):
            raise AccessError(self.env._("Only credit control updates the onboarding checklist."))
        if any(request.state != "to_approve" for request in self):
            raise UserError(self.env._("The checklist of a decided limit request cannot change."))
        self._add_checklist_lines()

    def _check_checklist(self):
        """Refuses the approval while a required item is missing, unless a
        manager gave the reason to go without it (logged in the chatter)."""
        self.ensure_one()
        missing = self._checklist_missing_lines()
        if not missing:
            return
        if not self.checklist_override_reason:
            raise UserError(
                self.env._(
                    "The onboarding checklist of %(request)s is incomplete: %(items)s. Tick the "
                    "items with their documents, or write why you approve without them in "
                    "Checklist Override Reason.",
                    request=self.display_name,
                    items=", ".join(missing.mapped("name")),
                )
            )
        self.message_post(
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                self.env._(
                    "Approved by %(user)s with onboarding items missing: %(items)s.",
                    user=self.env.user.name,
                    items=", ".join(missing.mapped("name")),
                ),
                self.checklist_override_reason,
            )
        )

    def _notify_managers(self):
        managers = self.env.ref("credit_management.group_credit_control_manager").sudo().user_ids
        managers = managers.filtered(
            lambda u: self.company_id in u.company_ids and not u.share and u.active
        )
        for manager in managers[:10]:
            self.activity_schedule(
                "credit_management.mail_activity_type_limit_request",
                user_id=manager.id,
                note=self.reason,
            )

    def _check_manager(self):
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise AccessError(
                self.env._("Only a Credit Control Manager can decide on a limit request.")
            )

    def _snapshot(self):
        """The inputs of the decision, frozen on the request."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        score = self.env["credit.risk.score"]._current_for(partner, self.company_id)
        return {
            "decided_by_id": self.env.user.id,
            "decision_date": fields.Datetime.now(),
            "previous_limit": partner.credit_limit_effective,
            "previous_limit_source": dict(
                partner._fields["credit_limit_source"]._description_selection(self.env)
            ).get(partner.credit_limit_source),
            "snapshot_exposure": partner.credit_exposure,
            "snapshot_overdue": partner.credit_exposure_overdue,
            "snapshot_available": partner.credit_available,
            "snapshot_risk_class_id": partner.credit_risk_class_id.id,
            "snapshot_score": score.score if score else 0.0,
            "snapshot_requested_limit": self.requested_limit,
        }

    def action_approve(self):
        self._check_manager()
        for request in self:
            if request.state != "to_approve":
                raise UserError(self.env._("Only a request waiting for approval can be approved."))
            request._check_checklist()
            limit = request.approved_limit or request.requested_limit
            vals = request._snapshot()
            vals.update(state="approved", approved_limit=limit)
            with privilege.granted(privilege.LIMIT_DECISION):
                request.write(vals)
            # The manager's decision is the authority here, not contact editing rights.
            request.partner_id.sudo().with_company(request.company_id).credit_limit = limit
            request.partner_id.message_post(
                body=self.env._(
                    "Credit limit set to %(limit)s in %(company)s (request approved by %(user)s).",
                    limit=limit,
                    company=request.company_id.name,
                    user=self.env.user.name,
                )
            )
            request.activity_feedback(["credit_management.mail_activity_type_limit_request"])

    def action_refuse(self):
        self._check_manager()
        for request in self:
            if request.state != "to_approve":
                raise UserError(self.env._("Only a request waiting for approval can be refused."))
            if not request.decision_note:
                raise UserError(
                    self.env._("Write in the decision note why the request is refused.")
                )
            vals = request._snapshot()
            vals["state"] = "refused"
            with privilege.granted(privilege.LIMIT_DECISION):
                request.write(vals)
            request.activity_feedback(["credit_management.mail_activity_type_limit_request"])

    def action_cancel(self):
        for request in self:
            if request.state != "to_approve":
                raise UserError(self.env._("Only a request waiting for approval can be cancelled."))
            if request.requested_by_id != self.env.user:
                self._check_manager()
        with privilege.granted(privilege.LIMIT_DECISION):
            self.sudo().write({"state": "cancelled"})
        self.activity_unlink(["credit_management.mail_activity_type_limit_request"])
