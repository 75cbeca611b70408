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
]
MOVE_FIELDS = ("factoring_state", "factoring_batch_id", "factoring_contract_id")


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
                       factoring_contract_id = cur.contract_id
                  FROM (SELECT m.id, line.batch_id, line.contract_id,
                               CASE WHEN line.id IS NULL AND EXISTS (
                                         SELECT 1 FROM factoring_batch_line gone
                                          WHERE gone.move_id = m.id AND gone.state = 'rejected')
                                         THEN 'rejected'
                                    WHEN line.id IS NULL THEN 'none'
                                    WHEN batch.state IN ('draft', 'generated') THEN 'proposed'
                                    WHEN batch.state = 'sent' THEN 'submitted'
                                    WHEN batch.state = 'funded' THEN 'funded'
                                    ELSE 'assigned' END AS state
                          FROM unnest(%s::integer[]) m(id)
                          LEFT JOIN factoring_batch_line line ON line.move_id = m.id AND line.live
                          LEFT JOIN factoring_batch batch ON batch.id = line.batch_id) cur
                 WHERE move.id = cur.id
                """,
                list(self.ids),
            )
        )
        self.invalidate_recordset(list(MOVE_FIELDS))
