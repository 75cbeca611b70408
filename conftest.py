"""Suite-wide pytest rules.

Odoo-backed tests are never skipped: Odoo's HttpCase skips a tour when no
browser is found, and that must fail the run instead of hiding the tour.
"""

import pytest

OWN_PATHS = (
    "credit_management/",
    "credit_management_sale/",
    "credit_management_spreadsheet_dashboard/",
    "credit_management_portal/",
    "credit_insurance/",
    "factoring_connector/",
    "tests/",
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.nodeid.startswith(OWN_PATHS):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Test was skipped, which this suite does not allow: {reason}"
