{
    "name": "Factoring Connector",
    "summary": "Factoring contracts, debtor approvals, invoice batches, factor files and API, "
    "assignment notices, factored invoices in credit control",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Credit Suite Team",
    "website": "https://github.com/credit-suite/credit-suite",
    "depends": ["credit_management", "account"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/factoring_connector_security.xml",
        "security/ir.model.access.csv",
        "views/factoring_file_layout_views.xml",
        "views/factoring_contract_views.xml",
        "data/ir_sequence_data.xml",
        "data/factoring_file_layout_data.xml",
        "data/mail_template_data.xml",
        "views/factoring_debtor_approval_views.xml",
        "views/factoring_batch_views.xml",
        "wizard/factoring_approval_import_views.xml",
        "wizard/factoring_batch_reject_views.xml",
        "views/account_move_views.xml",
        "report/report_invoice.xml",
        "views/factoring_menus.xml",
    ],
    "demo": [
        "demo/factoring_demo.xml",
        "demo/factoring_eligible_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "factoring_connector/static/tests/tours/**/*",
        ],
    },
}
