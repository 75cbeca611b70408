from odoo import api, fields, models


class CreditOverride(models.Model):
    """An audit record: a Credit Control Manager let a document through the
    credit check. Written once, never edited."""

    _name = "credit.override"
    _description = "Credit Check Override"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Partner", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Overridden By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )
    document_ref = fields.Reference(
        selection="_selection_document_ref",
        string="Document",
        readonly=True,
    )
    reason = fields.Text(required=True, readonly=True)
    kind = fields.Selection(
        selection=[("limit", "Over limit"), ("hold", "On hold"), ("group", "Over group limit")],
        required=True,
        readonly=True,
    )
    credit_limit = fields.Monetary(string="Limit", readonly=True)
    exposure = fields.Monetary(string="Exposure Before", readonly=True)
    amount = fields.Monetary(string="Document Amount", readonly=True)
    excess = fields.Monetary(readonly=True)
    used = fields.Boolean(
        readonly=True,
        help="The document went through with this override.",
    )

    @api.model
    def _selection_document_ref(self):
        return [("account.move", self.env._("Invoice"))]

    @api.depends("partner_id", "document_ref")
    def _compute_display_name(self):
        for override in self:
            override.display_name = self.env._(
                "Override for %(partner)s on %(document)s",
                partner=override.partner_id.display_name,
                document=override.document_ref.display_name if override.document_ref else "-",
            )

    @api.model
    def _create_from_failure(self, failure, document, reason, amount):
        """Logs the override of one document (``amount``: its own amount)."""
        if failure.group:
            kind = "group"
        elif failure.on_hold:
            kind = "hold"
        else:
            kind = "limit"
        return self.create(
            {
                "partner_id": failure.partner.id,
                "company_id": failure.company.id,
                **document._credit_override_link(),
                "document_ref": f"{document._name},{document.id}",
                "reason": reason,
                "kind": kind,
                "credit_limit": failure.credit_limit,
                "exposure": failure.exposure,
                "amount": amount,
                "excess": failure.excess,
            }
        )
