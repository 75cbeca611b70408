from contextlib import closing
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from . import sandbox as sandbox_module
from .sandbox import InsurerSandbox


@tagged("post_install", "-at_install")
class TestSideCursor(TransactionCase):
    """The insurer calls save the token and the lockout on a cursor of their
    own, committed at once, while the caller's transaction goes on and then
    writes the backend (its last synchronisation). Two real transactions,
    as the daily cron runs them: the HttpCase tests cannot show it (their
    registry wraps every cursor around the test's one transaction), so these
    tests build committed data on connections of their own and remove it
    afterwards; the test's own transaction sees none of it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = InsurerSandbox().__enter__()
        cls.addClassCleanup(cls.sandbox.__exit__, None, None, None)

    def setUp(self):
        super().setUp()
        self.sandbox.reset()

    def _cursor(self):
        return closing(db_connect(self.env.cr.dbname).cursor())

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _committed_backend(self, client_secret):
        with self._cursor() as cr:
            env = self._env(cr)
            backend = env["credit.insurance.backend"].create(
                {
                    "name": "Committed sandbox insurer",
                    "kind": "atradius",
                    "company_id": env["res.company"].search([], limit=1, order="id").id,
                    "base_url": self.sandbox.url,
                    "timeout": 5,
                    "max_retries": 0,
                    "client_id": sandbox_module.CLIENT_ID,
                    "client_secret": client_secret,
                    "app_key": sandbox_module.APP_KEY,
                }
            )
            cr.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc
        self.addCleanup(self._remove, backend.id)
        return backend.id

    def _remove(self, backend_id):
        with self._cursor() as cr:
            # The request log and the session go with it (cascade).
            self._env(cr)["credit.insurance.backend"].browse(backend_id).unlink()
            cr.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc

    def _committed(self, backend_id):
        with self._cursor() as cr:
            backend = self._env(cr)["credit.insurance.backend"].browse(backend_id)
            return {
                "last_sync": backend.last_sync,
                "timeout": backend.timeout,
                "token": backend.token,
                "locked": backend.locked,
                "login_failures": backend.login_failures,
            }

    def test_sync_that_fetches_a_token_commits(self):
        backend_id = self._committed_backend(sandbox_module.CLIENT_SECRET)
        with self._cursor() as cr:
            backend = self._env(cr)["credit.insurance.backend"].browse(backend_id)
            # No token cached: the sync asks for one, saved by the insurer
            # call's own cursor, then writes its last synchronisation.
            backend._sync()
            cr.commit()  # pylint: disable=invalid-commit  # the cron's commit
        committed = self._committed(backend_id)
        self.assertTrue(committed["last_sync"])
        self.assertIn(committed["token"], self.sandbox.tokens)
        self.assertEqual(self.sandbox.count("/authenticate/"), 1)
        # The next sync reuses the token saved by the first.
        with self._cursor() as cr:
            self._env(cr)["credit.insurance.backend"].browse(backend_id)._sync()
            cr.commit()  # pylint: disable=invalid-commit  # the cron's commit
        self.assertEqual(self.sandbox.count("/authenticate/"), 1)

    def test_refused_login_then_backend_written(self):
        backend_id = self._committed_backend("wrong")
        with self._cursor() as cr:
            backend = self._env(cr)["credit.insurance.backend"].browse(backend_id)
            # Refused in a savepoint, as the cron runs each insurer; the
            # lockout is committed by the insurer call's own cursor.
            with self.assertRaises(UserError), cr.savepoint():
                backend.action_test_connection()
            backend.timeout = 10
            cr.commit()  # pylint: disable=invalid-commit  # the cron's commit
        committed = self._committed(backend_id)
        self.assertEqual(committed["timeout"], 10)
        self.assertTrue(committed["locked"])
        self.assertEqual(committed["login_failures"], 1)
        # Locked: the next transaction does not try again.
        with self._cursor() as cr:
            backend = self._env(cr)["credit.insurance.backend"].browse(backend_id)
            with self.assertRaises(UserError):
                backend.action_test_connection()
            cr.rollback()
        self.assertEqual(self.sandbox.count("/authenticate/"), 1)


@tagged("post_install", "-at_install")
class TestDeclarationRace(TransactionCase):
    """Two users declare overlapping periods of a policy at once, on two
    real transactions: the second one's check must not read a snapshot
    taken before the first committed (and then meet the deferred EXCLUDE
    constraint as a raw error at its commit): it fails to serialize, which
    Odoo's RPC layer retries, and the retry is refused with a message."""

    def _cursor(self):
        return closing(db_connect(self.env.cr.dbname).cursor())

    def test_quarter_and_month_declared_at_once(self):
        """User A moves the policy to quarterly declarations and declares
        the quarter while user B declares last month (monthly, as B's
        transaction still sees the policy)."""
        last_month_end = date.today().replace(day=1) - timedelta(days=1)
        start, end = last_month_end.replace(day=1), last_month_end
        quarter_start = start - relativedelta(months=2)
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].search([], limit=1, order="id")
            backend = env["credit.insurance.backend"].create(
                {"name": "Race insurer", "kind": "file", "company_id": company.id}
            )
            policy = env["credit.insurance.policy"].create(
                {
                    "name": "RACE-1",
                    "backend_id": backend.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "declaration_periodicity": "monthly",
                    "date_start": quarter_start,
                }
            )
            cr.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc
            ids = backend.id, policy.id
        self.addCleanup(self._remove, *ids)
        month = {"policy_id": ids[1], "date_start": start, "date_end": end}
        Declaration = "credit.insurance.declaration"
        with self._cursor() as cr1, self._cursor() as cr2:
            env1, env2 = (api.Environment(c, SUPERUSER_ID, {}) for c in (cr1, cr2))
            cr2.execute("SELECT 1 FROM credit_insurance_declaration LIMIT 1")  # snapshot now
            env1["credit.insurance.policy"].browse(ids[1]).declaration_periodicity = "quarterly"
            env1[Declaration].create({**month, "date_start": quarter_start})
            env1.flush_all()
            cr1.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc
            with self.assertRaises(errors.SerializationFailure):
                env2[Declaration].create(month)
                env2.flush_all()
            cr2.rollback()
        # Retried, the second one is refused with the reason.
        with self._cursor() as cr, self.assertRaises(UserError):
            api.Environment(cr, SUPERUSER_ID, {})[Declaration].create(month)

    def _remove(self, backend_id, policy_id):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["credit.insurance.declaration"].search([("policy_id", "=", policy_id)]).unlink()
            env["credit.insurance.policy"].browse(policy_id).unlink()
            env["credit.insurance.backend"].browse(backend_id).unlink()
            cr.commit()  # pylint: disable=invalid-commit  # own cursor, see class doc
