import uuid

from odoo.addons.credit_management.tests.common import CreditCommon
from odoo.exceptions import UserError
from odoo.tests import HttpCase

from . import sandbox as sandbox_module
from .sandbox import InsurerSandbox


class InsuranceCommon(CreditCommon, HttpCase):
    """Credit control users and customers of credit_management's test base,
    an insurer sandbox on 127.0.0.1 and one backend and policy per API
    style pointing at it. HttpCase: the insurer calls keep their log and
    lockout on a cursor of their own, which the test registry wraps around
    the test's transaction; webhooks reach the running Odoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = InsurerSandbox()
        cls.sandbox.__enter__()
        cls.addClassCleanup(cls.sandbox.__exit__, None, None, None)
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_ids |= cls.company
        cls.allianz = cls._backend("allianz", api_key=sandbox_module.API_KEY)
        cls.atradius = cls._backend(
            "atradius",
            client_id=sandbox_module.CLIENT_ID,
            client_secret=sandbox_module.CLIENT_SECRET,
            app_key=sandbox_module.APP_KEY,
        )
        cls.allianz_policy = cls._policy(cls.allianz, "ALZ-1")
        cls.atradius_policy = cls._policy(cls.atradius, "ATR-1")
        france = cls.env.ref("base.fr")
        cls.customer.write({"vat": "FR40303265045", "country_id": france.id})
        cls.customer_ref = cls.sandbox.add_buyer("FR", "FR40303265045", "Customer Ltd")
        cls.known_buyers = dict(cls.sandbox.buyers)
        cls.unknown = cls.env["res.partner"].create(
            {"name": "Nobody Known", "is_company": True, "vat": "FR000", "country_id": france.id}
        )

    def setUp(self):
        super().setUp()
        self.sandbox.reset(self.known_buyers)

    @classmethod
    def _backend(cls, kind, **secrets):
        return cls.env["credit.insurance.backend"].create(
            {
                "name": f"Sandbox {kind}",
                "kind": kind,
                "company_id": cls.company.id,
                "base_url": cls.sandbox.url,
                "timeout": 5,
                "max_retries": 2,
                "retry_backoff": 0.01,
                "poll_attempts": 3,
                "poll_interval": 0.01,
                "webhook_secret": f"hook-secret-{kind}",
                **secrets,
            }
        )

    @classmethod
    def _policy(cls, backend, number, **vals):
        return cls.env["credit.insurance.policy"].create(
            {
                "name": number,
                "backend_id": backend.id,
                "company_id": cls.company.id,
                "currency_id": cls.company.currency_id.id,
                "max_extension_days": 60,
                **vals,
            }
        )

    def _request(self, policy, amount, *, kind="new", partner=None, key=None, user=None):
        Cover = self.env["credit.insurance.cover"].with_user(user or self.controller)
        return Cover._request(
            (partner or self.customer).with_user(user or self.controller),
            policy.with_user(user or self.controller),
            kind,
            amount,
            key or uuid.uuid4().hex,
        )

    def _refusal(self, policy, amount, **kwargs):
        """The message of a refused request; the test's transaction is kept
        (no savepoint) to show that nothing was written."""
        try:
            self._request(policy, amount, **kwargs)
        except UserError as error:
            return str(error)
        self.fail("the request was not refused")

    def _webhook_url(self, backend):
        return f"{self.base_url()}/credit_insurance/webhook/{backend.id}"

    def _deliver(self, backend, events=None, secret=None):
        secret = secret or backend.sudo().webhook_secret
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            results = self.sandbox.deliver(self._webhook_url(backend), secret, events)
        self.env.invalidate_all()
        return results
