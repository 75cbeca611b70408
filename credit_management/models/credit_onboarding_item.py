from odoo import fields, models


class CreditOnboardingItem(models.Model):
    """A document or check a customer's file needs before its credit limit is
    granted (signed terms, trade references, financial statements, a credit
    report), required for the customers of some risk classes or of all."""

    _name = "credit.onboarding.item"
    _description = "Credit Onboarding Item"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(
        translate=True, help="What the credit controller checks before ticking the item."
    )
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Leave empty to require the item in every company.",
    )
    risk_class_ids = fields.Many2many(
        "credit.risk.class",
        string="Required for Risk Classes",
        check_company=True,
        help="Required on the limit requests of customers in these classes; leave empty to "
        "require it on every request.",
    )
    document_required = fields.Boolean(
        string="Document Required",
        default=True,
        help="The item is ticked only with the document attached.",
    )

    def _applies_to(self, risk_class):
        """The items required for a customer of ``risk_class`` (may be empty)."""
        return self.filtered(
            lambda item: not item.risk_class_ids or risk_class in item.risk_class_ids
        )
