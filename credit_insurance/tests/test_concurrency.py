from contextlib import closing

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
