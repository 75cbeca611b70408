"""Adversarial tests: every guarded write of the suite tried through the ORM
as each role, as an RPC caller would, and the classification of every field
the suite defines or extends (a new field fails here until it is classified).
"""

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.models import MAGIC_COLUMNS
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..engine import privilege
from ..models.res_partner import CREDIT_READERS, CREDIT_USER_FIELDS, HOLD_FIELDS
from .common import CreditCommon

# ----------------------------------------------------------------------
# Classification of every field of the suite
# ----------------------------------------------------------------------
# GUARDED: read and written only by the groups of ``groups=`` (asserted).
# ACTION: set only by the suite's actions and flows, refused in create/write
#   otherwise (a privilege of engine/privilege.py or a server check).
# COMPUTED: computed or related and read-only (asserted).
# DATA: editable by whoever may write the model (access rights, record
#   rules, constraints; configuration models are for managers only).
# VIEW_READONLY: readonly in the views and set by defaults or the model's
#   own methods, but writable by whoever may write the model.
# TECHNICAL: plumbing of the suite (locks, wizard links, flags for views).
# Fields the models take from Odoo (id, display_name, create/write columns,
# mail.thread and mail.activity.mixin) and the fields res.users and bank
# statement lines delegate to partners and moves follow their origin.
GUARDED = "guarded"
ACTION = "action"
COMPUTED = "computed"
DATA = "data"
VIEW_READONLY = "view_readonly"
TECHNICAL = "technical"

FIELD_CLASSES = {
    "res.partner": {
        GUARDED: "credit_available credit_case_ids credit_cease_communication credit_currency_id "
        "credit_disputed_amount credit_dunning_communication_ids credit_dunning_excluded "
        "credit_dunning_level_id credit_dunning_policy_id credit_exposure "
        "credit_exposure_draft_invoices credit_exposure_not_due credit_exposure_overdue "
        "credit_exposure_sale_orders credit_exposure_unapplied credit_external_rating "
        "credit_external_rating_agency credit_external_rating_date credit_group_exposure "
        "credit_group_limit credit_group_partner_id credit_hold credit_hold_date "
        "credit_hold_reason credit_hold_user_id credit_last_review_date credit_limit_effective "
        "credit_limit_own credit_limit_request_ids credit_limit_source credit_open_case_count "
        "credit_optout_email credit_optout_letter credit_optout_phone credit_optout_sms "
        "credit_over_limit credit_override_ids credit_risk_class_id credit_score credit_score_id",
        TECHNICAL: "credit_can_edit_limit",
    },
    "account.move": {
        ACTION: "credit_dispute_id credit_writeoff_case_id credit_dunning_charges",
        COMPUTED: "credit_disputed credit_dunning_date credit_dunning_level_id "
        "credit_dispute_ids credit_dunning_line_ids credit_override_ids",
    },
    "account.move.line": {COMPUTED: "credit_dunning_date credit_dunning_level_id"},
    "sale.order": {
        GUARDED: "credit_banner credit_banner_blocks",
        COMPUTED: "credit_override_ids",
        ACTION: "credit_review_pending",
    },
    "res.company": {
        DATA: "credit_check_group credit_check_mode credit_collection_team_id credit_contact_cap "
        "credit_contact_window credit_dunning_fee_account_id credit_dunning_interest_account_id "
        "credit_dunning_journal_id credit_dunning_policy_id credit_dunning_post_charges "
        "credit_guardrails credit_include_draft credit_net_unapplied credit_promise_grace_days "
        "credit_quiet_end credit_quiet_start credit_writeoff_account_id "
        "credit_writeoff_journal_id credit_writeoff_tax_mode credit_aging_days "
        "credit_forecast_fallback credit_forecast_min_paid credit_forecast_uncertain_days",
    },
    "res.config.settings": {
        DATA: "credit_check_group credit_check_mode credit_collection_team_id credit_contact_cap "
        "credit_contact_window credit_dunning_fee_account_id credit_dunning_interest_account_id "
        "credit_dunning_journal_id credit_dunning_policy_id credit_dunning_post_charges "
        "credit_guardrails credit_include_draft credit_net_unapplied credit_promise_grace_days "
        "credit_quiet_end credit_quiet_start credit_writeoff_account_id "
        "credit_writeoff_journal_id credit_writeoff_tax_mode credit_aging_days "
        "credit_forecast_fallback credit_forecast_min_paid credit_forecast_uncertain_days",
    },
    "credit.limit.request": {
        ACTION: "state decided_by_id decision_date previous_limit previous_limit_source "
        "snapshot_available snapshot_exposure snapshot_overdue snapshot_risk_class_id "
        "snapshot_score snapshot_requested_limit requested_by_id",
        DATA: "partner_id requested_limit reason approved_limit decision_note company_id "
        "checklist_ids checklist_override_reason",
        COMPUTED: "name currency_id current_exposure current_limit checklist_missing",
    },
    "credit.onboarding.item": {
        DATA: "active company_id description document_required name risk_class_ids sequence",
    },
    "credit.onboarding.line": {
        # Created by the request from its customer's risk class; credit
        # control ticks them, the tick's author and date are the line's own.
        DATA: "attachment_ids done note",
        VIEW_READONLY: "item_id request_id",
        ACTION: "checked_by_id checked_date",
        COMPUTED: "company_id document_required name sequence",
    },
    "credit.collection.case": {
        DATA: "kind partner_id stage_id user_id team_id item_ids next_action next_action_date "
        "last_contact_date dispute_ids plan_ids promise_ids",
        VIEW_READONLY: "name company_id date_opened date_closed broken_promise_count escalated "
        "handover_type handover_partner_id handover_date",
        COMPUTED: "amount_due amount_overdue amount_written_off currency_id days_late "
        "dispute_count item_count oldest_due_date plan_count priority promise_count "
        "recipient_id risk_class_id stage_type writeoff_move_ids",
    },
    "credit.collection.arrangement": {
        DATA: "case_id company_id partner_id note",
        VIEW_READONLY: "date_recorded",
        COMPUTED: "currency_id user_id",
    },
    "credit.collection.dispute": {
        DATA: "amount case_id company_id credit_note_id move_id note partner_id reason_id "
        "resolution_note",
        VIEW_READONLY: "date_recorded date_resolved item_ids resolved_by_id state",
        COMPUTED: "currency_id move_currency_id user_id",
    },
    "credit.collection.promise": {
        DATA: "amount case_id company_id date item_ids note partner_id",
        VIEW_READONLY: "date_decided date_recorded state",
        COMPUTED: "currency_id paid_amount user_id",
    },
    "credit.collection.plan": {
        DATA: "case_id company_id first_date installment_ids installment_number interval "
        "item_ids note partner_id",
        VIEW_READONLY: "amount_started date_decided date_recorded state",
        COMPUTED: "amount_covered amount_scheduled currency_id next_date paid_amount user_id",
    },
    "credit.collection.plan.installment": {
        DATA: "amount date plan_id sequence",
        COMPUTED: "company_id currency_id paid_amount status",
    },
    "credit.collection.stage": {DATA: "active description fold name sequence stage_type"},
    "credit.collection.team": {DATA: "active case_ids company_id member_ids name user_id"},
    "credit.dispute.reason": {DATA: "active code company_id description name sequence"},
    "credit.collection.handover": {
        DATA: "handover_type note partner_id send",
        TECHNICAL: "case_id",
    },
    "credit.writeoff.wizard": {
        DATA: "account_id date item_ids journal_id reason",
        TECHNICAL: "case_id",
        COMPUTED: "amount available_item_ids company_id currency_id partner_id tax_mode",
    },
    "credit.hold.wizard": {DATA: "partner_ids reason"},
    "credit.override.wizard": {DATA: "reason", TECHNICAL: "res_ids res_model summary"},
    "credit.override": {
        ACTION: "amount company_id credit_limit date document_ref excess exposure kind move_id "
        "order_id partner_id reason used user_id",
        COMPUTED: "currency_id",
    },
    "credit.check.lock": {TECHNICAL: "company_id partner_id version"},
    "credit.open.balance": {
        COMPUTED: "account_id company_currency_id company_id credit_residual "
        "credit_residual_currency currency_id date_due debit_residual debit_residual_currency "
        "items partner_id",
    },
    "credit.receivable.snapshot": {
        # Written in SQL by the month-end job and the rebuild wizard only (privilege SNAPSHOT).
        ACTION: "company_id partner_id date days risk_class_id user_id team_id ar_total "
        "ar_current ar_overdue overdue_days_amount amount_1 amount_2 amount_3 amount_4 "
        "amount_5 amount_6 amount_7 disputed promised credit_sales invoiced term_sales "
        "cash_collected written_off paid_count paid_amount paid_days_to_pay "
        "paid_days_late",
        COMPUTED: "currency_id",
    },
    "credit.receivable.kpi": {
        # An SQL view over the snapshots.
        COMPUTED: "company_id currency_id partner_id date risk_class_id user_id team_id days "
        "ar_begin ar_total ar_current ar_overdue overdue_days_amount disputed promised "
        "credit_sales invoiced term_sales cash_collected written_off paid_count "
        "paid_amount paid_days_to_pay paid_days_late ar_positive countback_weighted dso "
        "dso_countback bpdso add add_weighted cei overdue_ratio bad_debt_ratio "
        "collection_period credit_sales_share days_to_pay days_late",
    },
    "credit.receivable.snapshot.wizard": {DATA: "company_ids date_from date_to"},
    "credit.cashin.forecast": {
        # An SQL view; create, write and unlink refused.
        COMPUTED: "company_id currency_id partner_id user_id team_id bucket week_start kind "
        "date_expected date_maturity delay_days delay_basis move_id move_line_id promise_id "
        "plan_id item_currency_id amount_currency amount",
    },
    "credit.cashin.backtest": {
        DATA: "company_id weeks",
        # Written by the computation only (privilege BACKTEST).
        ACTION: "line_ids forecast_total actual_total error_total wape forecast_outside computed",
        COMPUTED: "currency_id date_forecast weeks_compared",
    },
    "credit.cashin.backtest.line": {
        ACTION: "wizard_id week week_start forecast actual",
        COMPUTED: "currency_id error error_percent",
    },
    "credit.aged.receivable.wizard": {
        DATA: "basis collector_ids company_ids date partner_ids risk_class_ids salesperson_ids",
        # Written in SQL by the report only.
        ACTION: "line_ids",
    },
    "credit.aged.receivable": {
        # Written in SQL by the report; create and write refused (computed rows).
        ACTION: "wizard_id company_id partner_id item_count total amount_0 amount_1 amount_2 "
        "amount_3 amount_4 amount_5 amount_6 amount_7 item_ids items_loaded",
        COMPUTED: "date currency_id",
    },
    "credit.aged.receivable.item": {
        ACTION: "line_id company_id partner_id move_line_id move_id date date_maturity "
        "invoice_date days bucket currency_id residual_currency residual",
        COMPUTED: "company_currency_id bucket_label",
    },
    "credit.exposure": {
        COMPUTED: "available company_id credit_limit currency_id disputed draft_invoices excess "
        "exposure limit_source not_due on_hold over_limit overdue partner_id risk_class_id "
        "sale_orders salesperson_id unapplied utilisation",
    },
    "credit.risk.class": {
        DATA: "active code collection_weight company_id default_credit_limit description "
        "dunning_policy_id max_payment_days min_score name review_interval_months "
        "review_user_id sequence",
        GUARDED: "partner_count",
        COMPUTED: "currency_id",
    },
    "credit.risk.score": {
        COMPUTED: "company_id date days_late_points dunning_level dunning_points external_rating "
        "internal_score late_share late_share_points no_history overdue_points overdue_ratio "
        "partner_id returned_payments returned_points score suggested_class_id utilisation "
        "utilisation_points weighted_days_late",
    },
    "credit.limit.import": {
        DATA: "decimal_separator file filename state",
        VIEW_READONLY: "company_id line_ids",
        COMPUTED: "error_count valid_count",
    },
    "credit.limit.import.line": {
        TECHNICAL: "amount_text credit_limit currency_id error external_rating import_id key "
        "original_amount partner_id rating_agency risk_class_id row set_limit set_rating",
    },
    "credit.dunning.policy": {
        DATA: "active company_id interest_rule_id level_ids name note skip_levels",
        COMPUTED: "currency_id",
    },
    "credit.dunning.level": {
        DATA: "channel_email channel_letter channel_phone channel_sms charge_compensation "
        "charge_interest days fee_amount fee_type hold_partner letter_text mail_template_id "
        "min_days_since_previous name open_case phone_user_id policy_id sequence",
        COMPUTED: "company_id currency_id",
    },
    "credit.dunning.run": {
        # A user creates a manual run of today for one of its companies;
        # the rest (and the company afterwards) is the run's.
        DATA: "communication_ids",
        ACTION: "company_id date log origin state stats user_id",
        COMPUTED: "communication_count letter_count line_count name stats_html",
    },
    "credit.dunning.communication": {
        ACTION: "activity_id channel_email channel_letter channel_phone channel_sms "
        "charge_move_id compensation_total company_id credit_total currency_id date fee_total "
        "interest_total letter_printed level_id line_ids listed_total mail_id partner_id "
        "policy_id postponed_until reason run_id state",
        COMPUTED: "amount_due mail_failure mail_state recipient_id",
    },
    "credit.dunning.line": {
        TECHNICAL: "amount_residual amount_residual_currency communication_id compensation "
        "currency_id date_maturity days_late fee interest kind level_id move_id move_line_id "
        "new_level previous_level_id",
        COMPUTED: "company_currency_id company_id date partner_id run_id state",
    },
    "credit.dunning.item": {
        TECHNICAL: "date level_id move_line_id",
        COMPUTED: "company_id move_id partner_id",
    },
    "credit.dunning.claim": {TECHNICAL: "company_id date partner_id run_id"},
    "credit.dunning.exclusion": {
        COMPUTED: "amount_residual company_id currency_id date_maturity days_late move_id "
        "move_line_id partner_id reason reason_code",
    },
    "credit.late.interest.rule": {
        DATA: "active compensation_currency_id compensation_tier_ids day_count fixing "
        "legal_basis margin name series_id",
    },
    "credit.late.interest.tier": {DATA: "amount rule_id threshold", COMPUTED: "currency_id"},
    "credit.reference.rate": {DATA: "date rate series_id"},
    "credit.reference.rate.series": {DATA: "code name rate_ids", COMPUTED: "current_rate"},
}

# Models that take fields of another by delegation (_inherits).
DELEGATING = {"res.users": "res.partner", "account.bank.statement.line": "account.move"}


class GuardCommon(CreditCommon):
    """One user per role; a customer on hold; a second company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.other_company = cls.setup_other_company(name="Guard Other Company")["company"]
        cls.portal = new_test_user(cls.env, login="guard_portal", groups="base.group_portal")
        cls.portal.partner_id.parent_id = cls.customer
        cls.internal = new_test_user(
            cls.env, login="guard_internal", groups="base.group_user", **company
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="guard_sales_manager",
            groups="base.group_user,sales_team.group_sale_manager",
            **company,
        )
        cls.invoicing = new_test_user(
            cls.env,
            login="guard_invoicing",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice",
            **company,
        )
        cls.collector = new_test_user(
            cls.env,
            login="guard_collector",
            groups="base.group_user,base.group_partner_manager,"
            "credit_management.group_credit_control_user",
            **company,
        )
        cls.other_user = new_test_user(
            cls.env,
            login="guard_other_company",
            groups="base.group_user,base.group_partner_manager,"
            "credit_management.group_credit_control_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.writers = {
            "internal": cls.internal,
            "sales manager": cls.sales_manager,
            "invoicing": cls.invoicing,
            "collector": cls.collector,
            "credit manager": cls.manager,
            "other company": cls.other_user,
        }
        cls.customer.with_user(cls.controller).with_company(cls.company)._credit_set_hold(
            "Returned cheque"
        )

    def _as(self, user, record):
        company = self.other_company if user == self.other_user else self.company
        return record.with_user(user).with_company(company)


@tagged("post_install", "-at_install")
class TestPartnerGuards(GuardCommon):
    """Point 1: holds only through the hold actions, the other flags only
    by credit control, every change logged."""

    def _hold(self, partner=None):
        partner = (partner or self.customer).sudo().with_company(self.company)
        return {name: partner[name] for name in HOLD_FIELDS}

    def test_hold_fields_refused_to_every_role(self):
        before = self._hold()
        for role, user in self.writers.items():
            partner = self._as(user, self.customer)
            for vals in (
                # Not on hold in the other company: there it would be put on hold.
                {"credit_hold": user == self.other_user},
                {"credit_hold_reason": "Paid at last"},
                {"credit_hold_date": "2020-01-01"},
                {"credit_hold_user_id": user.id},
            ):
                with self.subTest(role=role, vals=vals), self.assertRaises(AccessError):
                    partner.write(vals)
        # Not even code running as superuser, outside the hold actions.
        with self.assertRaises(AccessError):
            self.customer.sudo().with_company(self.company).credit_hold = False
        self.assertEqual(self._hold(), before)

    def test_hold_refused_on_create(self):
        for role, user in self.writers.items():
            with self.subTest(role=role), self.assertRaises(AccessError):
                self._as(user, self.env["res.partner"]).create(
                    {"name": "Held from birth", "credit_hold": True, "credit_hold_reason": "x"}
                )

    def test_import_cannot_lift_a_hold(self):
        result = self._as(self.invoicing, self.env["res.partner"]).load(
            [".id", "credit_hold"], [[str(self.customer.id), "0"]]
        )
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        self.assertTrue(self._hold()["credit_hold"])

    def test_hold_actions_are_credit_controls_and_logged(self):
        partner = self.env["res.partner"].create({"name": "Slow Payer", "is_company": True})
        for user in (self.internal, self.sales_manager, self.invoicing):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._as(user, partner)._credit_set_hold("Mine")
        self.env["credit.hold.wizard"].with_user(self.collector).create(
            {"partner_ids": [Command.set(partner.ids)], "reason": "Bounced transfer"}
        ).action_hold()
        held = self._hold(partner)
        self.assertTrue(held["credit_hold"])
        self.assertEqual(held["credit_hold_user_id"], self.collector)
        log = partner.message_ids[:1]
        self.assertEqual(log.author_id, self.collector.partner_id)
        self.assertTrue(log.subtype_id.internal)
        self.assertIn(f"Credit Hold in {self.company.name}: No → Yes", log.body)
        self.assertIn("Hold Reason", log.body)
        self.assertIn("Bounced transfer", log.body)
        with self.assertRaises(AccessError):
            self._as(self.invoicing, partner).action_credit_release()
        self._as(self.collector, partner).action_credit_release()
        self.assertFalse(self._hold(partner)["credit_hold"])
        self.assertIn(f"Credit Hold in {self.company.name}: Yes → No", partner.message_ids[0].body)

    def test_credit_flags_only_for_credit_control(self):
        values = {
            "credit_dunning_excluded": True,
            "credit_cease_communication": True,
            "credit_optout_email": True,
            "credit_optout_letter": True,
            "credit_optout_phone": True,
            "credit_optout_sms": True,
            "credit_external_rating": 95,
            "credit_external_rating_agency": "Forged Ratings",
            "credit_external_rating_date": self.today,
            "credit_last_review_date": self.today,
            "credit_dunning_policy_id": self.env["credit.dunning.policy"]
            .create({"name": "Lenient", "company_id": self.company.id})
            .id,
        }
        self.assertEqual(set(values), CREDIT_USER_FIELDS)
        partner = self.env["res.partner"].create({"name": "Flagged", "is_company": True})
        for role in ("internal", "sales manager", "invoicing"):
            for name, value in values.items():
                with self.subTest(role=role, field=name), self.assertRaises(AccessError):
                    self._as(self.writers[role], partner).write({name: value})
        self._as(self.collector, partner).write(
            {"credit_dunning_excluded": True, "credit_cease_communication": True}
        )
        body = partner.message_ids[0].body
        self.assertIn(f"No Dunning in {self.company.name}: No → Yes", body)
        self.assertIn("Cease Communication: No → Yes", body)
        self.assertEqual(partner.message_ids[0].author_id, self.collector.partner_id)

    def test_limits_logged_with_their_company(self):
        self.customer.with_user(self.manager).with_company(self.company).credit_limit = 1234
        self.assertIn(f"in {self.company.name}: 0.0 → 1234.0", self.customer.message_ids[0].body)
        with self.assertRaises(AccessError):
            self._as(self.invoicing, self.customer).credit_limit = 99999

    def test_default_values_for_everyone(self):
        # A form sends the empty credit fields along; a contact takes the hold of its company.
        for role in ("sales manager", "invoicing", "collector"):
            user = self.writers[role]
            partners = self._as(user, self.env["res.partner"])
            vals = {"name": f"New customer of {role}", "is_company": True}
            if role != "sales manager":
                vals.update(credit_hold=False, credit_dunning_excluded=False)
            partners.create(vals)
            contact = partners.create({"name": f"Contact of {role}", "parent_id": self.customer.id})
            self.assertTrue(contact.sudo().with_company(self.company).credit_hold)
            contact.write({"name": f"Renamed contact of {role}"})
        # A contact moved under the held customer takes the hold too.
        loose = self.env["res.partner"].create({"name": "Loose contact"})
        self._as(self.sales_manager, loose).parent_id = self.customer
        self.assertTrue(loose.sudo().with_company(self.company).credit_hold)

    def test_merge_keeps_a_hold_of_the_merged_partners(self):
        Partner = self.env["res.partner"]
        held = Partner.create({"name": "Held twin", "is_company": True})
        held.sudo().with_company(self.company)._credit_set_hold("Twin on hold")
        kept = Partner.create({"name": "Kept twin", "is_company": True})
        # An administrator with invoicing rights but no credit rights merges the twins.
        admin = new_test_user(
            self.env,
            login="guard_admin",
            groups="base.group_system,base.group_partner_manager,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        merge = self.env["base.partner.merge.automatic.wizard"].with_user(admin)
        merge.with_company(self.company)._merge([held.id, kept.id], kept)
        self.assertEqual(self._hold(kept)["credit_hold_reason"], "Twin on hold")
        self.assertTrue(any("Twin on hold" in message.body for message in kept.message_ids))

    def test_dunning_hold_and_contact_sync_still_work(self):
        partner = self.env["res.partner"].create({"name": "Dunned", "is_company": True})
        contact = self.env["res.partner"].create({"name": "Dunned buyer", "parent_id": partner.id})
        partner.sudo().with_company(self.company)._credit_set_hold("Dunning level 3 reached")
        self.assertTrue(contact.sudo().with_company(self.company).credit_hold)
        self.assertFalse(contact.message_ids.filtered(lambda m: "Credit Hold" in (m.body or "")))


@tagged("post_install", "-at_install")
class TestPartnerReaders(GuardCommon):
    """Point 2: credit data is for core's credit readers only; the flows of
    other users still work."""

    def _guarded_partner_fields(self):
        return FIELD_CLASSES["res.partner"][GUARDED].split()

    def test_portal_and_internal_users_read_no_credit_data(self):
        for name in self._guarded_partner_fields():
            self.assertEqual(self.env["res.partner"]._fields[name].groups, CREDIT_READERS, name)
            for user, partner in (
                (self.portal, self.portal.partner_id),
                (self.portal, self.customer),
                (self.internal, self.customer),
                (self.sales_manager, self.customer),
            ):
                with self.subTest(user=user.login, field=name), self.assertRaises(AccessError):
                    partner.with_user(user).read([name])
        with self.assertRaises(AccessError):
            self.portal.with_user(self.portal).read(["credit_hold_reason"])
        self.assertTrue(self.customer.with_user(self.invoicing).read(["credit_hold_reason"]))

    def test_partner_form_opens_for_every_internal_role(self):
        # Odoo strips the fields a user cannot read from the views; what is left reads.
        guarded = set(self._guarded_partner_fields())
        for user in (self.internal, self.sales_manager, self.invoicing, self.collector):
            partners = self.env["res.partner"].with_user(user)
            arch = etree.fromstring(partners.get_views([(False, "form")])["views"]["form"]["arch"])
            names = {
                node.get("name")
                for node in arch.iter("field")
                if not any(parent.tag == "field" for parent in node.iterancestors())
            }
            with self.subTest(user=user.login):
                if user == self.collector:
                    self.assertIn("credit_hold_reason", names)
                else:
                    self.assertFalse(names & guarded)
                partners.browse(self.customer.id).web_read({name: {} for name in names})

    def test_invoicing_user_posting_for_held_customer_sees_the_reason(self):
        invoice = self._invoice(self.customer, 100, post=False)
        with self.assertRaisesRegex(UserError, "Returned cheque"):
            invoice.with_user(self.invoicing).action_post()

    def test_limit_request_form_for_a_plain_user(self):
        requests = self.env["credit.limit.request"].with_user(self.internal)
        views = requests.get_views([(False, "form")])
        names = views["models"]["credit.limit.request"]["fields"]
        self.assertNotIn("current_exposure", names)
        request = requests.create(
            {"partner_id": self.customer.id, "requested_limit": 500, "reason": "Big order"}
        )
        request.web_read({name: {} for name in names})


@tagged("post_install", "-at_install")
class TestLimitDecisionGuards(GuardCommon):
    """Point 3: decisions only through the decision methods."""

    def _new(self, user, **vals):
        return self._as(user, self.env["credit.limit.request"]).create(
            {"partner_id": self.customer.id, "requested_limit": 5000, "reason": "Growth", **vals}
        )

    def test_forged_decisions_refused_on_create(self):
        forged = (
            {"state": "approved"},
            {"decided_by_id": self.manager.id},
            {"decision_date": "2026-01-01 00:00:00"},
            {"previous_limit": 1},
            {"snapshot_exposure": 1},
            {"snapshot_risk_class_id": self.env["credit.risk.class"].search([], limit=1).id},
            {"requested_by_id": self.manager.id},
        )
        for role in ("internal", "sales manager", "invoicing", "collector", "credit manager"):
            for vals in forged:
                if vals.get("requested_by_id") == self.writers[role].id:
                    continue
                with self.subTest(role=role, vals=vals), self.assertRaises(AccessError):
                    self._new(self.writers[role], **vals)

    def test_only_managers_propose_the_granted_amount(self):
        for role in ("internal", "sales manager", "invoicing", "collector"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                self._new(self.writers[role], approved_limit=99999)
        request = self._new(self.internal)
        with self.assertRaises(AccessError):
            self._as(self.internal, request).write({"approved_limit": 99999})
        with self.assertRaises(AccessError):
            self._as(self.internal, request).write({"decision_note": "Approved, of course"})
        self._as(self.manager, request).approved_limit = 4000
        self.assertEqual(request.state, "to_approve")

    def test_forged_decisions_refused_on_write(self):
        request = self._new(self.internal)
        for vals in (
            {"state": "approved"},
            {"decided_by_id": self.manager.id},
            {"snapshot_score": 99},
        ):
            for role in ("internal", "credit manager"):
                with self.subTest(role=role, vals=vals), self.assertRaises(AccessError):
                    self._as(self.writers[role], request).write(vals)
        with self.assertRaises(AccessError):
            request.sudo().write({"state": "approved"})
        self.assertEqual(request.state, "to_approve")

    def test_decision_methods_still_decide(self):
        request = self._new(self.internal)
        self.assertEqual(request.requested_by_id, self.internal)
        self._as(self.manager, request).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.decided_by_id, self.manager)
        refused = self._new(self.internal)
        self._as(self.manager, refused).decision_note = "Too risky"
        self._as(self.manager, refused).action_refuse()
        self.assertEqual(refused.state, "refused")
        cancelled = self._new(self.internal)
        self._as(self.internal, cancelled).action_cancel()
        self.assertEqual(cancelled.state, "cancelled")


@tagged("post_install", "-at_install")
class TestCollectionGuards(GuardCommon):
    """Points 4 and 5: links of journal entries to disputes and write-offs,
    and the items of a case."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason = cls.env.ref("credit_management.credit_dispute_reason_quality")
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Customer", "is_company": True}
        )
        cls.invoice = cls._invoice(cls.customer, 1000)
        cls.dispute = cls.env["credit.collection.dispute"].create(
            {"move_id": cls.invoice.id, "reason_id": cls.reason.id}
        )
        cls.case = cls.dispute.case_id
        cls.case.user_id = cls.collector

    def _refund(self, partner, company=None, **vals):
        company = company or self.company
        return (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": partner.id,
                    "invoice_date": self.today,
                    "invoice_line_ids": [
                        Command.create({"name": "Credit", "price_unit": 1000, "tax_ids": []})
                    ],
                    **vals,
                }
            )
        )

    def _receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def test_dispute_and_writeoff_links_refused_outside_their_flows(self):
        refund = self._refund(self.customer)
        for role, user in self.writers.items():
            for vals in (
                {"credit_dispute_id": self.dispute.id},
                {"credit_writeoff_case_id": self.case.id},
            ):
                with self.subTest(role=role, vals=vals), self.assertRaises(AccessError):
                    self._as(user, refund).write(vals)
        with self.assertRaises(AccessError):
            self._refund(self.customer, credit_dispute_id=self.dispute.id)
        # Another company's user cannot point a refund of theirs at this dispute.
        with self.assertRaises(AccessError):
            self._as(self.other_user, self.env["account.move"]).create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.customer.id,
                    "credit_dispute_id": self.dispute.id,
                }
            )
        self.assertEqual(self.dispute.state, "open")

    def test_dispute_link_checks_company_and_ownership(self):
        # Even a flow that links wrongly is stopped: other customer, other company.
        with privilege.granted(privilege.DISPUTE_CREDIT_NOTE):
            with self.assertRaises(ValidationError):
                self._refund(self.other_customer, credit_dispute_id=self.dispute.id)
            with self.assertRaises(UserError):
                self._refund(
                    self.customer, company=self.other_company, credit_dispute_id=self.dispute.id
                )
        with self.assertRaises(ValidationError):
            self.dispute.credit_note_id = self._refund(self.other_customer)

    def test_dispute_credit_note_posted_by_invoicing_user_resolves_it(self):
        action = self.dispute.with_user(self.collector).action_create_credit_note()
        credit_note = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(credit_note.credit_dispute_id, self.dispute)
        credit_note.with_user(self.invoicing).action_post()
        self.assertEqual(self.dispute.state, "credited")

    def test_case_items_are_the_customers_posted_receivables(self):
        case = self.case.with_user(self.collector)
        others = self._invoice(self.other_customer, 100)
        draft = self._invoice(self.customer, 100, post=False)
        abroad = self._invoice(self.customer, 100, company=self.other_company)
        income = self.invoice.line_ids.filtered(
            lambda line: line.account_type != "asset_receivable"
        )
        for label, line in (
            ("other customer", self._receivable(others)),
            ("not receivable", income[:1]),
            ("draft", self._receivable(draft)),
            ("other company", self._receivable(abroad)),
        ):
            with self.subTest(label), self.assertRaises(UserError), mute_logger("odoo.models"):
                case.write({"item_ids": [Command.link(line.id)]})
        with self.assertRaises(UserError):
            self.env["credit.collection.case"].create(
                {
                    "partner_id": self.other_customer.id,
                    "item_ids": [Command.set(self._receivable(self.invoice).ids)],
                }
            )
        mine = self._invoice(self.customer, 100)
        case.write({"item_ids": [Command.link(self._receivable(mine).id)]})
        self.assertIn(self._receivable(mine), case.item_ids)


@tagged("post_install", "-at_install")
class TestDunningGuards(GuardCommon):
    """Runs and reminders: every ACTION field refused to every role, on
    write, and a reminder created by nobody."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        policy = cls.env["credit.dunning.policy"].create(
            {
                "name": "Guard policy",
                "company_id": cls.company.id,
                "level_ids": [Command.create({"name": "Guard level", "days": 1})],
            }
        )
        cls.dunning_run = cls.env["credit.dunning.run"].create({"company_id": cls.company.id})
        cls.comm_vals = {
            "run_id": cls.dunning_run.id,
            "company_id": cls.company.id,
            "partner_id": cls.customer.id,
            "policy_id": policy.id,
            "level_id": policy.level_ids.id,
            "date": cls.today,
            "currency_id": cls.currency.id,
        }
        with privilege.granted(privilege.DUNNING_RUN):
            cls.comm = cls.env["credit.dunning.communication"].sudo().create(cls.comm_vals)

    def _forged(self, model):
        values = {
            "company_id": self.other_company.id,
            "date": "2099-01-01",
            "origin": "cron",
            "state": "done" if model == "credit.dunning.run" else "to_send",
            "user_id": self.manager.id,
            "stats": {"claimed": 1},
            "log": "Forged",
            "run_id": self.dunning_run.id,
            "partner_id": self.env["res.partner"].create({"name": "Elsewhere"}).id,
            "policy_id": self.comm.policy_id.id,
            "level_id": self.comm.level_id.id,
            "currency_id": self.currency.id,
            "reason": "Forged",
            "postponed_until": "2099-01-01 00:00:00",
            "line_ids": [Command.clear()],
            "mail_id": False,
            "activity_id": False,
            "charge_move_id": False,
        }
        names = FIELD_CLASSES[model][ACTION].split()
        return {
            name: values.get(name, True if "channel" in name or "printed" in name else 9999)
            for name in names
        }

    def test_action_fields_refused_to_every_role(self):
        for model, record in (
            ("credit.dunning.run", self.dunning_run),
            ("credit.dunning.communication", self.comm),
        ):
            for role, user in self.writers.items():
                for name, value in self._forged(model).items():
                    with (
                        self.subTest(model=model, role=role, field=name),
                        self.assertRaises(AccessError),
                    ):
                        self._as(user, record).write({name: value})
        self.assertEqual((self.dunning_run.state, self.dunning_run.origin), ("draft", "manual"))
        self.assertEqual(self.comm.state, "draft")

    def test_nobody_creates_a_reminder_or_a_forged_run(self):
        for role, user in self.writers.items():
            with self.subTest(role=role), self.assertRaises(AccessError):
                self._as(user, self.env["credit.dunning.communication"]).create(self.comm_vals)
            with self.subTest(role=role), self.assertRaises(AccessError):
                self._as(user, self.env["credit.dunning.run"]).create(
                    {"company_id": self.company.id, "origin": "cron", "state": "done"}
                )
        with self.assertRaises(AccessError):
            self.env["credit.dunning.communication"].sudo().create(self.comm_vals)


class FieldClassification:
    """Every field an addon of the suite defines is classified: a new field
    fails here until someone decides who may read and write it. Each addon
    runs it on its own fields (``suite_modules``) and classes."""

    suite_modules = ("credit_management", "credit_management_sale")
    field_classes = FIELD_CLASSES

    def _suite_fields(self):
        data = self.env["ir.model.data"].search(
            [("model", "=", "ir.model.fields"), ("module", "in", self.suite_modules)]
        )
        fields_ = self.env["ir.model.fields"].browse(data.mapped("res_id")).exists()
        return {(f.model, f.name) for f in fields_ if f.model in self.env}

    def _framework(self, model, name):
        field = self.env[model]._fields.get(name)
        mixins = ("mail.thread", "mail.activity.mixin")
        return (
            name in MAGIC_COLUMNS
            or name in ("id", "display_name")
            or any(name in self.env[mixin]._fields for mixin in mixins if mixin in self.env)
            or (field is not None and field.inherited and model not in DELEGATING)
        )

    def _classes(self):
        return {
            (model, name): kind
            for model, kinds in self.field_classes.items()
            for kind, names in kinds.items()
            for name in names.split()
        }

    def test_every_field_is_classified(self):
        classes = self._classes()
        missing = []
        for model, name in sorted(self._suite_fields()):
            if self._framework(model, name):
                continue
            if model in DELEGATING:
                self.assertIn((DELEGATING[model], name), classes, f"{model}.{name}")
                continue
            if (model, name) not in classes:
                missing.append(f"{model}.{name}")
        self.assertFalse(
            missing,
            f"Classify these fields in the FIELD_CLASSES of {self.suite_modules}: {missing}",
        )

    def test_classification_matches_the_fields(self):
        for (model, name), kind in self._classes().items():
            if model not in self.env:
                continue  # a model of an addon that is not installed
            field = self.env[model]._fields.get(name)
            with self.subTest(field=f"{model}.{name}"):
                self.assertIsNotNone(field, "classified but does not exist: remove it")
                if kind == GUARDED:
                    self.assertTrue(field.groups)
                if kind == COMPUTED:
                    self.assertTrue(field.readonly)
        for name, field in self.env["res.users"]._fields.items():
            if field.inherited and (("res.partner", name) in self._classes()):
                self.assertEqual(field.groups, self.env["res.partner"]._fields[name].groups, name)


@tagged("post_install", "-at_install")
class TestFieldClassification(FieldClassification, GuardCommon):
    """The fields of credit_management and its sale bridge."""


@tagged("post_install", "-at_install")
class TestSecondRoundGuards(GuardCommon):
    """Holes of the first guards: re-parenting, defaults of the context,
    merges by non-credit users, other companies' policies, and leaks."""

    def _held(self, name, company=None):
        partner = self.env["res.partner"].create({"name": name, "is_company": True})
        partner.sudo().with_company(company or self.company)._credit_set_hold(f"{name} on hold")
        return partner

    def test_reparenting_a_held_customer_needs_credit_control(self):
        held = self._held("Held to move", self.other_company)
        fresh = self.env["res.partner"].create({"name": "Fresh Co", "is_company": True})
        for vals in (
            {"is_company": False, "parent_id": fresh.id},
            {"parent_id": fresh.id},
            {"is_company": False},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self._as(self.sales_manager, held).write(vals)
        self.assertFalse(held.parent_id)
        self.assertTrue(held.sudo().with_company(self.other_company).credit_hold)
        # A customer without credit data moves freely.
        self._as(self.sales_manager, fresh.copy()).write({"parent_id": fresh.id})
        # Credit control may, and the move is logged with the values it loses.
        self._as(self.collector, held).write({"is_company": False, "parent_id": fresh.id})
        self.assertEqual(held.commercial_partner_id, fresh)
        body = held.message_ids[0].body
        self.assertIn("Fresh Co", body)
        self.assertIn(f"Credit Hold in {self.other_company.name}: Yes → No", body)

    def test_context_defaults_do_not_bypass_partner_guards(self):
        policy = self.env["credit.dunning.policy"].create(
            {"name": "Default policy", "company_id": self.company.id}
        )
        risk_class = self.env["credit.risk.class"].create({"name": "Default", "code": "DF"})
        for role, user, key, value in (
            ("invoicing", self.invoicing, "credit_limit", 99999),
            ("invoicing", self.invoicing, "credit_risk_class_id", risk_class.id),
            ("invoicing", self.invoicing, "credit_dunning_excluded", True),
            ("invoicing", self.invoicing, "credit_cease_communication", True),
            ("invoicing", self.invoicing, "credit_dunning_policy_id", policy.id),
            ("invoicing", self.invoicing, "credit_hold", True),
            ("collector", self.collector, "credit_hold", True),
            ("collector", self.collector, "credit_limit", 99999),
        ):
            partners = self._as(user, self.env["res.partner"]).with_context(
                **{f"default_{key}": value}
            )
            with self.subTest(role=role, key=key), self.assertRaises(AccessError):
                partners.create({"name": f"Defaulted {key}", "is_company": True})
        # A user's own default (ir.default) counts too.
        self.env["ir.default"].with_user(self.invoicing).set(
            "res.partner", "credit_cease_communication", True, user_id=True
        )
        with self.assertRaises(AccessError):
            self._as(self.invoicing, self.env["res.partner"]).create({"name": "Own default"})

    def test_context_defaults_do_not_forge_limit_decisions(self):
        Request = self.env["credit.limit.request"]
        for key, value in (
            ("state", "approved"),
            ("decided_by_id", self.manager.id),
            ("decision_date", "2026-01-01 00:00:00"),
            ("approved_limit", 99999),
            ("requested_by_id", self.manager.id),
        ):
            for role in ("internal", "sales manager", "collector"):
                requests = self._as(self.writers[role], Request).with_context(
                    **{f"default_{key}": value}
                )
                with self.subTest(role=role, key=key), self.assertRaises(AccessError):
                    requests.create(
                        {"partner_id": self.customer.id, "requested_limit": 5, "reason": "x"}
                    )
        self.assertFalse(Request.search([("partner_id", "=", self.customer.id)]))

    def test_context_defaults_do_not_link_entries(self):
        invoice = self._invoice(self.customer, 100)
        dispute = self.env["credit.collection.dispute"].create(
            {
                "move_id": invoice.id,
                "reason_id": self.env.ref("credit_management.credit_dispute_reason_quality").id,
            }
        )
        for key, value in (
            ("credit_dispute_id", dispute.id),
            ("credit_writeoff_case_id", dispute.case_id.id),
        ):
            for role in ("invoicing", "collector", "credit manager"):
                moves = self._as(self.writers[role], self.env["account.move"]).with_context(
                    **{f"default_{key}": value}
                )
                with self.subTest(role=role, key=key), self.assertRaises(AccessError):
                    moves.create({"move_type": "out_refund", "partner_id": self.customer.id})

    def test_merge_by_a_non_credit_user_keeps_every_companys_credit_data(self):
        held = self._held("Held twin B", self.other_company)
        held.sudo().with_company(self.company)._credit_set_hold("Held here too")
        kept = self.env["res.partner"].create({"name": "Kept twin B", "is_company": True})
        other_policy = self.env["credit.dunning.policy"].create(
            {"name": "Other policy", "company_id": self.other_company.id}
        )
        with privilege.granted(privilege.PARTNER_MERGE):
            held.sudo().with_company(self.other_company).write(
                {"credit_limit": 777, "credit_dunning_policy_id": other_policy.id}
            )
        # Odoo's merge reads fields of Access Rights administrators: no credit group here.
        merger = new_test_user(
            self.env,
            login="guard_merger",
            groups="base.group_erp_manager,base.group_partner_manager,"
            "sales_team.group_sale_manager",
            company_id=self.company.id,
            company_ids=[Command.set((self.company | self.other_company).ids)],
        )
        self.env.flush_all()
        wizard = self.env["base.partner.merge.automatic.wizard"].with_user(merger)
        wizard = wizard.with_company(self.company)
        wizard._merge([held.id, kept.id], kept.with_env(wizard.env))
        here = kept.sudo().with_company(self.company)
        there = kept.sudo().with_company(self.other_company)
        self.assertTrue(here.credit_hold)
        self.assertEqual(here.credit_hold_reason, "Held here too")
        self.assertTrue(there.credit_hold)
        self.assertEqual(there.credit_hold_reason, "Held twin B on hold")
        self.assertEqual(there.credit_limit, 777)
        self.assertEqual(there.credit_dunning_policy_id, other_policy)
        self.assertTrue(
            any(self.other_company.name in (message.body or "") for message in kept.message_ids)
        )

    def test_dunning_policy_of_another_company_refused(self):
        foreign = self.env["credit.dunning.policy"].create(
            {"name": "Foreign", "company_id": self.other_company.id}
        )
        partner = self.env["res.partner"].create({"name": "Policy target", "is_company": True})
        with self.assertRaises(ValidationError):
            self._as(self.collector, partner).credit_dunning_policy_id = foreign
        self._as(self.other_user, partner).credit_dunning_policy_id = foreign
        self.assertEqual(
            partner.sudo().with_company(self.other_company).credit_dunning_policy_id, foreign
        )

    def test_risk_class_of_another_company_refused(self):
        foreign = self.env["credit.risk.class"].create(
            {"name": "Foreign class", "code": "FX", "company_id": self.other_company.id}
        )
        shared = self.env["credit.risk.class"].create(
            {"name": "Shared class", "code": "SX", "company_id": False}
        )
        partner = self.env["res.partner"].create({"name": "Class target", "is_company": True})
        with self.assertRaises(ValidationError):
            self._as(self.manager, partner).credit_risk_class_id = foreign
        self._as(self.manager, partner).credit_risk_class_id = shared
        self._as(self.other_user, partner).credit_risk_class_id = foreign
        self.assertEqual(
            partner.sudo().with_company(self.other_company).credit_risk_class_id, foreign
        )
        self.assertEqual(partner.sudo().with_company(self.company).credit_risk_class_id, shared)

    def test_non_readers_get_the_same_refusal_whatever_the_hold(self):
        free = self.env["res.partner"].create({"name": "Not held", "is_company": True})
        messages = set()
        for partner in (self.customer, free):
            with self.assertRaises(AccessError) as caught:
                self._as(self.sales_manager, partner).write({"credit_hold": True})
            messages.add(str(caught.exception))
        self.assertEqual(len(messages), 1)

    def test_compute_score_and_case_lookup_need_credit_control(self):
        with self.assertRaises(AccessError):
            self._as(self.invoicing, self.customer).action_credit_compute_score()
        self._as(self.collector, self.customer).action_credit_compute_score()
        invoice = self._invoice(self.customer, 100)
        self.env["credit.collection.case"].create({"partner_id": self.customer.id})
        for user in (self.invoicing, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._as(user, invoice).action_credit_open_case()

    def test_dispute_credit_note_must_reverse_the_disputed_invoice(self):
        invoice = self._invoice(self.customer, 100)
        other_invoice = self._invoice(self.customer, 100)
        dispute = self.env["credit.collection.dispute"].create(
            {
                "move_id": invoice.id,
                "reason_id": self.env.ref("credit_management.credit_dispute_reason_quality").id,
            }
        )
        wrong = other_invoice._reverse_moves([{"invoice_date": self.today}])
        with self.assertRaises(ValidationError):
            dispute.credit_note_id = wrong

    def test_requester_alone_edits_the_request_and_the_decision_is_frozen(self):
        request = self._as(self.internal, self.env["credit.limit.request"]).create(
            {"partner_id": self.customer.id, "requested_limit": 5000, "reason": "Growth"}
        )
        for user in (self.sales_manager, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._as(user, request).requested_limit = 1_000_000
        self._as(self.internal, request).requested_limit = 6000
        self._as(self.manager, request).action_approve()
        self.assertEqual(request.snapshot_requested_limit, 6000)
        self.assertEqual(request.approved_limit, 6000)
        for vals in (
            {"requested_limit": 1},
            {"approved_limit": 1},
            {"snapshot_requested_limit": 1},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                request.sudo().write(vals)
