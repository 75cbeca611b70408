{
    "name": "Credit Management for Sales",
    "summary": "Confirmed uninvoiced orders count in credit exposure; order confirmation is "
    "checked against available credit",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Credit Suite Team",
    "website": "https://github.com/credit-suite/credit-suite",
    "depends": ["credit_management", "sale"],
    "data": [
        "data/mail_activity_type_data.xml",
        "views/sale_order_views.xml",
        "views/sale_portal_templates.xml",
        "views/credit_exposure_views.xml",
    ],
    "auto_install": True,
}
