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
    """The documents sent with a claim are the evidence the insurer
    received: once sent, none is changed, moved or deleted, whoever asks
    (the chatter and the mail gateway write attachments as the superuser).
    What comes after (the insurer's letters and e-mails, notes) is added to
    the claim as to any record."""

    _inherit = "ir.attachment"

    def write(self, vals):
        if self._changes_document(vals):
            self.check_access("write")  # a stranger learns nothing of the claim
            self._check_not_sent()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent_claim(self):
        self._check_not_sent()

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

    def _check_not_sent(self):
        """Refuses when one of these attachments went to the insurer with a
        claim (the claim's own actions excepted)."""
        if privilege.has(FILING) or privilege.loading_data(self.env):
            return
        # A document sent stays on its claim: only those are looked up.
        on_claims = self.sudo().filtered(lambda a: a.res_model == CLAIM)
        if not on_claims:
            return
        sent = self.env[CLAIM].sudo().search([("sent_document_ids", "in", on_claims.ids)])
        if sent:
            raise UserError(
                self.env._(
                    "%s went to the insurer with these documents: they are kept as sent, "
                    "none may be changed, moved or deleted.",
                    ", ".join(sent.mapped("name")),
                )
            )
