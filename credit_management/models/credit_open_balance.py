import logging

from odoo import api, fields, models

from ..engine import balance

_logger = logging.getLogger(__name__)


class CreditOpenBalance(models.Model):
    """Sums of open receivable (and other reconcilable) items per partner,
    company, account, currency and due date, kept current by a PostgreSQL
    trigger on journal items (see engine/balance.py). Exposure reads these
    sums instead of every open item."""

    _name = "credit.open.balance"
    _description = "Open Balance"
    _log_access = False
    _order = "partner_id, company_id, currency_id, account_id, date_due"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", readonly=True)
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", readonly=True)
    account_id = fields.Many2one(
        "account.account", required=True, ondelete="cascade", readonly=True
    )
    currency_id = fields.Many2one("res.currency", required=True, ondelete="cascade", readonly=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    date_due = fields.Date(string="Due Date", required=True, readonly=True)
    debit_residual = fields.Monetary(
        string="Owed", currency_field="company_currency_id", readonly=True
    )
    debit_residual_currency = fields.Monetary(
        string="Owed in Currency", currency_field="currency_id", readonly=True
    )
    credit_residual = fields.Monetary(
        string="Unapplied", currency_field="company_currency_id", readonly=True
    )
    credit_residual_currency = fields.Monetary(
        string="Unapplied in Currency", currency_field="currency_id", readonly=True
    )
    items = fields.Integer(string="Open Items", readonly=True)

    # In the order exposure groups by, covering the sums: the exposure query
    # reads this index alone, in order, with no sort.
    _key_uniq = models.UniqueIndex(
        "(partner_id, company_id, currency_id, account_id, date_due) INCLUDE (debit_residual, "
        "debit_residual_currency, credit_residual, credit_residual_currency)"
    )

    def init(self):
        result = super().init()
        balance.install(self.env.cr)
        return result

    @api.model
    def _cron_verify(self):
        """Compares the kept sums with the journal items and repairs the rows
        that differ (only a write bypassing triggers, such as a restore with
        triggers disabled, can make them differ). Returns the number of rows
        removed and added."""
        removed, added = balance.repair(self.env.cr)
        if removed or added:
            _logger.warning(
                "Open balances differed from the journal items: %d rows removed, %d added.",
                removed,
                added,
            )
            self.invalidate_model()
        return removed, added
