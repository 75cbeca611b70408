from odoo import api, fields, models
from odoo.tools import SQL

ADMIN = "base.group_system"


class CreditInsuranceBackendSession(models.Model):
    """The token and the lockout of an insurer backend, one row per backend.

    Written only by the insurer calls, on a cursor of their own committed at
    once (a token and a lockout outlive the caller's transaction, which a
    refusal rolls back). They live apart from the backend's row because the
    caller's transaction writes that row (the last synchronisation): Odoo's
    transactions are REPEATABLE READ, so a row committed by the side cursor
    and then updated by the caller fails to serialize. Nothing but the
    insurer calls and the administrator's unlock writes here."""

    _name = "credit.insurance.backend.session"
    _description = "Credit Insurer Session"
    _rec_name = "backend_id"

    backend_id = fields.Many2one(
        "credit.insurance.backend", string="Insurer", required=True, ondelete="cascade"
    )
    token = fields.Char(groups=ADMIN, readonly=True)
    token_expiry = fields.Datetime(groups=ADMIN, readonly=True)
    locked = fields.Boolean(readonly=True)
    locked_reason = fields.Char(readonly=True)
    login_failures = fields.Integer(readonly=True)

    _backend_uniq = models.Constraint("UNIQUE(backend_id)", "An insurer has one session.")

    @api.model
    def _of(self, backend_ids):
        """The sessions of ``backend_ids``, made when missing (an insert
        that two insurer calls may race for: the second keeps the first's)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO credit_insurance_backend_session
                       (backend_id, login_failures, create_uid, create_date, write_uid, write_date)
                SELECT b.id, 0, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s,
                       now() AT TIME ZONE 'UTC'
                  FROM credit_insurance_backend b
                 WHERE b.id = ANY(%(ids)s)
                    ON CONFLICT (backend_id) DO NOTHING
                """,
                uid=self.env.uid,
                ids=list(backend_ids),
            )
        )
        return self.search([("backend_id", "in", list(backend_ids))])
