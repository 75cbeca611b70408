from odoo import SUPERUSER_ID, api


def mark_charges(cr):
    """Charges invoices posted by reminders before the update take the mark
    that keeps them from earning interest and compensation of their own."""
    cr.execute(
        """UPDATE account_move SET credit_dunning_charges = TRUE
            WHERE id IN (SELECT charge_move_id FROM credit_dunning_communication
                          WHERE charge_move_id IS NOT NULL)
              AND credit_dunning_charges IS NOT TRUE"""
    )


def migrate(cr, version):
    """Companies installed before get the standard dunning policy too (not
    as their default: their dunning does not change); earlier charges
    invoices are marked as such."""
    if not version:
        return
    mark_charges(cr)
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.company"]._credit_install_standard_data()
