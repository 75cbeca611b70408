from odoo import fields, models


class CreditCollectionHandover(models.TransientModel):
    """Hands a case over to a lawyer or a collection agency, with its case
    file: a PDF (customer, items, promises, disputes, history) and a CSV of
    the items, attached to the case and sent to them if asked."""

    _name = "credit.collection.handover"
    _description = "Hand Over a Collection Case"

    case_id = fields.Many2one("credit.collection.case", required=True, readonly=True)
    handover_type = fields.Selection(
        selection=[("legal", "Lawyer"), ("agency", "Collection Agency")],
        string="Hand Over To",
        required=True,
        default="agency",
    )
    partner_id = fields.Many2one("res.partner", string="Lawyer or Agency", required=True)
    note = fields.Text(string="Instructions")
    send = fields.Boolean(
        string="Email the Case File", help="Send the case file to the lawyer or agency now."
    )

    def action_confirm(self):
        self.ensure_one()
        case = self.case_id
        case.write(
            {
                "handover_type": self.handover_type,
                "handover_partner_id": self.partner_id.id,
                "handover_date": fields.Date.context_today(self),
            }
        )
        case._move_to("legal")
        attachments = self._case_file_attachments()
        body = self.env._(
            "Case handed over to %(who)s (%(what)s).",
            who=self.partner_id.display_name,
            what=dict(self._fields["handover_type"]._description_selection(self.env))[
                self.handover_type
            ],
        )
        if self.note:
            body += "\n" + self.note
        case.message_post(
            body=body,
            attachment_ids=attachments.ids,
            partner_ids=self.partner_id.ids if self.send else [],
            message_type="comment" if self.send else "notification",
            subtype_xmlid="mail.mt_comment" if self.send else "mail.mt_note",
        )
        return {"type": "ir.actions.act_window_close"}

    def _case_file_attachments(self):
        case = self.case_id
        content, kind = self.env["ir.actions.report"]._render_qweb_pdf(
            "credit_management.action_report_collection_case_file", case.ids
        )
        # Without wkhtmltopdf (and in tests) Odoo renders HTML: name it so.
        kind = "pdf" if kind == "pdf" else "html"
        Attachment = self.env["ir.attachment"]
        values = {"res_model": case._name, "res_id": case.id}
        return Attachment.create(
            [
                {
                    **values,
                    "name": f"{case.name.replace('/', '_')}.{kind}",
                    "raw": content,
                    "mimetype": f"application/{kind}" if kind == "pdf" else "text/html",
                },
                {
                    **values,
                    "name": f"{case.name.replace('/', '_')}.csv",
                    "raw": case._case_file_csv().encode("utf-8"),
                    "mimetype": "text/csv",
                },
            ]
        )
