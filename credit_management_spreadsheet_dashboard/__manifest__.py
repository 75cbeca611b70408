{
    "name": "Credit Management Dashboard",
    "summary": "Credit Control dashboard in the Dashboards app: DSO, CEI, overdue ratio, "
    "aging, top overdue customers and broken promises",
    "version": "19.0.1.0.0",
    "category": "Productivity/Dashboard",
    "license": "LGPL-3",
    "author": "Credit Suite Team",
    "website": "https://github.com/credit-suite/credit-suite",
    "depends": ["credit_management", "spreadsheet_dashboard"],
    "data": [
        "data/spreadsheet_dashboard_data.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "credit_management_spreadsheet_dashboard/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
}
