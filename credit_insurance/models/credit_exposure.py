from odoo import fields, models
from odoo.addons.credit_management.engine import exposure
from odoo.tools import SQL

from ..engine.caps import insured_query


class CreditExposure(models.Model):
    """The insured and uninsured parts of each line of *Credit Exposure*,
    from the same insured amounts that cap the limit."""

    _inherit = "credit.exposure"

    insured_limit = fields.Monetary(
        string="Insured",
        readonly=True,
        help="What the insurers cover: the buyer's covers, else the discretionary limit.",
    )
    exposure_insured = fields.Monetary(string="Insured Exposure", readonly=True)
    exposure_uninsured = fields.Monetary(string="Uninsured Exposure", readonly=True)

    @property
    def _table_query(self):
        base = super()._table_query
        scope = exposure.scope(self.env.companies)
        return SQL(
            """
            SELECT line.*, ins.cap AS insured_limit,
                   LEAST(GREATEST(line.exposure, 0), COALESCE(ins.cap, 0)) AS exposure_insured,
                   GREATEST(line.exposure, 0)
                     - LEAST(GREATEST(line.exposure, 0), COALESCE(ins.cap, 0))
                     AS exposure_uninsured
              FROM (%s) line
              LEFT JOIN (%s) ins
                     ON ins.company_id = line.company_id AND ins.partner_id = line.partner_id
            """,
            base,
            insured_query(scope),
        )
