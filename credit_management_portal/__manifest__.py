{
    "name": "Credit Management Portal",
    "summary": "Customers apply for credit from the portal and follow their applications",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Credit Suite Team",
    "website": "https://github.com/credit-suite/credit-suite",
    "depends": ["credit_management", "portal"],
    "data": [
        "security/ir.model.access.csv",
        "security/credit_management_portal_security.xml",
        "data/ir_config_parameter_data.xml",
        "data/mail_template_data.xml",
        "views/credit_limit_request_views.xml",
        "views/credit_portal_templates.xml",
    ],
    "demo": [
        "demo/credit_portal_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "credit_management_portal/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
}
