import itertools

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditDunningPolicy(models.Model):
    _name = "credit.dunning.policy"
    _description = "Dunning Policy"
    _order = "company_id, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_ids = fields.One2many("credit.dunning.level", "policy_id", string="Levels", copy=True)
    skip_levels = fields.Boolean(
        string="Jump to the Matching Level",
        help="An item late enough for several levels goes straight to the highest one. "
        "Otherwise items climb one level per reminder.",
    )
    interest_rule_id = fields.Many2one(
        "credit.late.interest.rule",
        string="Late Payment Law",
        help="Statutory interest and fixed compensation shown on reminders of the levels "
        "that charge them.",
    )
    note = fields.Html(translate=True)


class CreditDunningLevel(models.Model):
    _name = "credit.dunning.level"
    _description = "Dunning Level"
    _order = "policy_id, sequence, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "credit.dunning.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    currency_id = fields.Many2one(related="policy_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    days = fields.Integer(
        string="Days After Due Date",
        required=True,
        help="Days late (negative: days before the due date, for a friendly reminder).",
    )
    min_days_since_previous = fields.Integer(
        string="Days Since Previous Reminder",
        default=7,
        help="An item reaches this level only when its previous reminder is at least this old.",
    )
    # Channels
    channel_email = fields.Boolean(string="Email", default=True)
    channel_letter = fields.Boolean(string="Letter")
    channel_phone = fields.Boolean(string="Phone Call")
    channel_sms = fields.Boolean(string="SMS", help="Sent when the SMS module is installed.")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "credit.dunning.communication")],
    )
    phone_user_id = fields.Many2one(
        "res.users",
        string="Caller",
        help="Who gets the phone-call activity; by default the customer's salesperson.",
    )
    letter_text = fields.Html(string="Letter Text", translate=True)
    # Charges
    fee_type = fields.Selection(
        selection=[("none", "No fee"), ("fixed", "Fixed amount"), ("percent", "Percent of item")],
        default="none",
        required=True,
    )
    fee_amount = fields.Float(string="Fee", digits="Account")
    charge_interest = fields.Boolean(string="Statutory Interest")
    charge_compensation = fields.Boolean(string="Fixed Compensation")
    # Final-level actions
    hold_partner = fields.Boolean(string="Put on Credit Hold")
    open_case = fields.Boolean(
        string="Open Collection Case",
        help="Hands the customer to a collector: its collection case (opened when there is "
        "none) takes over the reminded items.",
    )

    @api.constrains("days", "sequence", "policy_id")
    def _check_days_increase(self):
        for policy in self.policy_id:
            days = [
                level.days for level in policy.level_ids.sorted(lambda lvl: (lvl.sequence, lvl.id))
            ]
            if any(later <= earlier for earlier, later in itertools.pairwise(days)):
                raise ValidationError(
                    self.env._(
                        "The levels of policy %s must be ordered by increasing days.", policy.name
                    )
                )

    @api.constrains("fee_type", "fee_amount")
    def _check_fee(self):
        for level in self:
            if level.fee_amount < 0 or (level.fee_type == "percent" and level.fee_amount > 100):
                raise ValidationError(
                    self.env._("The fee of level %s is out of range.", level.name)
                )

    def _channels(self):
        self.ensure_one()
        return [
            channel for channel in ("email", "letter", "phone", "sms") if self[f"channel_{channel}"]
        ]
