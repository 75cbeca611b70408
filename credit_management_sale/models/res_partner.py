from odoo import api, fields, models
from odoo.addons.credit_management.engine import exposure
from odoo.addons.credit_management.models.res_partner import CREDIT_READERS
from odoo.tools import SQL

SALE_LINKED = SQL(
    """EXISTS (SELECT 1 FROM account_move_line line
                 JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = line.id
                WHERE line.move_id = move.id)"""
)


def orders_query(scope):
    """Confirmed orders, what is left to invoice (tax included): ordered or
    delivered quantity (by the product's invoicing policy) less the invoiced
    quantity, drafts included (those count in the draft-invoice bucket), less
    the down payments invoiced and not yet deducted by a final invoice (the
    down-payment invoices count as invoices: counting them in the order too
    would count them twice)."""
    return SQL(
        """
        SELECT 'sale_orders' AS bucket, o.company_id, o.partner_id,
               %(converted)s AS amount
          FROM (SELECT sale.id, sale.company_id, sale.currency_id,
                       partner.commercial_partner_id AS partner_id,
                       SUM(line.price_total / line.product_uom_qty
                           * GREATEST(CASE WHEN template.invoice_policy = 'delivery'
                                           THEN line.qty_delivered ELSE line.product_uom_qty END
                                      - line.qty_invoiced, 0)) AS to_invoice
                  FROM sale_order_line line
                  JOIN sale_order sale ON sale.id = line.order_id
                  JOIN res_partner partner ON partner.id = sale.partner_invoice_id
                  LEFT JOIN product_product product ON product.id = line.product_id
                  LEFT JOIN product_template template ON template.id = product.product_tmpl_id
                 WHERE sale.state = 'sale' AND line.product_uom_qty > 0
                   AND line.display_type IS NULL AND line.is_downpayment IS NOT TRUE
                   AND %(company)s AND %(partner)s
                 GROUP BY sale.id, sale.company_id, sale.currency_id,
                          partner.commercial_partner_id) o
          LEFT JOIN LATERAL (
                SELECT SUM(CASE WHEN move.move_type = 'out_refund' THEN -aml.price_total
                                ELSE aml.price_total END) AS amount
                  FROM sale_order_line dp
                  JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = dp.id
                  JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                  JOIN account_move move ON move.id = aml.move_id
                 WHERE dp.order_id = o.id AND dp.is_downpayment AND move.state != 'cancel'
          ) down ON TRUE
        """,
        converted=scope.convert(
            SQL("GREATEST(o.to_invoice - COALESCE(down.amount, 0), 0)"),
            SQL("o.company_id"),
            SQL("o.currency_id"),
        ),
        company=scope.company_filter(SQL("sale.company_id")),
        partner=scope.commercial_filter(SQL("sale.partner_invoice_id")),
    )


def draft_invoices_query(scope):
    """Draft invoices, counted where the company counts drafts and always
    when they come from confirmed orders (the order no longer counts them)."""
    return exposure.draft_invoices_query(scope, also=SALE_LINKED)


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_exposure_sale_orders = fields.Monetary(
        string="Orders to Invoice",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        groups=CREDIT_READERS,
    )

    @api.model
    def _credit_exposure_buckets(self):
        buckets = [
            exposure.Bucket(b.key, b.label, draft_invoices_query)
            if b.key == "draft_invoices"
            else b
            for b in super()._credit_exposure_buckets()
        ]
        return [
            *buckets,
            exposure.Bucket("sale_orders", self.env._("Orders to invoice"), orders_query),
        ]

    def _credit_flush(self):
        for model in ("sale.order.line", "sale.order", "product.template"):
            self.env[model].flush_model()
        return super()._credit_flush()

    def _credit_set_status(self, row, company):
        result = super()._credit_set_status(row, company)
        self.credit_exposure_sale_orders = row.get("sale_orders") or 0.0
        return result

    def action_credit_open_sale_orders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Orders to Invoice of %s", self.commercial_partner_id.display_name),
            "res_model": "sale.order",
            "view_mode": "list,form",
            "domain": [
                ("partner_invoice_id", "child_of", self.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "sale"),
                ("invoice_status", "!=", "invoiced"),
            ],
        }
