from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_check_mode = fields.Selection(related="company_id.credit_check_mode", readonly=False)
    credit_include_draft = fields.Boolean(related="company_id.credit_include_draft", readonly=False)
    credit_net_unapplied = fields.Boolean(related="company_id.credit_net_unapplied", readonly=False)
    credit_check_group = fields.Boolean(related="company_id.credit_check_group", readonly=False)
    credit_dunning_policy_id = fields.Many2one(
        related="company_id.credit_dunning_policy_id", readonly=False
    )
    credit_dunning_post_charges = fields.Boolean(
        related="company_id.credit_dunning_post_charges", readonly=False
    )
    credit_dunning_journal_id = fields.Many2one(
        related="company_id.credit_dunning_journal_id", readonly=False
    )
    credit_dunning_fee_account_id = fields.Many2one(
        related="company_id.credit_dunning_fee_account_id", readonly=False
    )
    credit_dunning_interest_account_id = fields.Many2one(
        related="company_id.credit_dunning_interest_account_id", readonly=False
    )
    credit_guardrails = fields.Boolean(related="company_id.credit_guardrails", readonly=False)
    credit_quiet_start = fields.Float(related="company_id.credit_quiet_start", readonly=False)
    credit_quiet_end = fields.Float(related="company_id.credit_quiet_end", readonly=False)
    credit_contact_cap = fields.Integer(related="company_id.credit_contact_cap", readonly=False)
    credit_contact_window = fields.Integer(
        related="company_id.credit_contact_window", readonly=False
    )
    credit_collection_team_id = fields.Many2one(
        related="company_id.credit_collection_team_id", readonly=False
    )
    credit_aging_days = fields.Char(related="company_id.credit_aging_days", readonly=False)
    credit_forecast_fallback = fields.Selection(
        related="company_id.credit_forecast_fallback", readonly=False
    )
    credit_forecast_min_paid = fields.Integer(
        related="company_id.credit_forecast_min_paid", readonly=False
    )
    credit_forecast_uncertain_days = fields.Integer(
        related="company_id.credit_forecast_uncertain_days", readonly=False
    )
    credit_promise_grace_days = fields.Integer(
        related="company_id.credit_promise_grace_days", readonly=False
    )
    credit_writeoff_journal_id = fields.Many2one(
        related="company_id.credit_writeoff_journal_id", readonly=False
    )
    credit_writeoff_account_id = fields.Many2one(
        related="company_id.credit_writeoff_account_id", readonly=False
    )
    credit_writeoff_tax_mode = fields.Selection(
        related="company_id.credit_writeoff_tax_mode", readonly=False
    )
