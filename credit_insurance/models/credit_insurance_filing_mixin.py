from odoo import api, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import AccessError, UserError

from ..adapters import InsurerError

USER_GROUP = "credit_management.group_credit_control_user"
# Granted by the declaration and claim actions to the code they run (see
# credit_management's engine/privilege.py): states, figures sent, the
# insurer's answers.
FILING = "insurance_filing"


class CreditInsuranceFilingMixin(models.AbstractModel):
    """What turnover declarations and claims share: fields only their
    actions write (``_filing_action_fields``), credit control as the only
    sender, and the insurer's refusals turned into clear messages."""

    _name = "credit.insurance.filing.mixin"
    _description = "Insurer Filing"

    # Set by each model: fields refused in create/write outside its actions.
    _filing_action_fields = frozenset()
    # Values an action field may have on a new record (its default).
    _filing_defaults = {"state": "draft"}

    @api.model
    def _filing_privileged(self):
        return privilege.has(FILING) or privilege.loading_data(self.env)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        # Checked after create: defaults of the context and the user count too.
        if not self._filing_privileged():
            for record in records:
                forged = [
                    name
                    for name in self._filing_action_fields
                    if record[name] and record[name] != self._filing_defaults.get(name)
                ]
                if forged:
                    raise AccessError(record._forged_message(forged))
        return records

    def write(self, vals):
        forged = self._filing_action_fields.intersection(vals)
        if forged and not self._filing_privileged():
            raise AccessError(self._forged_message(forged))
        return super().write(vals)

    def _forged_message(self, names):
        return self.env._(
            "Only the actions of a %(model)s change these fields: %(fields)s",
            model=self._description,
            fields=", ".join(
                sorted(self._fields[name]._description_string(self.env) for name in names)
            ),
        )

    @api.model
    def _check_credit_user(self):
        if not (self.env.su or self.env.user.has_group(USER_GROUP)):
            raise AccessError(self.env._("Only credit control can do this."))

    def _insurer_call(self, operation):
        """Runs ``operation(adapter)`` for this record's insurer and policy;
        a refusal becomes a clear message and the transaction writes
        nothing (the request log is kept on a cursor of its own)."""
        self.ensure_one()
        backend = self.policy_id.backend_id
        self.env.flush_all()
        try:
            return operation(backend._adapter(self.policy_id))
        except InsurerError as error:
            raise UserError(self._refusal_message(backend, error)) from None

    def _refusal_message(self, backend, error):
        messages = {
            "already_declared": self.env._(
                "%(insurer)s already has a declaration for this period (%(detail)s): correct the "
                "declaration sent instead of sending a second one.",
                insurer=backend.name,
                detail=error.detail,
            ),
            "period_open": self.env._(
                "%(insurer)s accepts declarations of ended periods only (%(detail)s).",
                insurer=backend.name,
                detail=error.detail,
            ),
            "no_cover": self.env._(
                "%(insurer)s has no cover in force for this buyer, so it takes no claim on it "
                "(%(detail)s).",
                insurer=backend.name,
                detail=error.detail,
            ),
            "claim_exists": self.env._(
                "%(insurer)s already has a claim on some of these invoices (%(detail)s).",
                insurer=backend.name,
                detail=error.detail,
            ),
        }
        return messages.get(error.code) or backend._error_message(error)

    def _filing_ref(self):
        """The key sent with the filing, so that it is never filed twice."""
        self.ensure_one()
        return f"{self._name.replace('.', '-')}-{self.id}-{self.env.cr.dbname}"
