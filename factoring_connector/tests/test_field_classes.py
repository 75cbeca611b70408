"""Every field factoring_connector defines or extends is classified (see
credit_management's test_access_guards for the classes)."""

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

from .common import FactoringCommon

FIELD_CLASSES = {
    "factoring.contract": {
        # Configuration: accounting and credit control managers only (access rights).
        DATA: "name reference client_code active company_id factor_id mode recourse currency_id "
        "advance_percent reserve_percent service_fee_percent discount_rate_daily batch_fee "
        "recourse_days journal_id funding_journal_id factor_receivable_account_id "
        "reserve_account_id fee_account_id fee_tax_ids factor_bank_id assignment_notice "
        "customer_ids "
        "risk_class_ids country_ids currency_ids min_amount max_age_days exclude_disputed "
        "exclude_in_case approval_required approval_ids layout_id transport api_url "
        "api_timeout api_max_retries api_backoff",
        GUARDED: "api_key",
        COMPUTED: "approval_count",
    },
    "factoring.debtor.approval": {
        DATA: "contract_id partner_id amount currency_id date_start date_end factor_ref",
        COMPUTED: "company_id",
    },
    "factoring.batch": {
        DATA: "contract_id date note",
        VIEW_READONLY: "name",
        # Refused in create/write outside the batch actions (privilege BATCH_ACTION).
        ACTION: "state line_ids control_total control_count idempotency_key factor_ref "
        "date_generated date_sent date_acknowledged date_funded transfer_move_id "
        "funding_move_id fee_bill_id advance_payment_id entry_ids",
        TECHNICAL: "attachment_ids",
        COMPUTED: "company_id currency_id line_count total_amount rejected_count entry_count",
    },
    "factoring.file.layout": {
        DATA: "name code active company_id kind record_length separator header_row invoice_code "
        "refund_code file_extension field_ids",
    },
    "factoring.file.layout.field": {
        DATA: "layout_id record_type name position width pad align source constant date_format",
    },
    "factoring.batch.line": {
        ACTION: "batch_id contract_id company_id move_id partner_id move_type currency_id amount "
        "balance state live reject_reason settle_state date_funded date_settled "
        "transfer_line_id reserve_line_id return_line_id transferred_amount reserve_amount "
        "discount_fee",
        COMPUTED: "company_currency_id invoice_date invoice_date_due",
    },
    "res.partner": {GUARDED: "credit_exposure_factored credit_factored_without_recourse"},
    "account.move": {
        # groups= accounting and credit control; written by the batch actions only.
        ACTION: "factoring_state factoring_batch_id factoring_contract_id "
        "factoring_previous_bank_id factoring_bank_switched",
        COMPUTED: "factoring_transfer_due",
    },
    "factoring.approval.import": {
        TECHNICAL: "contract_id file filename decimal_separator state line_ids",
        COMPUTED: "error_count valid_count",
    },
    "factoring.statement": {
        DATA: "reference date period_start period_end accept_differences note",
        # Refused in create/write outside the import and the actions (STATEMENT_ACTION).
        ACTION: "contract_id state file filename checksum line_ids date_reconciled "
        "reconciled_by_id",
        COMPUTED: "company_id currency_id line_count matched_count difference_count "
        "total_payment total_fee total_advance total_reserve total_recourse total_other "
        "total_difference",
    },
    "factoring.statement.line": {
        # From the file, then the matching and the reconciliation (STATEMENT_ACTION).
        ACTION: "statement_id sequence date kind document_number factor_ref debtor_name label "
        "amount batch_line_id expected_amount match_state difference reconciled",
        COMPUTED: "company_id contract_id currency_id statement_state move_id partner_id "
        "batch_id match_note",
    },
    "factoring.statement.import": {
        TECHNICAL: "contract_id file filename reference date decimal_separator",
    },
    "factoring.approval.import.line": {
        TECHNICAL: "import_id row key partner_id amount_text amount date_start date_end "
        "factor_ref error",
    },
    # The reject wizard: senders only (access rights), checked again when confirmed.
    "factoring.batch.reject": {
        TECHNICAL: "batch_id line_ids reason",
        COMPUTED: "batch_state",
    },
}


@tagged("post_install", "-at_install")
class TestFactoringFieldClassification(FieldClassification, FactoringCommon):
    suite_modules = ("factoring_connector",)
    field_classes = FIELD_CLASSES
