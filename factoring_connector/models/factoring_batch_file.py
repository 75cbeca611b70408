import base64

from odoo import fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import UserError

from ..adapters import FactorError
from ..formats import layout as layout_format
from ..mappers import batch as batch_mapper
from .factoring_batch import BATCH_ACTION


class FactoringBatch(models.Model):
    """The files of a batch: built from the contract's layout when the batch
    is generated, attached to it, and e-mailed to the factor."""

    _inherit = "factoring.batch"

    attachment_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        domain=[("res_model", "=", "factoring.batch")],
        string="Files",
        readonly=True,
    )

    def _file_values(self):
        """(header, details, trailer) of the layout interpreter: plain dicts,
        amounts as integer cents."""
        self.ensure_one()
        contract, company = self.contract_id, self.company_id
        layout = contract.layout_id
        lines = self.line_ids.filtered("live").sorted(lambda ln: (ln.partner_id.id, ln.id))
        today = fields.Date.context_today(self)
        header = {
            "client_code": contract.client_code or "",
            "company_name": company.name,
            "currency": self.currency_id.name,
            "file_date": today,
            "statement_date": self.date,
            "file_id": self.name,
            "file_number": self.id,
        }
        details, total = [], 0
        for line in lines:
            cents = round(line.amount * 100)
            total += cents
            debtor, move = line.partner_id, line.move_id
            details.append(
                {
                    "currency": self.currency_id.name,
                    "debtor_legal_id": debtor.company_registry or "",
                    "debtor_vat": debtor.vat or "",
                    "debtor_name": debtor.name or "",
                    "debtor_ref": debtor.ref or "",
                    "domestic_export": "D"
                    if not debtor.country_id or debtor.country_id == company.country_id
                    else "E",
                    "document_number": move.name,
                    "document_type": layout.invoice_code
                    if line.move_type == "out_invoice"
                    else layout.refund_code,
                    "document_date": move.invoice_date,
                    "due_date": move.invoice_date_due,
                    "amount_cents": abs(cents),
                    "amount_sign": "-" if cents < 0 else "+",
                }
            )
        trailer = {
            **header,
            "record_count": len(details),
            "total_cents": abs(total),
            "total_sign": "-" if total < 0 else "+",
        }
        return header, details, trailer, total

    def _render_files(self, count, balance):
        """Renders the batch with its contract's layout; refuses a file whose
        balance is not the accounting balance of its documents."""
        self.ensure_one()
        layout = self.contract_id.layout_id
        if not layout:
            raise UserError(self.env._("Contract %s has no file layout.", self.contract_id.name))
        header, details, trailer, total = self._file_values()
        expected = round(balance * 100)
        if total != expected or len(details) != count:
            raise UserError(
                self.env._(
                    "The file of batch %(batch)s would total %(file)s for %(count)s documents, "
                    "but their accounts hold %(books)s for %(books_count)s: nothing was "
                    "generated.",
                    batch=self.name,
                    file=total / 100,
                    count=len(details),
                    books=expected / 100,
                    books_count=count,
                )
            )
        try:
            text = layout_format.render(layout._spec(), header, details, trailer)
        except layout_format.LayoutError as error:
            raise UserError(
                self.env._("Layout %(layout)s: %(error)s", layout=layout.name, error=error)
            ) from error
        encoding = "utf-8" if layout.kind == "csv" else "cp1252"
        name = "{}.{}".format(self.name.replace("/", "_"), layout.file_extension or "txt")
        mimetype = "text/csv" if layout.kind == "csv" else "text/plain"
        return [(name, text.encode(encoding, errors="replace"), mimetype)]

    def _attach_files(self, files):
        self.env["ir.attachment"].create(
            [
                {
                    "name": name,
                    "res_model": self._name,
                    "res_id": self.id,
                    "datas": base64.b64encode(content),
                    "mimetype": mimetype,
                }
                for name, content, mimetype in files
            ]
        )

    def _remove_files(self):
        self.env["ir.attachment"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        ).unlink()

    def action_reset_to_draft(self):
        result = super().action_reset_to_draft()
        self._remove_files()
        return result

    def _send_by_email(self):
        """Posts the batch's files to the factor from the batch's chatter."""
        self.ensure_one()
        template = self.env.ref("factoring_connector.mail_template_factoring_batch")
        factor = self.contract_id.factor_id
        self.message_post(
            subject=template._render_field("subject", self.ids)[self.id],
            body=template._render_field("body_html", self.ids)[self.id],
            partner_ids=factor.ids,
            attachment_ids=self.attachment_ids.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _send_by_api(self):
        """Submits the batch with its idempotency key and records the
        factor's answer: its reference and the documents it rejected."""
        self.ensure_one()
        header, details, _trailer, total = self._file_values()
        adapter = self.contract_id._api_adapter()
        try:
            data = adapter.submit(
                batch_mapper.payload(header, details, total), self.idempotency_key
            )
            answer = batch_mapper.answer(data)
        except FactorError as error:
            raise UserError(self._api_error(error)) from None
        except ValueError as error:
            raise UserError(self.env._("The factor's answer cannot be read (%s).", error)) from None
        if answer.status == "rejected":
            raise UserError(
                self.env._("%s refused the whole batch.", self.contract_id.factor_id.name)
            )
        with privilege.granted(BATCH_ACTION):
            self.write({"factor_ref": answer.submission_id})
        return answer

    def _after_api_answer(self, answer):
        rejected = self.line_ids.filtered(lambda ln: ln.live and ln.move_id.name in answer.rejected)
        for line in rejected:
            line.action_reject(answer.rejected[line.move_id.name])
        self.action_acknowledge()

    def _send(self):
        if self.contract_id.transport != "api":
            return super()._send()
        answer = self._send_by_api()
        self._set_state("sent", date_sent=fields.Datetime.now())
        self._after_api_answer(answer)
        return None

    def _api_error(self, error):
        factor = self.contract_id.factor_id.name
        if error.code == "unavailable":
            return self.env._(
                "%(factor)s did not answer (%(detail)s), even after retries. Send again later: "
                "the factor will not take the batch twice.",
                factor=factor,
                detail=error.detail or error.status or "",
            )
        return self.env._(
            "%(factor)s refused the batch: %(detail)s", factor=factor, detail=error.detail
        )
