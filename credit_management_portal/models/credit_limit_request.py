from odoo import api, fields, models
from odoo.exceptions import AccessError

# What the customer tells about itself when it applies from the portal. It
# reads them back on its application; everything else of the request (limits,
# exposure, scores, the decision's notes) is for internal users only.
APPLICATION_FIELDS = {
    "application_legal_name",
    "application_company_registry",
    "application_vat",
    "application_country_id",
    "application_years_in_business",
    "application_monthly_purchases",
    "application_payment_term_id",
    "application_bank_reference",
    "application_trade_references",
}


class CreditLimitRequest(models.Model):
    _inherit = "credit.limit.request"

    origin = fields.Selection(
        selection=[("internal", "Internal"), ("portal", "Customer Portal")],
        default="internal",
        required=True,
        readonly=True,
        index=True,
        help="Customer Portal: the customer applied for credit from its portal account and "
        "follows the status of the application there.",
    )
    # The application, as the customer filled it in
    application_legal_name = fields.Char(string="Legal Name")
    application_company_registry = fields.Char(string="Company Registry")
    application_vat = fields.Char(string="Tax ID")
    application_country_id = fields.Many2one("res.country", string="Country")
    application_years_in_business = fields.Integer(string="Years in Business")
    application_monthly_purchases = fields.Monetary(string="Expected Monthly Purchases")
    application_payment_term_id = fields.Many2one(
        "account.payment.term", string="Requested Payment Terms", check_company=True
    )
    application_bank_reference = fields.Char(string="Bank Reference")
    application_trade_references = fields.Text(string="Trade References")

    _application_figures_positive = models.Constraint(
        "CHECK(application_years_in_business >= 0 AND application_monthly_purchases >= 0)",
        "Years in business and expected purchases cannot be negative.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        # The portal controller creates applications for the customer it
        # identified; nobody else may make a request look like one (the
        # customer's portal users would read it).
        if not self.env.su and any(r.origin != "internal" for r in requests):
            raise AccessError(self.env._("Only the customer portal files portal applications."))
        return requests

    def write(self, vals):
        if "origin" in vals and not self.env.su:
            raise AccessError(self.env._("The origin of a limit request cannot change."))
        return super().write(vals)

    def action_approve(self):
        result = super().action_approve()
        self._notify_applicant()
        return result

    def action_refuse(self):
        result = super().action_refuse()
        self._notify_applicant()
        return result

    def _notify_applicant(self):
        """Mails the decision to the customer who applied from the portal
        (status only: no limit, no internal note)."""
        template = self.env.ref("credit_management_portal.mail_template_application_decision")
        for request in self.filtered(lambda r: r.origin == "portal" and r.requested_by_id):
            request.message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                partner_ids=request.requested_by_id.partner_id.ids,
            )
