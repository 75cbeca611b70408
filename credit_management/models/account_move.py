from odoo import fields, models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "credit.checked.mixin"]
    _credit_override_field = "move_id"

    credit_override_ids = fields.One2many(
        "credit.override", "move_id", string="Credit Overrides", readonly=True
    )
    # Highest dunning level of the invoice's items
    credit_dunning_level_id = fields.Many2one(
        "credit.dunning.level", string="Dunning Level", compute="_compute_credit_dunning"
    )
    credit_dunning_date = fields.Date(string="Last Reminder", compute="_compute_credit_dunning")
    credit_dunning_line_ids = fields.One2many(
        "credit.dunning.line", "move_id", string="Dunning History", readonly=True
    )

    # Draft invoices of a partner, for exposure (few rows, read on every check).
    _credit_draft_invoice_idx = models.Index(
        "(partner_id, company_id) WHERE state = 'draft' AND move_type = 'out_invoice'"
    )

    # ------------------------------------------------------------------
    # credit.checked.mixin
    # ------------------------------------------------------------------

    def _credit_checked_records(self, soft=False):
        """Customer invoices about to be posted; refunds and entries never
        extend credit. ``soft`` leaves out what ``_post(soft=True)``
        postpones (future dates)."""
        today = fields.Date.context_today(self)
        return self.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "draft"
                and m.company_id.credit_check_mode != "none"
                and not (soft and m.date and m.date > today)
            )
        )

    def _credit_commercial_partner(self):
        return self.commercial_partner_id

    def _credit_document_amount(self):
        company = self.company_id
        return self.currency_id._convert(
            self.amount_total, company.currency_id, company, fields.Date.context_today(self)
        )

    def _credit_counted_amount(self):
        # A draft invoice is already in exposure where the company counts drafts.
        return self._credit_document_amount() if self.company_id.credit_include_draft else 0.0

    def _credit_validate(self):
        return self.action_post()

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------

    def _post(self, soft=True):
        used, warnings = self._credit_enforce(soft=soft)
        posted = super()._post(soft=soft)
        self._credit_after_validation(used, warnings, posted)
        return posted

    def action_post(self):
        return self._credit_override_action() or super().action_post()

    def _get_alerts(self):
        alerts = super()._get_alerts()
        if self.move_type == "out_invoice" and self.state == "draft" and self.partner_id:
            alert = self._credit_alert()
            if alert:
                alerts["credit_management_check"] = alert
            term_alert = self._credit_payment_term_alert()
            if term_alert:
                alerts["credit_management_payment_term"] = term_alert
        return alerts

    def _credit_payment_term_alert(self):
        """Warns when the invoice gives longer payment terms than the
        partner's risk class allows."""
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(self.company_id)
        max_days = partner.credit_risk_class_id.max_payment_days
        start = self.invoice_date or fields.Date.context_today(self)
        if not max_days or not self.invoice_date_due:
            return None
        granted = (self.invoice_date_due - start).days
        if granted <= max_days:
            return None
        return {
            "level": "warning",
            "message": self.env._(
                "This invoice gives %(granted)s days to pay; risk class %(class)s allows "
                "%(max)s days at most.",
                granted=granted,
                max=max_days,
                **{"class": partner.credit_risk_class_id.display_name},
            ),
        }

    def _compute_credit_dunning(self):
        best = {}
        for state in self.env["credit.dunning.item"].sudo().search([("move_id", "in", self.ids)]):
            current = best.get(state.move_id)
            if not current or (state.level_id.sequence, state.date) > (
                current.level_id.sequence,
                current.date,
            ):
                best[state.move_id] = state
        for move in self:
            state = best.get(move)
            move.credit_dunning_level_id = state.level_id if state else False
            move.credit_dunning_date = state.date if state else False
