from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Companies installed before get the standard dunning policy too (not
    as their default: their dunning does not change)."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.company"]._credit_install_standard_data()
