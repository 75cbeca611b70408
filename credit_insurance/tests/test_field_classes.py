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
        "credit_exposure_uninsured",
    },
    "credit.exposure": {COMPUTED: "insured_limit exposure_insured exposure_uninsured"},
    "credit.limit.request": {
        # Chosen by the requester; the cover is linked by asking the insurer.
        DATA: "insurance_policy_id",
        ACTION: "insurance_cover_id",
        COMPUTED: "insurance_state insurance_currency_id insurance_amount",
    },
    "credit.insurance.backend": {
        # Managers configure insurers; secrets and the token for administrators.
        DATA: "name active company_id kind base_url timeout max_retries retry_backoff "
        "poll_attempts poll_interval user_id policy_ids",
        GUARDED: "api_key client_id client_secret app_key webhook_secret token token_expiry",
        VIEW_READONLY: "last_sync",
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
        "declaration_periodicity shortfall_action cover_ids",
    },
    "credit.insurance.buyer": {
        # Managers resolve matches by hand; the rest comes from the insurer.
        DATA: "backend_id partner_id insurer_ref match_state cover_ids",
        VIEW_READONLY: "candidates legal_id country_id",
        COMPUTED: "company_id",
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
        "insurer_ref job_id applied superseded",
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
    "credit.insurance.cover.request": {
        TECHNICAL: "partner_id company_id policy_id kind amount request_key",
        COMPUTED: "currency_id current_cover_id current_amount current_state",
    },
}


@tagged("post_install", "-at_install")
class TestInsuranceFieldClassification(FieldClassification, CreditCommon):
    suite_modules = ("credit_insurance",)
    field_classes = FIELD_CLASSES
