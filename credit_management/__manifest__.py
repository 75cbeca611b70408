{
    "name": "Credit Management",
    "summary": "Credit limits, risk classes, exposure, credit holds, dunning and collections",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Credit Suite Team",
    "website": "https://github.com/credit-suite/credit-suite",
    "depends": ["account", "mail"],
    "data": [
        "security/credit_management_security.xml",
        "security/ir.model.access.csv",
        "views/credit_management_menus.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "credit_management/static/tests/tours/**/*",
        ],
    },
}
