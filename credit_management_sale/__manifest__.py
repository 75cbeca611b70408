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
        "views/sale_order_views.xml",
        "views/credit_exposure_views.xml",
    ],
    "auto_install": True,
}
