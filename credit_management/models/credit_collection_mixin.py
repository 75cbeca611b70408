from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import collection


def foreign_items(items, customer, company):
    """The journal items of ``items`` that are not receivables of the
    commercial partner ``customer`` in ``company``."""
    return items.filtered(
        lambda line: (
            line.partner_id.commercial_partner_id != customer
            or line.company_id != company
            or line.account_type != "asset_receivable"
        )
    )


class CreditCollectionArrangement(models.AbstractModel):
    """What promises, payment plans and disputes share: a case, a customer,
    the journal items they cover (which leave dunning while they are active)
    and the payments received on those items."""

    _name = "credit.collection.arrangement"
    _description = "Collection Arrangement"
    _check_company_auto = True
    # Set by each model: its many2many table to the journal items.
    _item_relation = None

    case_id = fields.Many2one(
        "credit.collection.case",
        string="Case",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(related="case_id.user_id", string="Collector")
    date_recorded = fields.Date(
        string="Recorded On", required=True, readonly=True, default=fields.Date.context_today
    )
    note = fields.Text()

    @api.depends("case_id")
    def _compute_partner_id(self):
        for record in self.filtered("case_id"):
            record.partner_id = record.case_id.partner_id

    @api.depends("case_id")
    def _compute_company_id(self):
        for record in self:
            record.company_id = record.case_id.company_id or record.company_id or self.env.company

    def _check_items(self):
        """Items must be the customer's receivables in the record's company;
        each model calls it from its own constraint on ``item_ids``."""
        for record in self:
            customer = record.partner_id.commercial_partner_id
            strangers = foreign_items(record.item_ids, customer, record.company_id)
            if strangers:
                raise ValidationError(
                    self.env._(
                        "%(record)s may only cover receivable items of %(customer)s in "
                        "%(company)s; not %(items)s.",
                        record=record.display_name,
                        customer=customer.display_name,
                        company=record.company_id.name,
                        items=", ".join(strangers.mapped("display_name")),
                    )
                )

    @api.model
    def _prepare_case(self, vals_list):
        """Attaches each new record without a case to its customer's open
        case (opened when there is none)."""
        Case = self.env["credit.collection.case"]
        for vals in vals_list:
            if vals.get("case_id") or not vals.get("partner_id"):
                continue
            partner = self.env["res.partner"].browse(vals["partner_id"])
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            vals["case_id"] = Case._for_partner(partner, company).id

    def _paid_amounts(self):
        """{record id: payments received on its items since it was recorded}."""
        if not self.ids:
            return {}
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move"].flush_model(["origin_payment_id", "statement_line_id"])
        self.flush_recordset()
        rows = self.env.execute_query(
            collection.paid_query(
                self._table, self._item_relation, self._item_column(), self.ids, "date_recorded"
            )
        )
        return dict(rows)

    @api.model
    def _item_column(self):
        return self._fields["item_ids"].column1
