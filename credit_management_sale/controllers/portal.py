from odoo import http
from odoo.addons.sale.controllers.portal import CustomerPortal

from ..models.sale_order import customer_flow


class CreditCustomerPortal(CustomerPortal):
    @http.route()
    def portal_quote_accept(self, *args, **kwargs):
        # The portal confirms as the superuser: the flow, not the user, tells
        # that the customer is confirming (see SaleOrder._credit_orders_for_customer).
        with customer_flow():
            return super().portal_quote_accept(*args, **kwargs)
