from odoo import fields, models
from odoo.tools import SQL

from .credit_collection_stage import CLOSED_TYPES
from .res_partner import CREDIT_READERS


class ResPartner(models.Model):
    """Collections on the customer: its cases, promises and disputed amount."""

    _inherit = "res.partner"

    credit_case_ids = fields.One2many(
        "credit.collection.case",
        "partner_id",
        string="Collection Cases",
        readonly=True,
        groups=CREDIT_READERS,
    )
    credit_open_case_count = fields.Integer(
        compute="_compute_credit_open_case_count", string="Open Cases", groups=CREDIT_READERS
    )
    credit_disputed_amount = fields.Monetary(
        compute="_compute_credit_disputed_amount",
        string="Disputed",
        currency_field="credit_currency_id",
        help="Part of the open receivables under an open dispute (current company): out of "
        "dunning until the dispute is resolved.",
        groups=CREDIT_READERS,
    )

    def _compute_credit_open_case_count(self):
        counts = dict(
            self.env["credit.collection.case"]._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                    ("stage_type", "not in", CLOSED_TYPES),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.credit_open_case_count = counts.get(partner.commercial_partner_id, 0)

    def _compute_credit_disputed_amount(self):
        disputed = self._credit_disputed_amounts(self.env.company, self.commercial_partner_id.ids)
        for partner in self:
            partner.credit_disputed_amount = disputed.get(partner.commercial_partner_id.id, 0.0)

    def _credit_disputed_amounts(self, company, partner_ids):
        """{commercial partner id: residual of its items under open disputes}."""
        if not partner_ids:
            return {}
        self.env["credit.collection.dispute"].flush_model()
        self.env["account.move.line"].flush_model(["amount_residual"])
        rows = self.env.execute_query(
            SQL(
                """SELECT d.partner_id, SUM(aml.amount_residual)
                     FROM credit_collection_dispute d
                     JOIN credit_collection_dispute_item_rel rel ON rel.dispute_id = d.id
                     JOIN account_move_line aml ON aml.id = rel.move_line_id
                    WHERE d.state = 'open' AND d.company_id = %s AND d.partner_id IN %s
                    GROUP BY d.partner_id""",
                company.id,
                tuple(partner_ids),
            )
        )
        return dict(rows)

    def action_credit_open_case(self):
        """The customer's open collection case (opened if there is none)."""
        self.ensure_one()
        case = self.env["credit.collection.case"]._for_partner(self, self.env.company)
        return {
            "type": "ir.actions.act_window",
            "res_model": case._name,
            "res_id": case.id,
            "view_mode": "form",
        }

    def action_credit_open_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "credit_management.credit_collection_case_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_credit_new_promise(self):
        self.ensure_one()
        return self.env["credit.collection.promise"]._form_action(
            {
                "default_partner_id": self.commercial_partner_id.id,
                "default_company_id": self.env.company.id,
            }
        )
