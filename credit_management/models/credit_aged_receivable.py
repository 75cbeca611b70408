from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine import privilege, receivables

# Bucket columns: amount_0 is "not due", amount_1 … amount_7 the overdue ones.
BUCKET_FIELDS = [f"amount_{n}" for n in range(receivables.MAX_BOUNDS + 2)]


class AgedReportRows(models.AbstractModel):
    """The rows of an aged receivables report are computed from the journal
    (in SQL); nobody edits them, their author included: a printed report
    shows the ledger, not figures typed in."""

    _name = "credit.aged.receivable.rows"
    _description = "Aged Receivables: Computed Rows"

    @api.model_create_multi
    def create(self, vals_list):
        if not privilege.has(privilege.AGED_REPORT):
            raise AccessError(self.env._("The rows of an aged receivables report are computed."))
        return super().create(vals_list)

    def write(self, vals):
        if not privilege.has(privilege.AGED_REPORT):
            raise AccessError(self.env._("The rows of an aged receivables report are computed."))
        return super().write(vals)


class CreditAgedReceivable(models.TransientModel):
    """One customer of an aged receivables report (see the wizard)."""

    _name = "credit.aged.receivable"
    _inherit = ["credit.aged.receivable.rows"]
    _description = "Aged Receivables: Customer"
    _order = "company_id, total desc, id"

    wizard_id = fields.Many2one(
        "credit.aged.receivable.wizard", required=True, ondelete="cascade", index=True
    )
    date = fields.Date(related="wizard_id.date")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, help="Empty: items without a partner."
    )
    item_count = fields.Integer(string="Items", readonly=True)
    total = fields.Monetary(readonly=True)
    amount_0 = fields.Monetary(string="Not Due", readonly=True)
    amount_1 = fields.Monetary(string="Period 1", readonly=True)
    amount_2 = fields.Monetary(string="Period 2", readonly=True)
    amount_3 = fields.Monetary(string="Period 3", readonly=True)
    amount_4 = fields.Monetary(string="Period 4", readonly=True)
    amount_5 = fields.Monetary(string="Period 5", readonly=True)
    amount_6 = fields.Monetary(string="Period 6", readonly=True)
    amount_7 = fields.Monetary(string="Period 7", readonly=True)
    item_ids = fields.One2many("credit.aged.receivable.item", "line_id", string="Open Items")
    items_loaded = fields.Boolean(readonly=True)

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """Bucket columns titled after the report's buckets (the action's
        context carries them)."""
        result = super().fields_get(allfields, attributes)
        labels = self.env.context.get("credit_aging_labels") or []
        for name, label in zip(BUCKET_FIELDS, labels, strict=False):
            if name in result and "string" in result[name]:
                result[name]["string"] = label
        return result

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "list":
            # Only the report's buckets are shown; the context gives their number.
            for index, name in enumerate(BUCKET_FIELDS):
                for node in arch.xpath(f"//field[@name='{name}']"):
                    node.set(
                        "column_invisible", f"context.get('credit_aging_columns', 6) <= {index}"
                    )
        return arch, view

    def action_open_items(self):
        """The customer's open items on the report's date."""
        self.ensure_one()
        self._load_items()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Open items of %(customer)s on %(date)s",
                customer=self.partner_id.display_name or self.env._("no partner"),
                date=self.date,
            ),
            "res_model": "credit.aged.receivable.item",
            "view_mode": "list",
            "domain": [("line_id", "=", self.id)],
            "context": {"credit_aging_labels": self.wizard_id._bucket_labels()},
        }

    def _load_items(self):
        for line in self.filtered(lambda line: not line.items_loaded):
            line.wizard_id._insert_items(line)
            with privilege.granted(privilege.AGED_REPORT):
                line.items_loaded = True


class CreditAgedReceivableItem(models.TransientModel):
    """One open item of a customer of an aged receivables report."""

    _name = "credit.aged.receivable.item"
    _inherit = ["credit.aged.receivable.rows"]
    _description = "Aged Receivables: Open Item"
    _order = "date_maturity, id"

    line_id = fields.Many2one(
        "credit.aged.receivable", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    move_line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True)
    move_id = fields.Many2one("account.move", string="Entry", readonly=True)
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    invoice_date = fields.Date(readonly=True)
    days = fields.Integer(
        string="Age (Days)", readonly=True, help="Days since the due date (or invoice date)."
    )
    bucket = fields.Integer(string="Bucket Number", readonly=True)
    bucket_label = fields.Char(string="Bucket", compute="_compute_bucket_label")
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    residual_currency = fields.Monetary(
        string="Open in Currency", currency_field="currency_id", readonly=True
    )
    residual = fields.Monetary(string="Open", currency_field="company_currency_id", readonly=True)

    def _compute_bucket_label(self):
        for item in self:
            labels = item.line_id.wizard_id._bucket_labels()
            item.bucket_label = labels[item.bucket] if item.bucket < len(labels) else ""

    def action_open_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }
