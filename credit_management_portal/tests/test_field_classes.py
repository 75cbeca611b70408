"""Every field credit_management_portal defines or extends is classified (see
credit_management's test_access_guards for the classes)."""

from odoo.addons.credit_management.tests.common import CreditCommon
from odoo.addons.credit_management.tests.test_access_guards import (
    ACTION,
    DATA,
    FieldClassification,
)
from odoo.tests import tagged

FIELD_CLASSES = {
    "credit.limit.request": {
        # What the customer (or credit control, while the request waits) says
        # about the company; readable by the customer's portal users.
        DATA: "application_bank_reference application_company_registry application_country_id "
        "application_legal_name application_monthly_purchases application_payment_term_id "
        "application_trade_references application_vat application_years_in_business",
        # Set by the portal controller only.
        ACTION: "origin",
    },
}


@tagged("post_install", "-at_install")
class TestPortalFieldClassification(FieldClassification, CreditCommon):
    suite_modules = ("credit_management_portal",)
    field_classes = FIELD_CLASSES
