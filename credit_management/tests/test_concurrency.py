import threading
from contextlib import closing
from datetime import timedelta

import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from ..engine import check


class CommittedDataCase(TransactionCase):
    """Tests that need committed data and real separate connections: they
    build their data in their own transactions and remove it afterwards."""

    def _cursor(self):
        return closing(db_connect(self.env.cr.dbname).cursor())

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _company_env(self, cr):
        """An environment in the test database's company with a chart."""
        env = self._env(cr)
        company = env["res.company"].search([("chart_template", "!=", False)], limit=1)
        self.assertTrue(company, "the test database has a company with a chart of accounts")
        return env(context={"allowed_company_ids": company.ids}), company


@tagged("post_install", "-at_install")
class TestConcurrentPostings(CommittedDataCase):
    """Two transactions posting for the same partner at the same time cannot
    both pass on the same exposure. This needs committed data and real
    separate connections, so it builds its data in its own transactions and
    removes it afterwards."""

    def _setup_data(self):
        with self._cursor() as cr:
            env, company = self._company_env(cr)
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


@tagged("post_install", "-at_install")
class TestConcurrentDunningRuns(CommittedDataCase):
    """Two dunning runs of the same day on two real connections remind each
    customer once: the second waits on the first's claims, fails to
    serialize when the first commits, retries its batch and finds the
    customers taken. Committed data in its own transactions, removed after."""

    def _setup_data(self):
        with self._cursor() as cr:
            env, company = self._company_env(cr)
            policy = env["credit.dunning.policy"].create(
                {
                    "name": "Concurrency policy",
                    "company_id": company.id,
                    "level_ids": [Command.create({"name": "Late", "days": 1, "sequence": 1})],
                }
            )
            partners = env["res.partner"].create(
                [{"name": f"Concurrent Debtor {i}", "is_company": True} for i in range(3)]
            )
            partners.with_company(company).credit_dunning_policy_id = policy
            today = fields.Date.context_today(env.user)
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": today - timedelta(days=30),
                        "invoice_date_due": today - timedelta(days=10),
                        "invoice_line_ids": [
                            Command.create({"name": "Goods", "price_unit": 100, "tax_ids": []})
                        ],
                    }
                    for partner in partners
                ]
            )
            with check.skipped():
                invoices._post(soft=False)
            Run = env["credit.dunning.run"]
            runs = Run._create_run(company, "cron", today) | Run._create_run(company, "cron", today)
            cr.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc
            return {
                "company": company.id,
                "policy": policy.id,
                "partners": partners.ids,
                "invoices": invoices.ids,
                "runs": runs.ids,
            }

    def _cleanup(self, data):
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            env = self._env(cr)
            runs = env["credit.dunning.run"].browse(data["runs"])
            comms = env["credit.dunning.communication"].search([("run_id", "in", runs.ids)])
            cr.execute(
                "DELETE FROM credit_dunning_line WHERE communication_id = ANY(%s)", [comms.ids]
            )
            cr.execute(
                "DELETE FROM credit_dunning_item WHERE move_line_id IN "
                "(SELECT id FROM account_move_line WHERE move_id = ANY(%s))",
                [data["invoices"]],
            )
            cr.execute("DELETE FROM credit_dunning_claim WHERE run_id = ANY(%s)", [runs.ids])
            env.invalidate_all()
            comms.unlink()
            runs.unlink()
            moves = env["account.move"].browse(data["invoices"])
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["res.partner"].browse(data["partners"]).unlink()
            env["credit.dunning.policy"].browse(data["policy"]).unlink()
            cr.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc

    def test_two_runs_remind_each_customer_once(self):
        data = self._setup_data()
        self.addCleanup(self._cleanup, data)
        first_id, second_id = data["runs"]
        debtors = data["partners"]
        with (
            closing(db_connect(self.env.cr.dbname).cursor()) as cr_a,
            closing(db_connect(self.env.cr.dbname).cursor()) as cr_b,
        ):
            context = {"allowed_company_ids": [data["company"]]}
            run_a = self._env(cr_a)(context=context)["credit.dunning.run"].browse(first_id)
            run_b = self._env(cr_b)(context=context)["credit.dunning.run"].browse(second_id)
            # B's snapshot starts before A claims anything.
            self.assertEqual(run_b.state, "draft")
            run_a._run_batches(debtors, commit=None, confirm=True)
            outcome = {}

            def commit_b(_done):
                cr_b.commit()  # pylint: disable=invalid-commit  # as the cron does per batch

            def run_second():
                try:
                    run_b._run_batches(debtors, commit=commit_b, confirm=True)
                    outcome["b"] = "done"
                except Exception as error:  # reported by the assertion below
                    outcome["b"] = error

            thread = threading.Thread(target=run_second)
            thread.start()
            thread.join(2)
            self.assertTrue(thread.is_alive(), "the second run waits on the first's claims")
            cr_a.commit()  # pylint: disable=invalid-commit  # second connection, see class doc
            thread.join(60)
            self.assertFalse(thread.is_alive())
            self.assertEqual(outcome["b"], "done", "the batch is retried, not failed")
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            env = self._env(cr)
            comms = env["credit.dunning.communication"].search([("partner_id", "in", debtors)])
            self.assertEqual(sorted(comms.partner_id.ids), sorted(debtors), "one reminder each")
            self.assertEqual(comms.run_id.ids, [first_id])
            second = env["credit.dunning.run"].browse(second_id)
            self.assertEqual(second.stats.get("claimed"), len(debtors), "left to the first run")
