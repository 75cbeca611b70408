from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import dunning


class AccountMove(models.Model):
    """Invoices of reminder charges (fees, interest, compensation posted by
    the dunning run): owed and reminded like any invoice, but they earn no
    interest or compensation of their own. Only the dunning code marks them
    (see ``engine/dunning.py`` ``posting_charges``)."""

    _inherit = "account.move"

    credit_dunning_charges = fields.Boolean(
        string="Reminder Charges",
        readonly=True,
        copy=False,
        help="Charges of a reminder: no late interest or compensation is claimed on them.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        # After create: a default from the context counts too.
        if not dunning.is_posting_charges() and any(moves.mapped("credit_dunning_charges")):
            self._refuse_credit_dunning_charges()
        return moves

    def write(self, vals):
        if "credit_dunning_charges" in vals and not dunning.is_posting_charges():
            self._refuse_credit_dunning_charges()
        return super().write(vals)

    def _refuse_credit_dunning_charges(self):
        raise UserError(self.env._("Only the dunning run marks an invoice as reminder charges."))
