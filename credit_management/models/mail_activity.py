from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """A done credit review dates the partner's last review in the
        reviewer's current company, which starts the next review interval."""
        review_type = self.env.ref(
            "credit_management.mail_activity_type_credit_review", raise_if_not_found=False
        )
        reviews = self.filtered(
            lambda a: (
                review_type and a.activity_type_id == review_type and a.res_model == "res.partner"
            )
        )
        today = fields.Date.context_today(self)
        partners = self.env["res.partner"].browse(reviews.mapped("res_id"))
        # The review is done in the company the reviewer works in.
        partners.sudo().with_company(self.env.company).credit_last_review_date = today
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
