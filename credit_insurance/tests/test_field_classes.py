"""Every field credit_insurance defines or extends is classified (see
credit_management's test_access_guards for the classes)."""

from odoo.addons.credit_management.tests.common import CreditCommon
from odoo.addons.credit_management.tests.test_access_guards import (
    ACTION,
    COMPUTED,
    DATA,
    GUARDED,
    TECHNICAL,
    VIEW_READONLY,
    FieldClassification,
)
from odoo.tests import tagged

FIELD_CLASSES = {
    "res.partner": {
        GUARDED: "credit_insurance_cover_ids credit_insured_limit credit_exposure_insured "
        "credit_exposure_uninsured credit_insurance_claim_count",
    },
    "credit.exposure": {COMPUTED: "insured_limit exposure_insured exposure_uninsured"},
    "credit.limit.request": {
        # Chosen by the requester; the cover is linked by asking the insurer.
        DATA: "insurance_policy_id",
        ACTION: "insurance_cover_id",
        COMPUTED: "insurance_state insurance_currency_id insurance_amount",
    },
    "credit.insurance.backend": {
        # Managers configure insurers (and how a file insurer's lists read);
        # secrets and the token for administrators.
        DATA: "name active company_id kind base_url timeout max_retries retry_backoff "
        "poll_attempts poll_interval user_id policy_ids file_delimiter file_encoding "
        "file_decimal file_day_first file_col_buyer_ref file_col_legal_id file_col_country "
        "file_col_policy file_col_decision file_col_amount file_col_currency "
        "file_col_effective_date file_col_expiry_date file_col_conditions file_col_reference "
        "file_format",
        GUARDED: "api_key client_id client_secret app_key webhook_secret token token_expiry",
        # Noted by the daily synchronisation only.
        ACTION: "sync_error last_sync",
        # Shown from the insurer's session.
        COMPUTED: "locked locked_reason login_failures",
    },
    "credit.insurance.backend.session": {
        # Written only by the insurer calls (own cursor) and the unlock;
        # administrators read it, nobody writes it.
        GUARDED: "token token_expiry",
        ACTION: "backend_id locked locked_reason login_failures",
    },
    "credit.insurance.policy": {
        DATA: "name insurer_ref active backend_id company_id currency_id date_start date_end "
        "indemnity_percent country_ids max_credit_days max_extension_days overdue_notice_days "
        "waiting_period_days discretionary_limit discretionary_conditions "
        "declaration_periodicity shortfall_action cover_ids overdue_deadline_basis "
        "overdue_alert_days overdue_user_id overdue_dunning overdue_mep_action "
        "declaration_deadline_days declaration_tax_included declaration_scope declaration_ids "
        "claim_ids",
        COMPUTED: "overdue_count declaration_count claim_count",
    },
    "credit.insurance.buyer": {
        # Managers resolve matches by hand; the rest comes from the insurer.
        DATA: "backend_id partner_id insurer_ref match_state cover_ids",
        VIEW_READONLY: "candidates legal_id country_id",
        # Decisions of a limit list held until the buyer is resolved.
        ACTION: "held_decisions",
        COMPUTED: "company_id held_count",
    },
    "credit.insurance.cover": {
        # Nobody writes covers: only the insurer's answers, through the code.
        ACTION: "policy_id buyer_id currency_id amount requested_amount state pending "
        "insurer_ref job_id decision_date effective_date expiry_date conditions event_ids",
        COMPUTED: "name backend_id company_id partner_id",
    },
    "credit.insurance.cover.event": {
        ACTION: "cover_id source request_kind answer currency_id requested_amount amount "
        "decision_date effective_date expiry_date conditions raw_answer request_key "
        "insurer_ref job_id applied superseded sent_date request_file_id",
        COMPUTED: "company_id partner_id request_code answer_code",
    },
    "credit.insurance.request.log": {
        TECHNICAL: "backend_id company_id method url status_code duration_ms request_body "
        "response_body error",
    },
    "credit.insurance.webhook.event": {
        TECHNICAL: "backend_id event_id event_type payload state note",
        COMPUTED: "company_id",
    },
    "credit.insurance.limit.import": {
        TECHNICAL: "backend_id file filename",
        COMPUTED: "company_id",
    },
    "credit.insurance.overdue": {
        # The worklist: written by its SQL refresh and the nightly run only.
        ACTION: "policy_id backend_id company_id buyer_id partner_id move_line_id move_id "
        "currency_id date_maturity date_due date_mep deadline amount_residual "
        "amount_residual_currency state alert_date late_date mep_action_date notice_ids",
        COMPUTED: "company_currency_id days_overdue days_left notice_count",
    },
    "credit.insurance.overdue.notice": {
        DATA: "overdue_id kind amount new_due_date note",
        ACTION: "state request_key sent_date sent_by_id sent_late answer_date insurer_ref "
        "job_id message raw_answer attachment_id due_date currency_id",
        COMPUTED: "name kind_code policy_id backend_id backend_kind company_id partner_id "
        "move_line_id move_id deadline",
    },
    "credit.insurance.overdue.answer": {TECHNICAL: "notice_id state reference date message"},
    "credit.insurance.declaration": {
        DATA: "policy_id date_start date_end note",
        ACTION: "state line_ids tax_included scope date_computed date_sent user_sent_id "
        "date_answer insurer_ref insurer_message raw_answer correction_of_id correction_ids",
        COMPUTED: "name backend_id backend_kind company_id currency_id date_deadline "
        "amount_total invoice_count credit_note_count is_nil",
    },
    "credit.insurance.declaration.line": {
        ACTION: "declaration_id country_id invoice_count credit_note_count amount_invoiced "
        "amount_credited",
        COMPUTED: "company_id currency_id amount is_nil",
    },
    "credit.insurance.claim": {
        DATA: "policy_id partner_id item_ids case_id note",
        VIEW_READONLY: "name",
        ACTION: "state amount_claimed cover_limit amount_covered indemnity_percent "
        "amount_insured amount_paid date_paid date_submitted user_submitted_id "
        "date_acknowledged date_review date_decision insurer_ref insurer_message raw_answer "
        "sent_document_ids",
        COMPUTED: "backend_id backend_kind company_id currency_id buyer_id cover_id "
        "document_ids document_count",
    },
    "credit.insurance.claim.answer": {
        DATA: "answer message amount date",
        TECHNICAL: "claim_id",
        COMPUTED: "currency_id",
    },
    "credit.insurance.cover.request": {
        TECHNICAL: "partner_id company_id policy_id kind amount request_key",
        COMPUTED: "currency_id current_cover_id current_amount current_state",
    },
}


@tagged("post_install", "-at_install")
class TestInsuranceFieldClassification(FieldClassification, CreditCommon):
    suite_modules = ("credit_insurance",)
    field_classes = FIELD_CLASSES
