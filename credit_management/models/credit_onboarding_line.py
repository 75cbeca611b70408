from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CreditOnboardingLine(models.Model):
    """One item of a limit request's onboarding checklist, ticked by credit
    control with the document that proves it."""

    _name = "credit.onboarding.line"
    _description = "Credit Onboarding Checklist Line"
    _order = "sequence, id"
    _check_company_auto = True

    request_id = fields.Many2one(
        "credit.limit.request", required=True, index=True, ondelete="cascade", readonly=True
    )
    item_id = fields.Many2one(
        "credit.onboarding.item",
        string="Item",
        required=True,
        ondelete="restrict",
        readonly=True,
        check_company=True,
    )
    name = fields.Char(related="item_id.name")
    sequence = fields.Integer(related="item_id.sequence", store=True)
    document_required = fields.Boolean(related="item_id.document_required")
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    done = fields.Boolean(string="Done")
    attachment_ids = fields.Many2many(
        "ir.attachment",
        string="Documents",
        help="Documents of the request that prove the item.",
    )
    note = fields.Char()
    checked_by_id = fields.Many2one("res.users", string="Checked By", readonly=True)
    checked_date = fields.Datetime(string="Checked On", readonly=True)

    _item_once = models.UniqueIndex("(request_id, item_id)")

    @api.constrains("done", "attachment_ids")
    def _check_document(self):
        for line in self:
            if line.done and line.document_required and not line.attachment_ids:
                raise ValidationError(
                    self.env._("Attach the document before ticking “%s”.", line.name)
                )
            foreign = line.attachment_ids.filtered(
                lambda att, line=line: (
                    (att.res_model, att.res_id)
                    not in (("credit.limit.request", line.request_id.id), (line._name, line.id))
                )
            )
            if foreign:
                raise ValidationError(
                    self.env._("A checklist line takes the documents of its own request only.")
                )

    def write(self, vals):
        if any(line.request_id.state != "to_approve" for line in self) and not self.env.su:
            raise UserError(
                self.env._("The checklist of a decided limit request is part of its audit trail.")
            )
        # Who ticked and when is the checklist's audit: set here only.
        vals = {k: v for k, v in vals.items() if k not in ("checked_by_id", "checked_date")}
        if "done" in vals:
            vals.update(
                checked_by_id=self.env.user.id if vals["done"] else False,
                checked_date=fields.Datetime.now() if vals["done"] else False,
            )
        return super().write(vals)
