from odoo import api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .factoring_batch import BATCH_ACTION

# Who reads the factoring of an invoice: accounting and credit control.
FACTORING_READERS = (
    "account.group_account_manager,account.group_account_readonly,"
    "credit_management.group_credit_control_user"
)
FACTORING_STATES = [
    ("none", "Not Factored"),
    ("proposed", "In a Batch"),
    ("submitted", "Submitted"),
    ("assigned", "Assigned"),
    ("funded", "Funded"),
    ("rejected", "Rejected by the Factor"),
    ("bought_back", "Bought Back"),
]
MOVE_FIELDS = (
    "factoring_state",
    "factoring_batch_id",
    "factoring_contract_id",
    "factoring_previous_bank_id",
    "factoring_bank_switched",
)
# States in which the factor holds the document.
WITH_FACTOR = ("submitted", "assigned", "funded")


class AccountMove(models.Model):
    _inherit = "account.move"

    factoring_state = fields.Selection(
        selection=FACTORING_STATES,
        string="Factoring",
        default="none",
        readonly=True,
        copy=False,
        index=True,
        groups=FACTORING_READERS,
        help="Where the document stands with the factor; set by the factoring batches only.",
    )
    factoring_batch_id = fields.Many2one(
        "factoring.batch",
        string="Factoring Batch",
        readonly=True,
        copy=False,
        groups=FACTORING_READERS,
    )
    factoring_contract_id = fields.Many2one(
        "factoring.contract",
        string="Factoring Contract",
        readonly=True,
        copy=False,
        groups=FACTORING_READERS,
    )

    factoring_previous_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Bank Account before Factoring",
        readonly=True,
        copy=False,
        groups=FACTORING_READERS,
    )
    factoring_bank_switched = fields.Boolean(readonly=True, copy=False, groups=FACTORING_READERS)
    factoring_transfer_due = fields.Boolean(
        string="Payment to Transfer to the Factor",
        compute="_compute_factoring_transfer_due",
        store=True,
        groups=FACTORING_READERS,
        help="We received a payment on a document the factor holds: it is the factor's money.",
    )

    @api.depends("amount_residual", "factoring_state")
    def _compute_factoring_transfer_due(self):
        held = self.filtered(lambda m: m.factoring_state in WITH_FACTOR)
        (self - held).factoring_transfer_due = False
        if not held:
            return
        transfers = set(
            self.env["factoring.batch.line"]
            .sudo()
            .search([("move_id", "in", held.ids), ("transfer_line_id", "!=", False)])
            .transfer_line_id.ids
        )
        for move in held:
            move.factoring_transfer_due = any(
                aml.id not in transfers for aml in move._factoring_counterparts()
            )

    def _factoring_counterparts(self):
        """Lines reconciled with the document's receivable, but the exchange
        differences Odoo books on its own."""
        receivables = self.line_ids.filtered(lambda aml: aml.account_type == "asset_receivable")
        partials = receivables.matched_debit_ids | receivables.matched_credit_ids
        counterparts = (partials.debit_move_id | partials.credit_move_id) - receivables
        return counterparts.filtered(lambda aml: aml.move_id not in partials.exchange_move_id)

    def _factoring_notice(self):
        """What a notified invoice prints about its factor (read for the
        invoice being printed, whoever prints it): {} when none."""
        self.ensure_one()
        move = self.sudo()
        contract = move.factoring_contract_id
        if contract.mode != "notified" or move.factoring_state not in WITH_FACTOR:
            return {}
        return {
            "notice": contract.with_context(lang=self.env.lang).assignment_notice,
            "factor": contract.factor_id.name,
            "account": contract.factor_bank_id.display_name or "",
        }

    @api.model_create_multi
    def create(self, vals_list):
        if not privilege.has(BATCH_ACTION) and any(
            vals.get(name) not in (None, False, "none")
            for vals in vals_list
            for name in MOVE_FIELDS
        ):
            raise AccessError(self.env._("The factoring of an invoice is set by its batch."))
        return super().create(vals_list)

    def write(self, vals):
        if not privilege.has(BATCH_ACTION) and set(MOVE_FIELDS) & vals.keys():
            raise AccessError(self.env._("The factoring of an invoice is set by its batch."))
        return super().write(vals)

    def _factoring_sync_state(self):
        """Sets the factoring state of these documents from their live batch
        line, in one statement (a batch may hold 10,000 of them)."""
        if not self:
            return
        self.env["factoring.batch.line"].flush_model()
        self.env["factoring.batch"].flush_model(["state"])
        self.env.execute_query(
            SQL(
                """
                UPDATE account_move move
                   SET factoring_state = cur.state, factoring_batch_id = cur.batch_id,
                       factoring_contract_id = cur.contract_id,
                       partner_bank_id = CASE
                            WHEN cur.to_factor THEN cur.factor_bank_id
                            WHEN move.factoring_bank_switched THEN move.factoring_previous_bank_id
                            ELSE move.partner_bank_id END,
                       factoring_previous_bank_id = CASE
                            WHEN cur.to_factor AND move.factoring_bank_switched
                                 THEN move.factoring_previous_bank_id
                            WHEN cur.to_factor THEN move.partner_bank_id END,
                       factoring_bank_switched = cur.to_factor
                  FROM (SELECT m.id, line.batch_id, line.contract_id, state.state,
                               contract.factor_bank_id,
                               COALESCE(contract.mode = 'notified'
                                        AND contract.factor_bank_id IS NOT NULL
                                        AND state.state = ANY(%(with_factor)s), FALSE) AS to_factor
                          FROM unnest(%(ids)s::integer[]) m(id)
                          LEFT JOIN factoring_batch_line line ON line.move_id = m.id AND line.live
                          LEFT JOIN factoring_batch batch ON batch.id = line.batch_id
                          LEFT JOIN factoring_contract contract ON contract.id = line.contract_id
                          CROSS JOIN LATERAL (SELECT CASE
                                WHEN line.id IS NULL AND EXISTS (
                                     SELECT 1 FROM factoring_batch_line gone
                                      WHERE gone.move_id = m.id AND gone.state = 'rejected')
                                     THEN 'rejected'
                                WHEN line.id IS NULL THEN 'none'
                                WHEN line.settle_state = 'bought_back' THEN 'bought_back'
                                WHEN batch.state IN ('draft', 'generated') THEN 'proposed'
                                WHEN batch.state = 'sent' THEN 'submitted'
                                WHEN batch.state = 'funded' THEN 'funded'
                                ELSE 'assigned' END AS state) state) cur
                 WHERE move.id = cur.id
                """,
                ids=list(self.ids),
                with_factor=list(WITH_FACTOR),
            )
        )
        self.invalidate_recordset([*MOVE_FIELDS, "partner_bank_id"])
        self.env.add_to_compute(self._fields["factoring_transfer_due"], self)
