from odoo import api, models

from .credit_collection_stage import CLOSED_TYPES


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # The as-of receivables engine reads the partials dated after a past date.
    _credit_max_date_idx = models.Index("(max_date)")

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._credit_collection_update()
        return partials

    def _credit_collection_update(self):
        """A payment that settles the items of a case closes it at once and
        keeps the promises it fulfils (broken ones wait for the nightly run)."""
        items = self.debit_move_id.filtered(lambda line: line.account_type == "asset_receivable")
        if not items:
            return
        Case = self.env["credit.collection.case"].sudo()
        cases = Case.search([("item_ids", "in", items.ids), ("stage_type", "not in", CLOSED_TYPES)])
        if not cases:
            return
        promises = cases.promise_ids.filtered(lambda p: p.state == "open" and p.item_ids & items)
        promises._decide()
        plans = cases.plan_ids.filtered(lambda p: p.state == "active" and p.item_ids & items)
        plans._decide()
        cases._close_if_settled()
