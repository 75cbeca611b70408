from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCreditManagementTour(HttpCase):
    def test_menu_tour(self):
        """An accountant logs in and reaches the credit control menu."""
        self.start_tour("/odoo", "credit_management_menu_tour", login="admin")
