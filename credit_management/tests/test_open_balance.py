from datetime import timedelta

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from ..engine import balance, check
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestOpenBalance(CreditCommon):
    """The open balances the database keeps follow every way journal items
    change, and the nightly check repairs them when they do not."""

    def _rows(self, partner):
        """{(account, currency, due date): (owed, owed in currency,
        unapplied, unapplied in currency, items)} kept for ``partner`` on
        receivable accounts (a payment's outstanding receipt is kept too, on
        its own account)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """SELECT bal.account_id, bal.currency_id, bal.date_due, bal.debit_residual,
                          bal.debit_residual_currency, bal.credit_residual,
                          bal.credit_residual_currency, bal.items
                     FROM credit_open_balance bal
                     JOIN account_account account ON account.id = bal.account_id
                    WHERE bal.partner_id = %s AND bal.company_id = %s
                      AND account.account_type = 'asset_receivable'""",
                partner.id,
                self.company.id,
            )
        )
        return {tuple(row[:3]): tuple(float(value) for value in row[3:]) for row in rows}

    def _assert_consistent(self):
        self.env.flush_all()
        self.assertEqual(balance.differences(self.env.cr), [])

    def test_follows_posting_payments_credit_notes_and_drafts(self):
        receivable = self.company_data["default_account_receivable"]
        due = self.today + timedelta(days=30)
        key = (receivable.id, self.currency.id, due)
        first = self._invoice(self.customer, 1000, due_days=30)
        self.assertEqual(self._rows(self.customer), {key: (1000, 1000, 0, 0, 1)})
        # Invoicing a contact books the receivable on its company.
        second = self._invoice(self.customer_contact, 500, due_days=30)
        self.assertEqual(self._rows(self.customer), {key: (1500, 1500, 0, 0, 2)})

        self._pay(first, amount=300)
        self.assertEqual(self._rows(self.customer)[key], (1200, 1200, 0, 0, 2))
        self._pay(first, amount=700)
        self.assertEqual(self._rows(self.customer), {key: (500, 500, 0, 0, 1)})
        self._pay(second)
        self.assertEqual(self._rows(self.customer), {}, "settled items leave no row behind")

        refund = self._invoice(self.customer, 200, due_days=0, date_days=0, move_type="out_refund")
        refund_key = (receivable.id, self.currency.id, self.today)
        self.assertEqual(self._rows(self.customer), {refund_key: (0, 0, -200, -200, 1)})

        third = self._invoice(self.customer, 90, due_days=0, date_days=0)
        self.assertEqual(self._rows(self.customer), {refund_key: (90, 90, -200, -200, 2)})
        refund.button_draft()
        self.assertEqual(self._rows(self.customer), {refund_key: (90, 90, 0, 0, 1)})
        third.button_draft()
        third.button_cancel()
        self.assertEqual(self._rows(self.customer), {})
        self._assert_consistent()

    def test_unreconcile_brings_the_item_back(self):
        invoice = self._invoice(self.customer, 800, due_days=-5)
        payment = self._pay(invoice)
        self.assertEqual(self._rows(self.customer), {})
        payment.move_id.line_ids.remove_move_reconcile()
        receivable = self.company_data["default_account_receivable"]
        rows = self._rows(self.customer)
        self.assertEqual(
            rows[(receivable.id, self.currency.id, self.today - timedelta(days=5))],
            (800, 800, 0, 0, 1),
        )
        # The payment is open again too: an unapplied credit of the customer.
        self.assertIn(-800, [values[2] for values in rows.values()])
        self._assert_consistent()

    def test_foreign_currency_keeps_both_amounts(self):
        other = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        invoice = self._invoice(self.customer, 1000, currency=other, due_days=10)
        line = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        rows = self._rows(self.customer)
        key = (line.account_id.id, other.id, self.today + timedelta(days=10))
        self.assertEqual(rows[key], (500, 1000, 0, 0, 1))
        self._assert_consistent()

    def test_raw_sql_writes_are_followed(self):
        """Another module's SQL moving a due date is followed like the ORM's."""
        invoice = self._invoice(self.customer, 400, due_days=10)
        line = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.env.flush_all()
        new_due = self.today - timedelta(days=3)
        self.env.cr.execute(
            SQL("UPDATE account_move_line SET date_maturity = %s WHERE id = %s", new_due, line.id)
        )
        self.env.invalidate_all()
        self.assertEqual(
            self._rows(self.customer),
            {(line.account_id.id, self.currency.id, new_due): (400, 400, 0, 0, 1)},
        )
        self.assertEqual(self.customer.with_company(self.company).credit_exposure_overdue, 400)
        self._assert_consistent()

    def test_nightly_check_repairs_and_reports(self):
        self._invoice(self.customer, 250, due_days=10)
        self._invoice(self.partner_a, 100, due_days=10)
        self.env.flush_all()
        # A restore made with triggers disabled, say: one row wrong, one missing.
        self.env.cr.execute(
            SQL(
                "UPDATE credit_open_balance SET debit_residual = 1 WHERE partner_id = %s",
                self.customer.id,
            )
        )
        self.env.cr.execute(
            SQL("DELETE FROM credit_open_balance WHERE partner_id = %s", self.partner_a.id)
        )
        differences = balance.differences(self.env.cr)
        self.assertEqual(
            {key[1] for key, _kept, _actual in differences},
            {self.customer.id, self.partner_a.id},
        )
        # The wrong row is replaced, the missing one added.
        self.assertEqual(self.env["credit.open.balance"]._cron_verify(), (1, 2))
        self._assert_consistent()
        self.env.invalidate_all()
        self.assertEqual(self.customer.with_company(self.company).credit_exposure, 250)
        self.assertEqual(self.partner_a.with_company(self.company).credit_exposure, 100)
        self.assertEqual(self.env["credit.open.balance"]._cron_verify(), (0, 0))

    def test_deleting_lines_of_a_posted_entry_by_sql_is_followed(self):
        """A journal entry with receivable lines for two customers, then its
        lines removed in SQL (as a data-fixing script would): both rows go."""
        receivable = self.company_data["default_account_receivable"]
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "line_ids": [
                    Command.create(
                        {"account_id": receivable.id, "partner_id": p.id, "debit": amount}
                    )
                    for p, amount in ((self.customer, 60), (self.partner_a, 40))
                ]
                + [
                    Command.create(
                        {
                            "account_id": self.company_data["default_account_revenue"].id,
                            "credit": 100,
                        }
                    )
                ],
            }
        )
        entry.action_post()
        self.assertEqual(sum(v[0] for v in self._rows(self.customer).values()), 60)
        self._assert_consistent()
        self.env.cr.execute(
            SQL(
                "DELETE FROM account_move_line WHERE move_id = %s AND partner_id IS NOT NULL",
                entry.id,
            )
        )
        self.assertEqual(self._rows(self.customer), {})
        self._assert_consistent()

    def test_partner_merge_moves_the_balances_once(self):
        """Merging customers repoints their journal items; the trigger moves
        the sums once, and per-partner working rows with a unique index
        (credit check locks) do not abort the merge."""
        other = self.env["res.partner"].create({"name": "Customer Duplicate", "is_company": True})
        self._invoice(self.customer, 700, due_days=30)
        self._invoice(other, 300, due_days=30)
        check.lock_partners(self.env, self.company, [self.customer.id, other.id])
        self.env.flush_all()
        self.env["base.partner.merge.automatic.wizard"]._merge(
            [self.customer.id, other.id], self.customer, extra_checks=False
        )
        receivable = self.company_data["default_account_receivable"]
        due = self.today + timedelta(days=30)
        self.assertEqual(
            self._rows(self.customer),
            {(receivable.id, self.currency.id, due): (1000, 1000, 0, 0, 2)},
        )
        self.assertFalse(other.exists())
        self._assert_consistent()

    def test_account_becoming_receivable_brings_its_items_at_once(self):
        """Odoo computes the residuals of an account made reconcilable in SQL
        before it writes the new type: the trigger sees nothing, so the
        account's write rebuilds its rows (and drops them when the account
        stops being receivable)."""
        account = self.env["account.account"].create(
            {"name": "Old customer ledger", "code": "411900", "account_type": "asset_current"}
        )
        due = self.today + timedelta(days=15)
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": account.id,
                            "partner_id": self.customer.id,
                            "debit": 640.0,
                            "date_maturity": due,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data["default_account_revenue"].id,
                            "credit": 640.0,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        self.assertEqual(self._rows(self.customer), {})
        account.write({"account_type": "asset_receivable", "reconcile": True})
        self.assertEqual(
            self._rows(self.customer), {(account.id, self.currency.id, due): (640, 640, 0, 0, 1)}
        )
        self._assert_consistent()
        account.write({"account_type": "asset_current"})
        self.env.flush_all()
        left = self.env.execute_query(
            SQL("SELECT count(*) FROM credit_open_balance WHERE account_id = %s", account.id)
        )
        self.assertEqual(left, [(0,)])
        self._assert_consistent()
