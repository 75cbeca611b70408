"""Odoo's own account tests, run on the database where the suite is installed.

A representative selection: customer invoices and refunds (every posting goes
through the credit check), payments matched on invoices and partner merges.
Run all of Odoo's account tests with:
``bin/test $ODOO_PATH/addons/account/tests``.
"""

from odoo.addons.account.tests.test_account_move_out_invoice import (
    TestAccountMoveOutInvoiceOnchanges,
)
from odoo.addons.account.tests.test_account_move_out_refund import (
    TestAccountMoveOutRefundOnchanges,
)
from odoo.addons.account.tests.test_account_move_payments_widget import (
    TestAccountMovePaymentsWidget,
)
from odoo.addons.account.tests.test_account_partner import TestAccountPartner

__all__ = [
    "TestAccountMoveOutInvoiceOnchanges",
    "TestAccountMoveOutRefundOnchanges",
    "TestAccountMovePaymentsWidget",
    "TestAccountPartner",
]
