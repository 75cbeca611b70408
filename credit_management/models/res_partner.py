import contextvars

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from ..engine import exposure, prepared, privilege

# Where the effective limit comes from (the status query's limit_source).
LIMIT_SOURCES = [
    ("partner", "Partner"),
    ("class", "Risk Class"),
    ("company", "Company Default"),
    ("cap", "Cap (Insurer Cover)"),
    ("none", "No Limit"),
]

# Set while Odoo's "Partner Limit" box gives the partner back the default.
_limit_unset = contextvars.ContextVar("credit_limit_unset", default=False)

# Who reads credit data on partners: the groups of core's credit and credit_limit.
CREDIT_READERS = "account.group_account_invoice,account.group_account_readonly"
# Fields that only a Credit Control Manager (or an approved limit request) may change.
MANAGER_FIELDS = {
    "credit_limit",
    "credit_limit_own",
    "use_partner_credit_limit",
    "credit_risk_class_id",
}
# Fields that only the hold and release actions change (engine.privilege.PARTNER_HOLD).
HOLD_FIELDS = {"credit_hold", "credit_hold_reason", "credit_hold_date", "credit_hold_user_id"}
# Fields that only credit control changes.
CREDIT_USER_FIELDS = {
    "credit_last_review_date",
    "credit_dunning_policy_id",
    "credit_dunning_excluded",
    "credit_cease_communication",
    "credit_optout_email",
    "credit_optout_letter",
    "credit_optout_phone",
    "credit_optout_sms",
    "credit_external_rating",
    "credit_external_rating_agency",
    "credit_external_rating_date",
}
# Every change of these is logged on the partner, with its company when it has one.
LOGGED_FIELDS = HOLD_FIELDS | CREDIT_USER_FIELDS | {"credit_limit", "credit_risk_class_id"}
# Fields that move a partner under another commercial partner.
REPARENT_FIELDS = {"parent_id", "is_company"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Risk class and hold, per company
    credit_risk_class_id = fields.Many2one(
        "credit.risk.class",
        string="Risk Class",
        company_dependent=True,
        domain="[('company_id', 'in', (False, current_company_id))]",
        help="Gives the default credit limit, the longest payment term and the review "
        "interval of the partner.",
        groups=CREDIT_READERS,
        copy=False,
    )
    credit_hold = fields.Boolean(
        string="Credit Hold",
        company_dependent=True,
        copy=False,
        help="No customer invoice can be posted for a partner on hold, whatever its "
        "available credit, unless a Credit Control Manager overrides it.",
        groups=CREDIT_READERS,
    )
    credit_hold_reason = fields.Char(
        string="Hold Reason", company_dependent=True, copy=False, groups=CREDIT_READERS
    )
    credit_hold_date = fields.Date(
        string="On Hold Since", company_dependent=True, copy=False, groups=CREDIT_READERS
    )
    credit_hold_user_id = fields.Many2one(
        "res.users",
        string="Put on Hold By",
        company_dependent=True,
        copy=False,
        groups=CREDIT_READERS,
    )
    # Odoo stores no company-dependent value equal to the company's fallback
    # (the default credit limit of Settings, 0 without one): a limit set on
    # the partner is marked here, so that it is enforced whatever its value.
    credit_limit_own = fields.Boolean(
        string="Own Credit Limit",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups="account.group_account_invoice,account.group_account_readonly",
        help="The partner's credit limit was set (typed, imported or approved) in this "
        "company: it applies whatever its value, before the risk class's and the company's.",
    )
    credit_last_review_date = fields.Date(
        string="Last Credit Review", company_dependent=True, copy=False, groups=CREDIT_READERS
    )

    # Dunning, per company
    credit_dunning_policy_id = fields.Many2one(
        "credit.dunning.policy",
        string="Dunning Policy",
        company_dependent=True,
        domain="[('company_id', '=', current_company_id)]",
        help="Overrides the policy of the risk class and of the company.",
        groups=CREDIT_READERS,
        copy=False,
    )
    credit_dunning_excluded = fields.Boolean(
        string="No Dunning",
        company_dependent=True,
        help="Never send reminders to this customer.",
        groups=CREDIT_READERS,
        copy=False,
    )
    credit_dunning_communication_ids = fields.One2many(
        "credit.dunning.communication",
        "partner_id",
        string="Reminders",
        readonly=True,
        groups=CREDIT_READERS,
    )
    credit_dunning_level_id = fields.Many2one(
        "credit.dunning.level",
        string="Dunning Level",
        compute="_compute_credit_dunning_level",
        groups=CREDIT_READERS,
    )
    # Contact requests of the customer (all companies)
    credit_cease_communication = fields.Boolean(
        string="Cease Communication",
        help="The customer asked in writing that we stop contacting them about its debts: "
        "reminders are blocked (and logged) when the company applies contact rules.",
        groups=CREDIT_READERS,
        copy=False,
    )
    credit_optout_email = fields.Boolean(
        string="No Email Reminders", groups=CREDIT_READERS, copy=False
    )
    credit_optout_letter = fields.Boolean(string="No Letters", groups=CREDIT_READERS, copy=False)
    credit_optout_phone = fields.Boolean(
        string="No Reminder Calls", groups=CREDIT_READERS, copy=False
    )
    credit_optout_sms = fields.Boolean(string="No SMS Reminders", groups=CREDIT_READERS, copy=False)

    # Exposure and available credit (current company, commercial partner)
    credit_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_credit_status",
        string="Credit Currency",
        groups=CREDIT_READERS,
    )
    credit_limit_effective = fields.Monetary(
        string="Effective Limit",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        help="The partner's own limit, else its risk class's, else the company's; "
        "lowered by any cap (an insurer's cover). Zero: no limit, unless a cap of zero "
        "allows no credit at all (Limit From: Cap).",
        groups=CREDIT_READERS,
    )
    credit_limit_source = fields.Selection(
        selection=LIMIT_SOURCES,
        string="Limit From",
        compute="_compute_credit_status",
        groups=CREDIT_READERS,
    )
    credit_exposure = fields.Monetary(
        string="Exposure",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        help="What the partner owes or is about to owe, in company currency at today's rate.",
        groups=CREDIT_READERS,
    )
    credit_exposure_not_due = fields.Monetary(
        string="Not Due",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )
    credit_exposure_overdue = fields.Monetary(
        string="Overdue",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )
    credit_exposure_draft_invoices = fields.Monetary(
        string="Draft Invoices",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )
    credit_exposure_unapplied = fields.Monetary(
        string="Unapplied Credits",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )
    credit_available = fields.Monetary(
        string="Available Credit",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )
    credit_over_limit = fields.Boolean(
        string="Over Credit Limit",
        compute="_compute_credit_status",
        search="_search_credit_over_limit",
        groups=CREDIT_READERS,
    )
    credit_group_partner_id = fields.Many2one(
        "res.partner",
        string="Credit Group",
        compute="_compute_credit_group",
        help="Top parent company whose limit the whole group shares.",
        groups=CREDIT_READERS,
    )
    credit_group_exposure = fields.Monetary(
        string="Group Exposure",
        compute="_compute_credit_group",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )
    credit_group_limit = fields.Monetary(
        string="Group Limit",
        compute="_compute_credit_group",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )
    credit_can_edit_limit = fields.Boolean(compute="_compute_credit_can_edit_limit")

    # Score
    credit_external_rating = fields.Float(
        string="External Rating",
        help="Rating from a credit agency on a 0 (worst) to 100 (best) scale; weighs 30 % "
        "of the risk score when set.",
        groups=CREDIT_READERS,
        copy=False,
    )
    credit_external_rating_agency = fields.Char(
        string="Rating Agency", groups=CREDIT_READERS, copy=False
    )
    credit_external_rating_date = fields.Date(string="Rated On", groups=CREDIT_READERS, copy=False)
    credit_score_id = fields.Many2one(
        "credit.risk.score",
        string="Risk Score Details",
        compute="_compute_credit_score",
        groups=CREDIT_READERS,
    )
    credit_score = fields.Float(
        string="Risk Score", compute="_compute_credit_score", digits=(5, 2), groups=CREDIT_READERS
    )
    credit_override_ids = fields.One2many(
        "credit.override",
        "partner_id",
        string="Credit Overrides",
        readonly=True,
        groups=CREDIT_READERS,
    )
    credit_limit_request_ids = fields.One2many(
        "credit.limit.request",
        "partner_id",
        string="Limit Requests",
        readonly=True,
        groups=CREDIT_READERS,
    )

    # ------------------------------------------------------------------
    # Hooks for other addons
    # ------------------------------------------------------------------

    @api.model
    def _credit_exposure_buckets(self):
        """The components of exposure; extend the list to add one."""
        receivables = exposure.open_receivables_query
        return [
            exposure.Bucket("not_due", self.env._("Not due"), receivables),
            exposure.Bucket("overdue", self.env._("Overdue"), receivables),
            exposure.Bucket(
                "draft_invoices", self.env._("Draft invoices"), exposure.draft_invoices_query
            ),
            exposure.Bucket("unapplied", self.env._("Unapplied credits"), receivables),
        ]

    @api.model
    def _credit_limit_caps(self, scope):
        """SQL queries of ``company_id, partner_id, cap`` that lower the limit
        (the insurance addon returns the insured cover); none here."""
        return []

    # ------------------------------------------------------------------
    # Status queries
    # ------------------------------------------------------------------

    @api.model
    def _credit_status_sql(self, companies, partner_ids=(), relevant_only=False):
        scope = exposure.scope(companies, partner_ids)
        field = self._fields["credit_limit"]
        defaults = {
            company.id: field.get_company_dependent_fallback(self.with_company(company)) or 0
            for company in companies
        }
        return exposure.status_query(
            self._credit_exposure_buckets(),
            scope,
            defaults,
            self._credit_limit_caps(scope),
            relevant_only=relevant_only,
        )

    @api.model
    def _credit_status(self, company, partner_ids):
        """{commercial partner id: status row as a dict} for one company."""
        self._credit_flush()
        prepared.execute(
            self.env.cr,
            self._credit_status_sql(company, tuple(partner_ids)),
            version=self.env.registry.registry_sequence,
        )
        return {row["partner_id"]: row for row in self.env.cr.dictfetchall()}

    @api.model
    def _credit_flush(self):
        """The status SQL reads these models: write pending changes first."""
        for model in ("account.move.line", "account.move", "res.company", "credit.risk.class"):
            self.env[model].flush_model()
        self.flush_model()

    @api.depends(
        "commercial_partner_id",
        "credit_limit",
        "credit_limit_own",
        "credit_risk_class_id",
        "credit_hold",
    )
    @api.depends_context("company")
    def _compute_credit_status(self):
        company = self.env.company
        commercial = self.commercial_partner_id
        status = self._credit_status(company, commercial.ids) if commercial.ids else {}
        for partner in self:
            partner._credit_set_status(status.get(partner.commercial_partner_id.id, {}), company)

    def _credit_set_status(self, row, company):
        """Fills the status fields from one row of the status query; extend it
        with the fields of a new bucket."""
        self.credit_currency_id = company.currency_id
        self.credit_limit_effective = row.get("credit_limit") or 0.0
        self.credit_limit_source = row.get("limit_source") or "none"
        self.credit_exposure = row.get("exposure") or 0.0
        self.credit_exposure_not_due = row.get("not_due") or 0.0
        self.credit_exposure_overdue = row.get("overdue") or 0.0
        self.credit_exposure_draft_invoices = row.get("draft_invoices") or 0.0
        self.credit_exposure_unapplied = row.get("unapplied") or 0.0
        self.credit_available = row.get("available") or 0.0
        self.credit_over_limit = bool(row.get("over_limit"))

    def _search_credit_over_limit(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        self._credit_flush()
        over = SQL(
            "SELECT partner_id FROM (%s) s WHERE s.over_limit",
            self._credit_status_sql(self.env.company, relevant_only=True),
        )
        ids = [row[0] for row in self.env.execute_query(over)]
        domain = Domain("commercial_partner_id", "in", ids)
        positive = (operator == "in") == (True in value)
        return domain if positive else ~domain

    @api.depends_context("uid")
    def _compute_credit_can_edit_limit(self):
        self.credit_can_edit_limit = self.env.user.has_group(
            "credit_management.group_credit_control_manager"
        )

    @api.depends_context("company")
    def _compute_credit_score(self):
        scores = self.env["credit.risk.score"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {score.partner_id: score for score in scores}
        for partner in self:
            score = by_partner.get(partner.commercial_partner_id)
            partner.credit_score_id = score
            partner.credit_score = score.score if score else 0.0

    @api.constrains("credit_external_rating")
    def _check_credit_external_rating(self):
        if any(not 0 <= p.credit_external_rating <= 100 for p in self):
            raise ValidationError(self.env._("An external rating goes from 0 to 100."))

    @api.constrains("credit_dunning_policy_id")
    def _check_credit_dunning_policy_company(self):
        # Company-dependent: the value written is the current company's, and
        # the dunning run of that company applies it.
        company = self.env.company
        for partner in self.sudo():
            policy = partner.credit_dunning_policy_id
            if policy and policy.company_id != company:
                raise ValidationError(
                    self.env._(
                        "Dunning policy %(policy)s belongs to %(other)s: the policy of "
                        "%(partner)s in %(company)s must be one of %(company)s.",
                        policy=policy.display_name,
                        other=policy.company_id.name,
                        partner=partner.display_name,
                        company=company.name,
                    )
                )

    @api.constrains("credit_risk_class_id")
    def _check_credit_risk_class_company(self):
        # Company-dependent, as the dunning policy: a class of the current
        # company, or one shared by every company.
        company = self.env.company
        for partner in self.sudo():
            risk_class = partner.credit_risk_class_id
            if risk_class.company_id and risk_class.company_id != company:
                raise ValidationError(
                    self.env._(
                        "Risk class %(class)s belongs to %(other)s: the class of %(partner)s in "
                        "%(company)s must be one of %(company)s or shared.",
                        **{"class": risk_class.display_name},
                        other=risk_class.company_id.name,
                        partner=partner.display_name,
                        company=company.name,
                    )
                )

    @api.model
    def _credit_group_root(self, partner):
        """The top parent company of a commercial partner, or itself."""
        root = partner
        while root.parent_id:
            root = root.parent_id
        return root.commercial_partner_id

    @api.model
    def _credit_group_members(self, root):
        """Commercial partners of the group under ``root`` (root included)."""
        return (
            self.search(
                [("id", "child_of", root.id), ("is_company", "=", True)]
            ).commercial_partner_id
            | root
        )

    @api.depends_context("company")
    def _compute_credit_group(self):
        # Groups first, then one status query for every member of every group.
        roots = {}
        for partner in self:
            commercial = partner.commercial_partner_id
            root = self._credit_group_root(commercial) if commercial.id else self.browse()
            if root and (root != commercial or root.child_ids.filtered("is_company")):
                roots[partner] = root
        members = {root: self._credit_group_members(root) for root in set(roots.values())}
        member_ids = sorted({pid for group in members.values() for pid in group.ids})
        status = self._credit_status(self.env.company, member_ids) if member_ids else {}
        for partner in self:
            root = roots.get(partner)
            partner.credit_group_partner_id = root
            partner.credit_group_exposure = (
                sum(status.get(pid, {}).get("exposure", 0.0) for pid in members[root].ids)
                if root
                else 0.0
            )
            partner.credit_group_limit = (
                status.get(root.id, {}).get("credit_limit") or 0.0 if root else 0.0
            )

    @api.model
    def _commercial_fields(self):
        # The commercial partner carries the credit data of all its contacts.
        return [
            *super()._commercial_fields(),
            "credit_risk_class_id",
            "credit_hold",
            "credit_hold_reason",
            "credit_hold_date",
            "credit_hold_user_id",
            "credit_external_rating",
            "credit_external_rating_agency",
            "credit_external_rating_date",
            "credit_dunning_policy_id",
            "credit_dunning_excluded",
            "credit_cease_communication",
            "credit_optout_email",
            "credit_optout_letter",
            "credit_optout_phone",
            "credit_optout_sms",
        ]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get(name) for vals in vals_list for name in MANAGER_FIELDS):
            self._credit_check_manager()
        for vals in vals_list:
            # A limit given on creation is the partner's own (0: the form's default).
            if vals.get("credit_limit") or vals.get("use_partner_credit_limit"):
                vals["credit_limit_own"] = True
        partners = super().create(vals_list)
        # Checked after create: Odoo applies the defaults of the context and
        # of the user inside create, after its own field-access check.
        changes = {partner: partner._credit_created_changes() for partner in partners}
        names = {name for change in changes.values() for name, _old, _new in change}
        if names & MANAGER_FIELDS:
            self._credit_check_manager()
        self._credit_check_changes(names)
        partners._credit_log_changes(changes)
        return partners

    def write(self, vals):
        # Odoo's field-access check first: a refusal must not tell a user who
        # cannot read credit data what the partner's values are.
        for name in (LOGGED_FIELDS | MANAGER_FIELDS).intersection(vals):
            self._check_field_access(self._fields[name], "write")
        if MANAGER_FIELDS.intersection(vals):
            self._credit_check_manager()
        vals = self._credit_limit_own_values(vals)
        moved = self._credit_reparented(vals)
        if not LOGGED_FIELDS.intersection(vals) and not moved:
            return super().write(vals)
        changes = {partner: partner._credit_changes(vals) for partner in self}
        self._credit_check_changes(
            {name for change in changes.values() for name, _old, _new in change}
        )
        before = {partner: partner._credit_reparent_state() for partner in moved}
        result = super().write(vals)
        self._credit_log_changes(changes)
        self._credit_log_reparented(moved, before)
        return result

    def _credit_created_changes(self):
        """(field, empty, value) of the credit data a new partner was created
        with (values, context or user defaults), leaving out what a contact
        takes from its commercial partner and a company's fallback."""
        self.ensure_one()
        partner = self.sudo()
        commercial = partner.commercial_partner_id
        changes = []
        for name in sorted(LOGGED_FIELDS):
            field = self._fields[name]
            value = partner[name]
            if not value or (commercial != partner and value == commercial[name]):
                continue
            if field.company_dependent and value == field.get_company_dependent_fallback(partner):
                continue
            empty = field.convert_to_record(field.convert_to_cache(False, partner), partner)
            changes.append((name, empty, value))
        return changes

    def _credit_own_values(self):
        """{company or None: {field: value}} of the credit data set on this
        partner itself, in every company (None: values shared by all)."""
        self.ensure_one()
        partner = self.sudo()
        values = {}
        companies = self.env["res.company"].sudo().search([("id", "!=", False)])
        for name in sorted(LOGGED_FIELDS):
            field = self._fields[name]
            if not field.company_dependent:
                if partner[name]:
                    values.setdefault(None, {})[name] = partner[name]
                continue
            for company in companies:
                record = partner.with_company(company)
                value = record[name]
                if value and value != field.get_company_dependent_fallback(record):
                    values.setdefault(company, {})[name] = value
        return values

    def _credit_reparented(self, vals):
        """The partners ``vals`` moves under another parent or turns into a
        contact while they carry credit data of their own: their items and
        hold would pass to another commercial partner.
        {partner: own credit values before the write}."""
        if not REPARENT_FIELDS.intersection(vals) or privilege.has(privilege.PARTNER_MERGE):
            return {}
        moved = {}
        for partner in self.sudo():
            if partner.commercial_partner_id != partner:
                continue
            if not (
                ("parent_id" in vals and (vals["parent_id"] or False) != partner.parent_id.id)
                or ("is_company" in vals and bool(vals["is_company"]) != partner.is_company)
            ):
                continue
            own = partner._credit_own_values()
            if own:
                moved[partner.with_env(self.env)] = own
        if moved and not (
            self.env.su or self.env.user.has_group("credit_management.group_credit_control_user")
        ):
            raise AccessError(
                self.env._(
                    "%s carries credit data (a hold, a limit, a risk class or dunning data): "
                    "only credit control can move it under another company or make it a contact.",
                    ", ".join(partner.sudo().display_name for partner in moved),
                )
            )
        return moved

    def _credit_reparent_state(self):
        partner = self.sudo()
        return {"parent_id": partner.parent_id, "is_company": partner.is_company}

    def _credit_log_reparented(self, moved, before):
        """Logs a move of a partner with credit data: its new place and its
        own values before and after (now its commercial partner's)."""
        for partner, own in moved.items():
            after = partner.sudo()
            items = [
                (name, before[partner][name], after[name])
                for name in ("parent_id", "is_company")
                if before[partner][name] != after[name]
            ]
            lines = [partner._credit_describe_change(*item) for item in items]
            for company, values in own.items():
                record = after.with_company(company) if company else after
                lines += [
                    partner._credit_describe_change(name, old, record[name], company)
                    for name, old in values.items()
                    if old != record[name]
                ]
            partner._credit_log_lines(lines)

    def _credit_changes(self, vals):
        """(field, old, new) of the credit data ``vals`` changes on one
        partner; a contact taking its commercial partner's values (Odoo's
        commercial field sync) changes nothing of its own."""
        self.ensure_one()
        partner = self.sudo()
        commercial = partner.commercial_partner_id
        changes = []
        for name in sorted(LOGGED_FIELDS.intersection(vals)):
            field = self._fields[name]
            new = field.convert_to_record(field.convert_to_cache(vals[name], partner), partner)
            old = partner[name]
            if new == old or (commercial != partner and new == commercial[name]):
                continue
            changes.append((name, old, new))
        return changes

    @api.model
    def _credit_check_changes(self, names):
        """Holds change only through the hold and release actions; dunning,
        contact-request, review and rating data only by credit control."""
        if privilege.has(privilege.PARTNER_MERGE):
            return
        if names & HOLD_FIELDS and not (
            privilege.has(privilege.PARTNER_HOLD) or privilege.loading_data(self.env)
        ):
            raise AccessError(
                self.env._(
                    "A credit hold is placed and lifted only with the Put on Hold and Release "
                    "Hold actions of credit control."
                )
            )
        if names & CREDIT_USER_FIELDS and not (
            self.env.su or self.env.user.has_group("credit_management.group_credit_control_user")
        ):
            raise AccessError(
                self.env._(
                    "Only credit control can change the dunning, contact-request, review and "
                    "rating data of a partner (%s).",
                    ", ".join(
                        self._fields[name]._description_string(self.env)
                        for name in sorted(names & CREDIT_USER_FIELDS)
                    ),
                )
            )

    def _credit_log_changes(self, changes):
        """Logs each partner's credit data changes on its chatter (an
        internal note): who, old and new value, and the company of values
        kept per company."""
        for partner, change in changes.items():
            partner._credit_log_lines([partner._credit_describe_change(*item) for item in change])

    def _credit_log_lines(self, lines):
        if not lines:
            return
        self.sudo()._message_log(
            body=Markup("<p>%s</p><ul>%s</ul>")
            % (
                self.env._("Credit data changed by %s:", self.env.user.name),
                Markup().join(Markup("<li>%s</li>") % line for line in lines),
            ),
            author_id=self.env.user.partner_id.id,
        )

    def _credit_describe_change(self, name, old, new, company=None):
        field = self._fields[name]
        label = field._description_string(self.env)
        if field.company_dependent:
            label = self.env._(
                "%(field)s in %(company)s",
                field=label,
                company=(company or self.env.company).name,
            )
        return self.env._(
            "%(field)s: %(old)s → %(new)s",
            field=label,
            old=self._credit_format_value(field, old),
            new=self._credit_format_value(field, new),
        )

    def _credit_format_value(self, field, value):
        if field.type == "boolean":
            return self.env._("Yes") if value else self.env._("No")
        if field.type == "many2one":
            return value.sudo().display_name or "-"
        if field.type in ("float", "monetary", "integer"):
            return str(value or 0.0)
        return str(value) if value else "-"

    @api.model
    def _credit_limit_own_values(self, vals):
        """A written limit is the partner's own, whatever its value (Odoo drops
        a value equal to the company's default from the column); unticking
        Odoo's *Partner Limit* gives the partner back its class's or the
        company's limit."""
        if "use_partner_credit_limit" in vals and not vals["use_partner_credit_limit"]:
            return {**vals, "credit_limit_own": False}
        if (
            "credit_limit" in vals
            and "use_partner_credit_limit" not in vals
            and not _limit_unset.get()
        ):
            return {**vals, "credit_limit_own": True}
        return vals

    def _inverse_use_partner_credit_limit(self):
        # Odoo writes the company's default here: not a limit of the partner.
        token = _limit_unset.set(True)
        try:
            return super()._inverse_use_partner_credit_limit()
        finally:
            _limit_unset.reset(token)

    @api.depends_context("company")
    def _compute_use_partner_credit_limit(self):
        result = super()._compute_use_partner_credit_limit()
        for partner in self.filtered("credit_limit_own"):
            partner.use_partner_credit_limit = True
        return result

    def _credit_check_manager(self):
        # Accounting administrators keep the right Odoo gives them to set limits.
        user = self.env.user
        if (
            self.env.su
            or privilege.has(privilege.PARTNER_MERGE)
            or user.has_group("credit_management.group_credit_control_manager")
            or user.has_group("account.group_account_manager")
        ):
            return
        raise AccessError(
            self.env._(
                "Only a Credit Control Manager or an accounting administrator can change "
                "credit limits and risk classes; request a new limit instead."
            )
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_credit_hold(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Put on Credit Hold"),
            "res_model": "credit.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.commercial_partner_id.ids},
        }

    def _credit_check_user(self):
        if not (
            self.env.su or self.env.user.has_group("credit_management.group_credit_control_user")
        ):
            raise AccessError(self.env._("Only credit control can put partners on hold."))
        # The partners are the caller's choice: they must be theirs to see.
        self.commercial_partner_id.check_access("read")

    def action_credit_release(self):
        self._credit_check_user()
        # Credit control may lack the right to edit contacts: the hold is theirs.
        with privilege.granted(privilege.PARTNER_HOLD):
            self.commercial_partner_id.filtered("credit_hold").sudo().write(
                {
                    "credit_hold": False,
                    "credit_hold_reason": False,
                    "credit_hold_date": False,
                    "credit_hold_user_id": False,
                }
            )

    def _credit_set_hold(self, reason):
        """Puts the commercial partners on hold in the current company; the
        change is logged on each partner with the reason."""
        self._credit_check_user()
        with privilege.granted(privilege.PARTNER_HOLD):
            self.commercial_partner_id.sudo().write(
                {
                    "credit_hold": True,
                    "credit_hold_reason": reason,
                    "credit_hold_date": fields.Date.context_today(self),
                    "credit_hold_user_id": self.env.user.id,
                }
            )

    def action_credit_request_limit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request a Credit Limit"),
            "res_model": "credit.limit.request",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_credit_open_items(self):
        """Drill-down: the open receivable items behind the exposure."""
        self.ensure_one()
        bucket = self.env.context.get("credit_bucket")
        today = fields.Date.context_today(self)
        domain = Domain(
            [
                ("partner_id.commercial_partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
            ]
        )
        if bucket == "overdue":
            domain &= Domain([("amount_residual", ">", 0), ("date_maturity", "<", today)])
        elif bucket == "not_due":
            domain &= Domain([("amount_residual", ">", 0), ("date_maturity", ">=", today)])
        elif bucket == "unapplied":
            domain &= Domain("amount_residual", "<", 0)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Open Items of %s", self.commercial_partner_id.display_name),
            "res_model": "account.move.line",
            "view_mode": "list",
            "views": [(self.env.ref("account.view_move_line_tree").id, "list")],
            "domain": list(domain),
            "context": {"search_default_group_by_move": 0},
        }

    def action_credit_open_draft_invoices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Draft Invoices of %s", self.commercial_partner_id.display_name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "draft"),
            ],
        }

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------

    @api.model
    def _credit_review_due_query(self, company, today):
        """Commercial partners whose risk class's review interval has elapsed
        since their last review, without an open review activity."""
        return SQL(
            """
            SELECT p.id, rc.review_user_id, p.user_id
              FROM res_partner p
              JOIN credit_risk_class rc
                ON rc.id = (p.credit_risk_class_id ->> %(company)s)::integer
             WHERE p.active AND p.id = p.commercial_partner_id
               AND rc.review_interval_months > 0
               AND COALESCE((p.credit_last_review_date ->> %(company)s)::date, '1900-01-01')
                   <= %(today)s::date - make_interval(months => rc.review_interval_months)
               AND NOT EXISTS (
                   SELECT 1 FROM mail_activity a
                    WHERE a.res_model = 'res.partner' AND a.res_id = p.id
                      AND a.activity_type_id = %(review_type)s AND a.active)
            """,
            company=str(company.id),
            today=today,
            review_type=self.env.ref("credit_management.mail_activity_type_credit_review").id,
        )

    @api.model
    def _cron_credit_reviews(self):
        """Creates the credit review activities that have come due, company by
        company, committing after each."""
        for company in self.env["res.company"].search([("id", "!=", False)]):
            created = self.with_company(company)._credit_create_reviews(company)
            self.env["ir.cron"]._commit_progress(len(created))

    @api.model
    def _credit_create_reviews(self, company):
        today = fields.Date.context_today(self)
        model_id = self.env["ir.model"]._get_id("res.partner")
        review_type = self.env.ref("credit_management.mail_activity_type_credit_review")
        self._credit_flush()
        self.env["mail.activity"].flush_model()
        rows = self.env.execute_query(self._credit_review_due_query(company, today))
        return (
            self.env["mail.activity"]
            .with_company(company)
            .create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": partner_id,
                        "activity_type_id": review_type.id,
                        "summary": self.env._("Periodic credit review"),
                        "date_deadline": today,
                        "user_id": reviewer_id or salesperson_id or self.env.user.id,
                    }
                    for partner_id, reviewer_id, salesperson_id in rows
                ]
            )
        )

    def action_credit_compute_score(self):
        if not (
            self.env.su or self.env.user.has_group("credit_management.group_credit_control_user")
        ):
            raise AccessError(self.env._("Only credit control can compute risk scores."))
        self.commercial_partner_id.check_access("read")
        self.env["credit.risk.score"]._compute_scores(self.env.company, self)

    # ------------------------------------------------------------------
    # Dunning
    # ------------------------------------------------------------------

    @api.depends_context("company")
    def _compute_credit_dunning_level(self):
        """The highest level among the partner's open items."""
        company = self.env.company
        self.env["credit.dunning.run"]._flush_for_sql()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (p.commercial_partner_id) p.commercial_partner_id,
                       state.level_id
                  FROM credit_dunning_item state
                  JOIN account_move_line aml ON aml.id = state.move_line_id
                  JOIN res_partner p ON p.id = aml.partner_id
                  JOIN credit_dunning_level level ON level.id = state.level_id
                 WHERE p.commercial_partner_id = ANY(%s) AND aml.company_id = %s
                   AND aml.reconciled IS NOT TRUE
                 ORDER BY p.commercial_partner_id, level.sequence DESC, level.id DESC
                """,
                self.commercial_partner_id.ids,
                company.id,
            )
        )
        Level = self.env["credit.dunning.level"]
        best = {partner_id: Level.browse(level_id) for partner_id, level_id in rows}
        for partner in self:
            partner.credit_dunning_level_id = best.get(partner.commercial_partner_id.id, False)

    def action_credit_send_reminder(self):
        """Reminds this customer now: its items move up where due, and a
        communication lists everything overdue even when no level changes."""
        self.ensure_one()
        partner = self.commercial_partner_id
        run = self.env["credit.dunning.run"]._create_run(self.env.company, "partner")
        comms = run._process_batch([partner.id], force=True, ready=True)
        if not comms:
            raise UserError(
                self.env._(
                    "%s has nothing overdue to remind (or its credits cover it), or no dunning "
                    "policy.",
                    partner.display_name,
                )
            )
        run._set_state("done")
        comms._send()
        return {
            "type": "ir.actions.act_window",
            "res_model": "credit.dunning.communication",
            "res_id": comms.id,
            "view_mode": "form",
        }

    def action_credit_open_reminders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reminders of %s", self.commercial_partner_id.display_name),
            "res_model": "credit.dunning.communication",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", self.commercial_partner_id.id)],
            "context": {"create": False},
        }
