import threading
from contextlib import closing

import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestConcurrentPostings(TransactionCase):
    """Two transactions posting for the same partner at the same time cannot
    both pass on the same exposure. This needs committed data and real
    separate connections, so it builds its data in its own transactions and
    removes it afterwards."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _setup_data(self):
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            env = self._env(cr)
            company = env["res.company"].search([("chart_template", "!=", False)], limit=1)
            self.assertTrue(company, "the test database has a company with a chart of accounts")
            env = env(context={"allowed_company_ids": company.ids})
            previous_mode = company.credit_check_mode
            company.credit_check_mode = "block"
            partner = env["res.partner"].create({"name": "Concurrent Customer", "is_company": True})
            partner.with_company(company).credit_limit = 1000
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_line_ids": [
                            Command.create({"name": "Goods", "price_unit": 600, "tax_ids": []})
                        ],
                    }
                    for _ in range(2)
                ]
            )
            cr.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc
            return company.id, previous_mode, partner.id, invoices.ids

    def _cleanup(self, company_id, previous_mode, partner_id, invoice_ids):
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            env = self._env(cr)
            moves = env["account.move"].browse(invoice_ids).exists()
            moves.filtered(lambda m: m.state == "posted").button_draft()
            moves.with_context(force_delete=True).unlink()
            cr.execute("DELETE FROM credit_check_lock WHERE partner_id = %s", [partner_id])
            env["res.partner"].browse(partner_id).unlink()
            env["res.company"].browse(company_id).credit_check_mode = previous_mode
            cr.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc

    def test_second_posting_waits_then_is_refused(self):
        company_id, previous_mode, partner_id, (first_id, second_id) = self._setup_data()
        self.addCleanup(self._cleanup, company_id, previous_mode, partner_id, [first_id, second_id])
        with (
            closing(db_connect(self.env.cr.dbname).cursor()) as cr_a,
            closing(db_connect(self.env.cr.dbname).cursor()) as cr_b,
        ):
            env_a = self._env(cr_a)(context={"allowed_company_ids": [company_id]})
            env_b = self._env(cr_b)(context={"allowed_company_ids": [company_id]})
            # B reads first, so its snapshot predates A's posting.
            self.assertEqual(env_b["account.move"].browse(second_id).state, "draft")
            env_a["account.move"].browse(first_id)._post(soft=False)

            outcome = {}

            def post_b():
                try:
                    env_b["account.move"].browse(second_id)._post(soft=False)
                    outcome["b"] = "posted"
                except Exception as error:
                    outcome["b"] = error

            thread = threading.Thread(target=post_b)
            thread.start()
            thread.join(2)
            self.assertTrue(thread.is_alive(), "the second posting waits for the first")
            cr_a.commit()
            thread.join(60)
            self.assertFalse(thread.is_alive())
            self.assertIsInstance(outcome["b"], psycopg2.errors.SerializationFailure)
            cr_b.rollback()
            # Odoo retries on a serialization failure: the retry sees the first
            # invoice and refuses the second.
            env_b.invalidate_all()
            with self.assertRaises(UserError):
                env_b["account.move"].browse(second_id)._post(soft=False)
            cr_b.rollback()
