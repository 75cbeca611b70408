"""Odoo's own sale credit-limit tests, run with the suite installed: its yellow
warning and ``credit_to_invoice`` keep working beside our exposure."""

from odoo.addons.sale.tests.test_credit_limit import TestSaleOrderCreditLimit

__all__ = ["TestSaleOrderCreditLimit"]
