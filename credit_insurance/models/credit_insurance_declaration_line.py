from odoo import api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import AccessError, UserError

from .credit_insurance_filing_mixin import FILING


class CreditInsuranceDeclarationLine(models.Model):
    """The turnover of one buyer country in a declaration. Written by the
    declaration's computation only, and never once the declaration is sent."""

    _name = "credit.insurance.declaration.line"
    _description = "Turnover Declaration Line"
    _order = "declaration_id, country_id"

    declaration_id = fields.Many2one(
        "credit.insurance.declaration", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="declaration_id.currency_id")
    country_id = fields.Many2one("res.country", string="Buyer Country")
    invoice_count = fields.Integer(string="Invoices")
    credit_note_count = fields.Integer(string="Credit Notes")
    amount_invoiced = fields.Monetary(string="Invoiced")
    amount_credited = fields.Monetary(string="Credited")
    amount = fields.Monetary(
        string="Turnover", compute="_compute_amount", store=True, help="Invoiced less credited."
    )
    is_nil = fields.Boolean(string="Nil", compute="_compute_amount", store=True)

    @api.depends("amount_invoiced", "amount_credited", "invoice_count", "credit_note_count")
    def _compute_amount(self):
        for line in self:
            line.amount = line.amount_invoiced - line.amount_credited
            line.is_nil = not (line.invoice_count or line.credit_note_count)

    def _check_writable(self, declarations):
        if privilege.loading_data(self.env):
            return
        if not privilege.has(FILING):
            raise AccessError(
                self.env._("The figures of a declaration come from its computation only.")
            )
        if any(state not in ("draft", False) for state in declarations.mapped("state")):
            raise UserError(self.env._("The figures of a declaration sent are kept as sent."))

    @api.model_create_multi
    def create(self, vals_list):
        declarations = self.env["credit.insurance.declaration"].browse(
            {vals.get("declaration_id") for vals in vals_list if vals.get("declaration_id")}
        )
        self._check_writable(declarations)
        return super().create(vals_list)

    def write(self, vals):
        self._check_writable(self.declaration_id)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_with_draft_only(self):
        self._check_writable(self.declaration_id)
