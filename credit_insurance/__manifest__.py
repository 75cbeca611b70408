{
    "name": "Credit Insurance",
    "summary": "Trade credit insurers: buyers, covers and decisions, insured exposure, "
    "the cover as a cap on the credit limit",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Credit Suite Team",
    "website": "https://github.com/credit-suite/credit-suite",
    "depends": ["credit_management"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/credit_insurance_security.xml",
        "security/ir.model.access.csv",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "views/credit_insurance_backend_views.xml",
        "views/credit_insurance_policy_views.xml",
        "views/credit_insurance_buyer_views.xml",
        "views/credit_insurance_cover_views.xml",
        "views/credit_insurance_request_log_views.xml",
        "views/credit_limit_request_views.xml",
        "views/res_partner_views.xml",
        "views/credit_exposure_views.xml",
        "wizard/credit_insurance_cover_request_views.xml",
        "views/credit_insurance_menus.xml",
    ],
    "demo": [
        "demo/credit_insurance_demo.xml",
        "demo/credit_insurance_cover_states_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "credit_insurance/static/tests/tours/**/*",
        ],
    },
}
