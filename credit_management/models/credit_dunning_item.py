from odoo import fields, models


class CreditDunningItem(models.Model):
    """The dunning state of an open receivable item: its level and last
    reminder. Kept beside the journal items rather than on them, so that a
    run raising 100,000 items writes a narrow table instead of Odoo's most
    indexed one."""

    _name = "credit.dunning.item"
    _description = "Dunning State of a Journal Item"
    _log_access = False

    move_line_id = fields.Many2one(
        "account.move.line", required=True, ondelete="cascade", index=True
    )
    # Read through the journal item: no foreign keys of their own to check
    # on each of the run's 100,000 upserts.
    move_id = fields.Many2one(related="move_line_id.move_id")
    company_id = fields.Many2one(related="move_line_id.company_id")
    partner_id = fields.Many2one(
        related="move_line_id.partner_id.commercial_partner_id", string="Customer"
    )
    level_id = fields.Many2one("credit.dunning.level", required=True, ondelete="cascade")
    date = fields.Date(string="Last Reminder", required=True)

    _move_line_uniq = models.UniqueIndex("(move_line_id)")
