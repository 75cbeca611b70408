import contextlib
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..adapters import REGISTRY, Config, Hooks, InsurerError, adapter_for

_logger = logging.getLogger(__name__)

ADMIN = "base.group_system"
MANAGER = "credit_management.group_credit_control_manager"
KINDS = [
    ("allianz", "Allianz Trade-style API"),
    ("atradius", "Atradius-style API"),
    ("file", "File Exchange"),
]
# Written only by the transport (token cache, lockout), never through the form;
# kept in credit.insurance.backend.session, shown here.
TRANSPORT_FIELDS = {"token", "token_expiry", "locked", "login_failures", "locked_reason"}
# Written only by the daily synchronisation (as the system): a manager who
# cleared or forged the error would hide that the insurer's changes are not
# read; one who moved the last synchronisation forward would make the next
# one skip the insurer's changes since.
SYNC_FIELDS = {"sync_error", "last_sync"}
# Where and how the credentials are sent: an administrator's decision once
# they are set (a manager could otherwise send them to a server of theirs).
DESTINATION_FIELDS = {"base_url", "kind"}
SECRET_FIELDS = ("api_key", "client_id", "client_secret", "app_key", "webhook_secret")
SESSION = "credit.insurance.backend.session"


class CreditInsuranceBackend(models.Model):
    """A credit insurer and how to reach it: the backend of the connector."""

    _name = "credit.insurance.backend"
    _description = "Credit Insurer"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    kind = fields.Selection(selection=KINDS, required=True, default="file", tracking=True)
    base_url = fields.Char(string="Base URL", tracking=True)
    timeout = fields.Float(string="Timeout (s)", default=20.0)
    max_retries = fields.Integer(
        default=3, help="Retries after a timeout, a 429 or a server error; never after a refusal."
    )
    retry_backoff = fields.Float(
        string="Backoff (s)", default=1.0, help="Wait before the first retry, doubled each time."
    )
    poll_attempts = fields.Integer(
        default=5, help="How often to poll an asynchronous answer before leaving it to the sync."
    )
    poll_interval = fields.Float(string="Poll Interval (s)", default=2.0)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        help="Gets the activities of the insurer's reductions and withdrawals.",
    )
    policy_ids = fields.One2many("credit.insurance.policy", "backend_id", string="Policies")
    last_sync = fields.Datetime(string="Last Synchronisation", readonly=True, copy=False)
    sync_error = fields.Char(
        string="Synchronisation Error",
        readonly=True,
        copy=False,
        help="Why the last daily synchronisation of this insurer failed; empty once it succeeds.",
    )

    # Secrets: administrators only
    api_key = fields.Char(string="API Key", groups=ADMIN, copy=False)
    client_id = fields.Char(string="Client ID", groups=ADMIN, copy=False)
    client_secret = fields.Char(groups=ADMIN, copy=False)
    app_key = fields.Char(string="Application Key", groups=ADMIN, copy=False)
    webhook_secret = fields.Char(groups=ADMIN, copy=False)
    token = fields.Char(groups=ADMIN, compute="_compute_token")
    token_expiry = fields.Datetime(groups=ADMIN, compute="_compute_token")

    # Lockout after a refused login
    locked = fields.Boolean(compute="_compute_lockout", search="_search_locked")
    locked_reason = fields.Char(compute="_compute_lockout")
    login_failures = fields.Integer(compute="_compute_lockout")

    def _sessions(self):
        """``{backend id: session}`` as this transaction sees them."""
        sessions = self.env[SESSION].sudo().search([("backend_id", "in", self.ids)])
        return {session.backend_id.id: session for session in sessions}

    def _compute_token(self):
        sessions = self._sessions()
        for backend in self:
            session = sessions.get(backend.id)
            backend.token = session.token if session else False
            backend.token_expiry = session.token_expiry if session else False

    def _compute_lockout(self):
        sessions = self._sessions()
        for backend in self:
            session = sessions.get(backend.id)
            backend.locked = bool(session and session.locked)
            backend.locked_reason = session.locked_reason if session else False
            backend.login_failures = session.login_failures if session else 0

    def _search_locked(self, operator, value):
        if operator != "in":
            return NotImplemented
        locked = self.env[SESSION].sudo()._search([("locked", "=", True)])
        if True in value and False in value:
            return []
        return [("id", "in" if True in value else "not in", locked.subselect("backend_id"))]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_kept_by_calls(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_kept_by_calls(vals)
        if DESTINATION_FIELDS.intersection(vals) and not (
            self.env.su or self.env.user.has_group(ADMIN)
        ):
            for backend in self.sudo():
                changed = any(
                    backend[name] != vals[name] for name in DESTINATION_FIELDS & set(vals)
                )
                if changed and any(backend[name] for name in SECRET_FIELDS):
                    raise AccessError(
                        self.env._(
                            "Only an administrator changes the address or the kind of insurer "
                            "%s: its credentials would be sent there.",
                            backend.name,
                        )
                    )
        return super().write(vals)

    @api.model
    def _check_kept_by_calls(self, vals):
        if self.env.su:
            return
        if TRANSPORT_FIELDS.intersection(vals):
            raise AccessError(
                self.env._("The token and the lockout are kept by the insurer calls.")
            )
        if SYNC_FIELDS.intersection(vals):
            raise AccessError(
                self.env._(
                    "The last synchronisation and its error are noted by the synchronisation only."
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_unlock(self):
        """Lets the insurer be called again after a refused login, once the
        credentials are fixed."""
        if not self.env.user.has_group(ADMIN):
            raise AccessError(self.env._("Only an administrator can unlock an insurer."))
        self.env[SESSION].sudo()._of(self.ids).write(
            {"locked": False, "locked_reason": False, "login_failures": 0, "token": False}
        )
        self.invalidate_recordset(sorted(TRANSPORT_FIELDS))

    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(self.env._("Only a Credit Control Manager can do this."))

    def action_test_connection(self):
        """Asks for a token (a refused login locks the insurer)."""
        self.ensure_one()
        self._check_manager()
        self._call(lambda adapter: adapter.auth_headers() if self.kind != "file" else None)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%s answered.", self.name),
                "sticky": False,
            },
        }

    def action_sync(self):
        self._check_manager()
        for backend in self:
            backend._sync()

    # ------------------------------------------------------------------
    # Transport
    # ------------------------------------------------------------------

    def _config(self, policy=None):
        """The adapter's settings, secrets included: read as superuser for
        the backend the code is about to call, never shown to the user."""
        self.ensure_one()
        self.check_access("read")
        backend = self.sudo()
        session = self._session_now()
        return Config(
            base_url=backend.base_url or "",
            timeout=backend.timeout or 20.0,
            max_retries=backend.max_retries,
            backoff=backend.retry_backoff,
            api_key=backend.api_key or "",
            client_id=backend.client_id or "",
            client_secret=backend.client_secret or "",
            app_key=backend.app_key or "",
            token=session["token"],
            token_expiry=session["token_expiry"],
            locked=session["locked"],
            poll_attempts=backend.poll_attempts,
            poll_interval=backend.poll_interval,
            policy_ref=(policy.insurer_ref or policy.name) if policy else "",
        )

    @contextlib.contextmanager
    def _own_cursor(self):
        """An environment on a cursor of its own, committed at once: the
        request log, the token and a lockout outlive a refused request (whose
        transaction is rolled back)."""
        with self.env.registry.cursor() as cr:
            yield self.env(cr=cr, su=True)

    def _session_now(self):
        """The token and the lockout as last committed: read on a cursor of
        its own, since this transaction's snapshot may predate them."""
        with self._own_cursor() as env:
            session = env[SESSION].search([("backend_id", "=", self.id)])
            return {
                "token": session.token or "",
                "token_expiry": session.token_expiry or None,
                "locked": session.locked,
            }

    def _saved_session(self):
        """After the side cursor wrote the session: this transaction's
        cache forgets what it read of it."""
        self.env[SESSION].invalidate_model()
        self.invalidate_recordset(sorted(TRANSPORT_FIELDS))

    def _hooks(self):
        backend_id, company_id = self.id, self.company_id.id

        def save_token(token, expiry):
            # Never the backend's row: the caller's transaction writes it.
            with self._own_cursor() as env:
                env[SESSION]._of([backend_id]).write({"token": token, "token_expiry": expiry})
            self._saved_session()

        def login_failed(detail):
            with self._own_cursor() as env:
                session = env[SESSION]._of([backend_id])
                session.write(
                    {
                        "locked": True,
                        "locked_reason": detail[:200],
                        "login_failures": session.login_failures + 1,
                        "token": False,
                    }
                )
            self._saved_session()
            _logger.info("Insurer backend %s locked after a refused login", backend_id)

        def log(entry):
            with self._own_cursor() as env:
                env["credit.insurance.request.log"].create(
                    {**entry, "backend_id": backend_id, "company_id": company_id}
                )

        return Hooks(save_token=save_token, login_failed=login_failed, log=log)

    def _adapter(self, policy=None):
        self.ensure_one()
        if self.kind not in REGISTRY:
            raise UserError(self.env._("No transport for insurers of kind %s.", self.kind))
        return adapter_for(self.kind, self._config(policy), self._hooks())

    def _call(self, operation, policy=None):
        """Runs ``operation(adapter)``; an insurer's refusal becomes a clear
        message (and the caller's transaction writes nothing)."""
        # The log, the token and a lockout are written on another cursor.
        self.env.flush_all()
        try:
            return operation(self._adapter(policy))
        except InsurerError as error:
            raise UserError(self._error_message(error)) from None

    def _error_message(self, error):
        messages = {
            "login_refused": self.env._(
                "%(insurer)s refused the login (%(detail)s). The insurer is locked to protect the "
                "account: an administrator must fix the credentials and unlock it.",
                insurer=self.name,
                detail=error.detail,
            ),
            "login_throttled": self.env._(
                "%(insurer)s refuses logins for now (too many attempts: %(detail)s) and locks the "
                "account for a few minutes. The login was not retried; try again later.",
                insurer=self.name,
                detail=error.detail,
            ),
            "locked": self.env._(
                "%s is locked after a refused login: an administrator must check the credentials "
                "and unlock it before it can be called again.",
                self.name,
            ),
            "unavailable": self.env._(
                "%(insurer)s did not answer (%(detail)s), even after retries. Try again later.",
                insurer=self.name,
                detail=error.detail or error.status or "",
            ),
            "amount_multiple": self.env._(
                "%(insurer)s accepts cover amounts in multiples of 1,000 only (%(detail)s).",
                insurer=self.name,
                detail=error.detail,
            ),
            "cover_exists": self.env._(
                "%(insurer)s already has a cover for this buyer: ask for an increase or a "
                "reduction instead (%(detail)s).",
                insurer=self.name,
                detail=error.detail,
            ),
            "unknown_buyer": self.env._(
                "%(insurer)s does not know this buyer (%(detail)s): check its VAT number, company "
                "registry and country.",
                insurer=self.name,
                detail=error.detail,
            ),
            "bad_answer": self.env._(
                "%(insurer)s sent an answer that cannot be read (%(detail)s).",
                insurer=self.name,
                detail=error.detail,
            ),
            "no_network": self.env._(
                "%s exchanges files: its decisions come with its limit lists.", self.name
            ),
            "already_notified": self.env._(
                "%(insurer)s already has a notice of this kind for this invoice (%(detail)s).",
                insurer=self.name,
                detail=error.detail,
            ),
        }
        return messages.get(error.code) or self.env._(
            "%(insurer)s refused the request: %(detail)s", insurer=self.name, detail=error.detail
        )

    # ------------------------------------------------------------------
    # Synchronisation
    # ------------------------------------------------------------------

    @api.model
    def _cron_sync(self, commit=None):
        """Daily: insurer-side changes of every API backend, then the
        decisions whose effective date has come. ``commit`` (the cron's
        ``_commit_progress``) saves each insurer's work as it is done."""
        backends = self.search([("kind", "!=", "file"), ("locked", "=", False)])
        for backend in backends:
            try:
                with self.env.cr.savepoint():
                    backend._sync()
            # One insurer down, or a bug on its answers, must not stop the others.
            except Exception as error:
                backend._sync_failed(error)
            else:
                if backend.sync_error:
                    backend.sudo().sync_error = False
            if commit:
                commit(1)
        self.env["credit.insurance.cover"]._apply_due_events()

    def _sync_failed(self, error):
        """Notes why the daily synchronisation of this insurer failed: on
        the insurer (its chatter when the reason changes) and one line in
        the server log, without a traceback: tomorrow's run tries again."""
        self.ensure_one()
        if isinstance(error, UserError):
            reason = str(error)
        else:
            reason = self.env._(
                "unexpected error %(kind)s: %(detail)s",
                kind=type(error).__name__,
                detail=error,
            )
        reason = " ".join(reason.split())[:500]
        _logger.warning("Insurer %s (%s) not synchronised: %s", self.id, self.name, reason)
        if reason != self.sync_error:
            self._message_log(body=self.env._("Synchronisation failed: %s", reason))
        self.sudo().sync_error = reason

    def _sync(self):
        """Fetches pending answers and the insurer's own changes since the
        last synchronisation, and records them on the covers."""
        self.ensure_one()
        if self.kind == "file":
            return
        started = fields.Datetime.now()
        Cover = self.env["credit.insurance.cover"]
        pending = Cover.search(
            [
                ("backend_id", "=", self.id),
                "|",
                ("pending", "=", True),
                ("state", "in", ("requested", "referred")),
            ]
        )
        for cover in pending:
            cover._fetch_answer()
        self.env["credit.insurance.overdue.notice"]._fetch_pending(self)
        since = self.last_sync or fields.Datetime.subtract(started, days=30)
        decisions = self._call(lambda adapter: adapter.changes(since))
        events = Cover._record_remote_many(self, decisions, source="sync", new_only=True)
        if events:
            # The covers' history keeps each decision; the run is noted here.
            self._message_log(
                body=self.env._(
                    "Synchronisation: %(count)s new decision(s) recorded in the history of "
                    "%(covers)s cover(s).",
                    count=len(events),
                    covers=len(events.cover_id),
                )
            )
        self.sudo().last_sync = started
