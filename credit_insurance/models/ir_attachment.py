import base64

from odoo import api, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import UserError

from .credit_insurance_filing_mixin import FILING

CLAIM = "credit.insurance.claim"
# Values Odoo itself derives and writes on any attachment (a sharing token,
# a PDF preview): they leave the document as it is.
DERIVED_FIELDS = frozenset({"access_token", "thumbnail"})


class IrAttachment(models.Model):
    """The documents of a claim sent to the insurer are the evidence it
    received: once the claim leaves draft, none is added to it, changed,
    moved or deleted, whoever asks (the chatter and the mail gateway write
    attachments as the superuser)."""

    _inherit = "ir.attachment"

    @api.model_create_multi
    def create(self, vals_list):
        context = self.env.context
        self._check_claims_open(
            (
                vals.get("res_model", context.get("default_res_model")),
                vals.get("res_id", context.get("default_res_id")),
            )
            for vals in vals_list
        )
        return super().create(vals_list)

    def write(self, vals):
        if self._changes_document(vals):
            self.check_access("write")  # a stranger learns nothing of the claim
            links = set()
            # Read as the system: only the links are read, to refuse.
            for attachment in self.sudo():
                links.add((attachment.res_model, attachment.res_id))
                links.add(
                    (
                        vals.get("res_model", attachment.res_model),
                        vals.get("res_id", attachment.res_id),
                    )
                )
            self._check_claims_open(links)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent_claim(self):
        self._check_claims_open((a.res_model, a.res_id) for a in self.sudo())

    def _changes_document(self, vals):
        """Whether ``vals`` change these attachments: the same content
        written again (moving the file storage does) changes nothing."""
        for name, value in vals.items():
            if name in DERIVED_FIELDS:
                continue
            if name in ("raw", "datas"):
                raw = base64.b64decode(value or b"") if name == "datas" else value or b""
                raw = raw.encode() if isinstance(raw, str) else raw
                checksum = self._compute_checksum(raw)
                if any(attachment.checksum != checksum for attachment in self.sudo()):
                    return True
            elif name == "mimetype":
                if any(attachment.mimetype != value for attachment in self.sudo()):
                    return True
            else:
                return True
        return False

    @api.model
    def _check_claims_open(self, links):
        """Refuses when one of the ``(res_model, res_id)`` links is a claim
        no longer in draft (the claim's own actions excepted)."""
        if privilege.has(FILING) or privilege.loading_data(self.env):
            return
        claim_ids = {res_id for model, res_id in links if model == CLAIM and res_id}
        if not claim_ids:
            return
        sent = (
            self.env[CLAIM].sudo().browse(claim_ids).exists().filtered(lambda c: c.state != "draft")
        )
        if sent:
            raise UserError(
                self.env._(
                    "%s went to the insurer with its documents: they are kept as sent, none may "
                    "be added, changed or deleted.",
                    ", ".join(sent.mapped("name")),
                )
            )
