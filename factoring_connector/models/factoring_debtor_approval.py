from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class FactoringDebtorApproval(models.Model):
    """The limit a factor grants on one customer: what it takes of that
    customer's documents under the contract, between two dates."""

    _name = "factoring.debtor.approval"
    _description = "Factoring Debtor Approval"
    _order = "contract_id, partner_id, date_start desc, id desc"
    _check_company_auto = True
    _rec_name = "partner_id"

    contract_id = fields.Many2one(
        "factoring.contract",
        string="Contract",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    amount = fields.Monetary(string="Approved Amount", required=True, currency_field="currency_id")
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    date_start = fields.Date(string="From", required=True, default=fields.Date.context_today)
    date_end = fields.Date(string="Until", help="Empty: until the factor changes it.")
    factor_ref = fields.Char(string="Factor's Reference")

    _amount_positive = models.Constraint(
        "CHECK(amount >= 0)", "An approved amount cannot be negative."
    )
    _dates_ordered = models.Constraint(
        "CHECK(date_end IS NULL OR date_end >= date_start)",
        "An approval cannot end before it starts.",
    )

    @api.depends("contract_id")
    def _compute_currency_id(self):
        for approval in self:
            if not approval.currency_id:
                approval.currency_id = approval.contract_id.currency_id

    @api.constrains("partner_id")
    def _check_partner_id(self):
        for approval in self:
            if approval.partner_id != approval.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "The factor approves companies, not their contacts: approve %s instead.",
                        approval.partner_id.commercial_partner_id.display_name,
                    )
                )

    @api.constrains("currency_id", "contract_id")
    def _check_currency_id(self):
        for approval in self:
            if approval.currency_id != approval.contract_id.currency_id:
                raise ValidationError(
                    self.env._(
                        "The approval of %(customer)s is in %(currency)s but contract "
                        "%(contract)s is in %(contract_currency)s: the factor approves in the "
                        "contract's currency.",
                        customer=approval.partner_id.display_name,
                        currency=approval.currency_id.name,
                        contract=approval.contract_id.name,
                        contract_currency=approval.contract_id.currency_id.name,
                    )
                )

    @api.constrains("contract_id", "partner_id", "date_start", "date_end")
    def _check_overlap(self):
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT a.id, b.id FROM factoring_debtor_approval a
                  JOIN factoring_debtor_approval b
                    ON b.contract_id = a.contract_id AND b.partner_id = a.partner_id
                   AND b.id != a.id
                   AND daterange(a.date_start, a.date_end, '[]')
                       && daterange(b.date_start, b.date_end, '[]')
                 WHERE a.id = ANY(%s)
                 LIMIT 1
                """,
                self.ids,
            )
        )
        if rows:
            approval = self.browse(rows[0][0])
            raise ValidationError(
                self.env._(
                    "%(customer)s already has an approval of contract %(contract)s over these "
                    "dates: end it before the new one starts.",
                    customer=approval.partner_id.display_name,
                    contract=approval.contract_id.name,
                )
            )

    @api.model
    def _current_query(self, contract, day):
        """SQL of ``partner_id, amount``: the approval of each customer of
        ``contract`` in force on ``day``."""
        return SQL(
            """
            SELECT partner_id, amount FROM factoring_debtor_approval
             WHERE contract_id = %(contract)s AND date_start <= %(day)s
               AND (date_end IS NULL OR date_end >= %(day)s)
            """,
            contract=contract.id,
            day=day,
        )
