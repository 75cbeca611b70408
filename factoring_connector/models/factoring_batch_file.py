from odoo import fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..adapters import FactorError
from ..formats import layout as layout_format
from ..mappers import batch as batch_mapper
from .factoring_batch import BATCH_ACTION

# Documents read at a time when a file is written.
FILE_CHUNK = 1000


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

    def _file_header(self):
        """The header's values (the trailer's too): plain dicts of the
        layout interpreter."""
        self.ensure_one()
        contract = self.contract_id
        return {
            "client_code": contract.client_code or "",
            "company_name": self.company_id.name,
            "currency": self.currency_id.name,
            "file_date": fields.Date.context_today(self),
            "statement_date": self.date,
            "file_id": self.name,
            "file_number": self.id,
        }

    def _file_details(self, chunk=FILE_CHUNK):
        """Yields the values of each live document, by customer, amounts as
        integer cents. Read in SQL ``chunk`` documents at a time: a batch of
        10,000 documents never sits in the ORM cache."""
        self.ensure_one()
        layout = self.contract_id.layout_id
        currency = self.currency_id.name
        country = self.company_id.country_id.id
        after = (0, 0)
        while True:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT line.partner_id, line.id, line.move_type, line.amount,
                           debtor.company_registry, debtor.vat, debtor.name, debtor.ref,
                           debtor.country_id, move.name, move.invoice_date, move.invoice_date_due
                      FROM factoring_batch_line line
                      JOIN res_partner debtor ON debtor.id = line.partner_id
                      JOIN account_move move ON move.id = line.move_id
                     WHERE line.batch_id = %s AND line.live AND (line.partner_id, line.id) > %s
                     ORDER BY line.partner_id, line.id
                     LIMIT %s
                    """,
                    self.id,
                    after,
                    chunk,
                )
            )
            for row in rows:
                (_p, _l, move_type, amount, registry, vat, name, ref, debtor_country) = row[:9]
                number, invoice_date, due_date = row[9:]
                cents = round(float(amount) * 100)
                yield {
                    "currency": currency,
                    "debtor_legal_id": registry or "",
                    "debtor_vat": vat or "",
                    "debtor_name": name or "",
                    "debtor_ref": ref or "",
                    "domestic_export": "D"
                    if not debtor_country or debtor_country == country
                    else "E",
                    "document_number": number,
                    "document_type": layout.invoice_code
                    if move_type == "out_invoice"
                    else layout.refund_code,
                    "document_date": invoice_date,
                    "due_date": due_date,
                    "amount_cents": abs(cents),
                    "amount_sign": "-" if cents < 0 else "+",
                    "cents": cents,
                }
            if len(rows) < chunk:
                return
            after = tuple(rows[-1][:2])

    def _file_values(self):
        """(header, details, trailer, total) of the layout interpreter: plain
        dicts, amounts as integer cents."""
        self.ensure_one()
        header = self._file_header()
        details = list(self._file_details())
        total = sum(detail["cents"] for detail in details)
        trailer = {
            **header,
            "record_count": len(details),
            "total_cents": abs(total),
            "total_sign": "-" if total < 0 else "+",
        }
        return header, details, trailer, total

    def _render_files(self, count, balance):
        """Renders the batch with its contract's layout, the documents read
        in chunks; refuses a file whose balance or count is not the
        accounting balance and count of its documents."""
        self.ensure_one()
        layout = self.contract_id.layout_id
        if not layout:
            raise UserError(self.env._("Contract %s has no file layout.", self.contract_id.name))
        expected = round(balance * 100)
        header = self._file_header()
        trailer = {
            **header,
            "record_count": count,
            "total_cents": abs(expected),
            "total_sign": "-" if expected < 0 else "+",
        }
        seen = {"count": 0, "total": 0}

        def details():
            for detail in self._file_details():
                seen["count"] += 1
                seen["total"] += detail["cents"]
                yield detail

        try:
            text = layout_format.render(layout._spec(), header, details(), trailer)
        except layout_format.LayoutError as error:
            raise UserError(
                self.env._("Layout %(layout)s: %(error)s", layout=layout.name, error=error)
            ) from error
        if seen["total"] != expected or seen["count"] != count:
            raise UserError(
                self.env._(
                    "The file of batch %(batch)s would total %(file)s for %(count)s documents, "
                    "but their accounts hold %(books)s for %(books_count)s: nothing was "
                    "generated.",
                    batch=self.name,
                    file=seen["total"] / 100,
                    count=seen["count"],
                    books=expected / 100,
                    books_count=count,
                )
            )
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
                    # The bytes themselves: no base64 round trip of a large file.
                    "raw": content,
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
