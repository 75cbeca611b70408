"""The HTTP transport shared by the insurer APIs.

Plain Python, no ORM: the backend model hands a :class:`Config` (its
settings and secrets) and :class:`Hooks` (where to keep the token, the
failed logins and the request log) and gets answers or an
:class:`InsurerError`.

Rules every insurer call follows:

* every request has a timeout;
* timeouts, connection errors, 429 and 5xx are retried with an exponential
  backoff (a 429's ``Retry-After`` is honoured up to the backoff's cap);
  validation errors (other 4xx) are never retried;
* a refused login (401/403 on the token call) is never retried: insurers
  lock an account after a few failed logins, so the backend is locked at
  the first one and stays so until an administrator unlocks it;
* a token is reused until shortly before its expiry;
* the request log never holds a secret (see :func:`mask`).
"""

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests

from odoo.addons.credit_management.engine import http_retry

_logger = logging.getLogger(__name__)

RETRY_STATUSES = http_retry.RETRY_STATUSES
# A login is never tried again once the insurer refused or throttled it:
# insurers lock the account after a few failed logins (Creditsafe answers
# 429 and locks it for 5 minutes). A timeout or a server error judged no
# credentials: tried again.
LOGIN_RETRY_STATUSES = RETRY_STATUSES - {429}
# A token is renewed this long before the insurer says it expires.
TOKEN_MARGIN = timedelta(seconds=60)
SECRET_KEYS = {"apikey", "api_key", "password", "client_secret", "access_token", "token", "app_key"}


def utcnow():
    """Naive UTC, as Odoo stores datetimes."""
    return datetime.now(UTC).replace(tzinfo=None)


class InsurerError(Exception):
    """An insurer call that did not succeed.

    ``code`` is one of: login_refused, login_throttled (a 429 on the login:
    the insurer's account locked for a while), locked, unavailable, amount_multiple,
    cover_exists, unknown_buyer, pending, validation, bad_answer, no_network,
    already_notified (an overdue notice the insurer has already).
    The backend model turns it into a translated message; ``detail`` is the
    insurer's own words.
    """

    def __init__(self, code, detail="", status=None):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status


@dataclass
class Config:
    base_url: str = ""
    timeout: float = 20.0
    max_retries: int = 3
    backoff: float = 1.0
    backoff_cap: float = 30.0
    api_key: str = ""
    client_id: str = ""
    client_secret: str = ""
    app_key: str = ""
    token: str = ""
    token_expiry: datetime | None = None
    locked: bool = False
    poll_attempts: int = 5
    poll_interval: float = 2.0
    policy_ref: str = ""

    def secrets(self):
        return [s for s in (self.api_key, self.client_secret, self.app_key, self.token) if s]


@dataclass
class Hooks:
    """Callbacks into the backend model; the defaults keep nothing."""

    save_token: object = None  # (token, expiry)
    login_failed: object = None  # (detail)
    log: object = None  # (entry dict)
    sleep: object = field(default=time.sleep)


def mask(text, secrets):
    """``text`` with every secret replaced, and the values of secret-looking
    JSON keys too."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    if not isinstance(text, str):
        text = json.dumps(text, default=str)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        data = {k: "****" if k.lower() in SECRET_KEYS else v for k, v in data.items()}
        text = json.dumps(data, default=str)
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "****")
    return text


class HttpAdapter:
    """Shared transport; subclasses know the paths and the payloads."""

    def __init__(self, config, hooks=None, session=None):
        self.config = config
        self.hooks = hooks or Hooks()
        self.session = session or requests.Session()
        self.token = config.token
        self.token_expiry = config.token_expiry

    # ------------------------------------------------------------------
    # Authentication
    # ------------------------------------------------------------------

    def login(self):
        """Returns ``(token, seconds valid)``: the insurer's token call."""
        raise NotImplementedError

    def auth_headers(self):
        if self.config.locked:
            raise InsurerError("locked")
        now = utcnow()
        if not self.token or not self.token_expiry or self.token_expiry - TOKEN_MARGIN <= now:
            token, seconds = self.login()
            self.token = token
            self.token_expiry = now + timedelta(seconds=seconds)
            if self.hooks.save_token:
                self.hooks.save_token(self.token, self.token_expiry)
        return {"Authorization": f"Bearer {self.token}"}

    def login_request(self, method, path, **kwargs):
        """Sends the token call: a refusal or a 429 is never retried (insurers
        lock accounts after failed logins); a refusal locks the backend, a
        429 only fails this call."""
        if self.config.locked:
            raise InsurerError("locked")
        # Timeouts and server errors are retried; a refusal (4xx) never is.
        response = self.send(method, path, retry_statuses=LOGIN_RETRY_STATUSES, **kwargs)
        if response.status_code == 429:
            # Locked for a while on the insurer's side: the backend stays
            # usable, the next call (not an automatic retry) logs in again.
            wait = response.headers.get("Retry-After")
            detail = self.error_detail(response)
            raise InsurerError(
                "login_throttled", f"{detail} (retry after {wait} s)" if wait else detail, 429
            )
        if response.status_code in (400, 401, 403):
            detail = self.error_detail(response)
            if self.hooks.login_failed:
                self.hooks.login_failed(detail)
            raise InsurerError("login_refused", detail, response.status_code)
        if response.status_code >= 300:
            raise InsurerError("unavailable", self.error_detail(response), response.status_code)
        data = self.json(response)
        token = data.get("access_token") or data.get("token")
        if not token:
            raise InsurerError("bad_answer", "no token in the answer")
        return token, int(data.get("expires_in") or 3600)

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------

    def url(self, path):
        if path.startswith(("http://", "https://")):
            # A link of the insurer's answer (a job's resource): only on the
            # insurer's own host, where the token may go.
            if urlsplit(path)[:2] != urlsplit(self.config.base_url)[:2]:
                raise InsurerError("bad_answer", f"a link outside the insurer's host: {path}")
            return path
        return self.config.base_url.rstrip("/") + "/" + path.lstrip("/")

    def call(self, method, path, headers_extra=None, **kwargs):
        """An authenticated call; a 401 on a cached token gets one new token."""
        response = self.send(method, path, headers=self.headers(headers_extra), **kwargs)
        if response.status_code == 401:
            self.token = ""
            response = self.send(method, path, headers=self.headers(headers_extra), **kwargs)
        return response

    def headers(self, extra=None):
        return {**self.auth_headers(), **(extra or {})}

    def send(
        self, method, path, *, retry=True, retry_statuses=RETRY_STATUSES, headers=None, **kwargs
    ):
        """One request with the retry rules of the module; every attempt is logged."""
        url = self.url(path)

        def log(response, error, duration):
            self.log(method, url, kwargs, response, error, duration=duration)

        try:
            return http_retry.send(
                self.session,
                method,
                url,
                self.policy(),
                retry=retry,
                retry_statuses=retry_statuses,
                sleep=self.hooks.sleep,
                on_attempt=log,
                headers=headers,
                **kwargs,
            )
        except http_retry.Unavailable as error:
            if error.response is None:
                raise InsurerError("unavailable", error.detail) from None
            raise InsurerError(
                "unavailable", self.error_detail(error.response), error.status
            ) from None

    def policy(self):
        return http_retry.Policy(
            timeout=self.config.timeout,
            max_retries=self.config.max_retries,
            backoff=self.config.backoff,
            backoff_cap=self.config.backoff_cap,
        )

    def log(self, method, url, kwargs, response, error, *, duration):
        if not self.hooks.log:
            return
        secrets = self.config.secrets() + ([self.token] if self.token else [])
        body = kwargs.get("json") if "json" in kwargs else kwargs.get("data")
        self.hooks.log(
            {
                "method": method,
                "url": mask(url, secrets),
                "status_code": response.status_code if response is not None else 0,
                "duration_ms": int(duration * 1000),
                "request_body": mask(body, secrets) if body is not None else "",
                "response_body": mask(response.text, secrets)[:20000]
                if response is not None
                else "",
                "error": error.__class__.__name__ if error is not None else "",
            }
        )

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------

    @staticmethod
    def json(response):
        try:
            data = response.json()
        except ValueError as exc:
            raise InsurerError("bad_answer", "not JSON", response.status_code) from exc
        if not isinstance(data, dict):
            raise InsurerError("bad_answer", "not a JSON object", response.status_code)
        return data

    @staticmethod
    def error_detail(response):
        if response is None:
            return ""
        try:
            data = response.json()
        except ValueError:
            return response.text[:500]
        if isinstance(data, dict):
            errors = data.get("errors")
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                data = errors[0]
            return str(data.get("message") or data.get("detail") or data.get("code") or data)
        return str(data)[:500]

    def error_code(self, response):
        """The neutral code of a refusal; subclasses read the insurer's codes."""
        return "validation"

    def check(self, response, ok=(200, 201, 202)):
        """The answer's JSON, or the refusal as an :class:`InsurerError`."""
        if response.status_code not in ok:
            raise InsurerError(
                self.error_code(response), self.error_detail(response), response.status_code
            )
        return self.json(response)

    # ------------------------------------------------------------------
    # The operations every insurer adapter offers
    # ------------------------------------------------------------------

    def search_buyer(self, vat, registry, country):
        """Insurer buyer ids matching a legal id and country: a list of
        ``{"ref": id, "name": name}``."""
        raise NotImplementedError

    def request_cover(self, buyer_ref, kind, amount, *, currency, key, cover_ref=""):
        """Sends a cover request; returns a :class:`~..mappers.Decision`."""
        raise NotImplementedError

    def get_cover(self, cover_ref):
        raise NotImplementedError

    def poll_job(self, job_id):
        """A pending job's decision, or None while still pending."""
        return None

    def changes(self, since):
        """Decisions changed on the insurer's side since ``since`` (datetime)."""
        raise NotImplementedError

    def send_notice(self, notice):
        """Sends an overdue notice (:class:`~..mappers.overdue.Notice`);
        returns an :class:`~..mappers.overdue.Answer` (``sent`` while the
        insurer examines it, with a job id or reference to ask again)."""
        raise NotImplementedError

    def notice_answer(self, answer):
        """The answer to a notice still examined (``answer`` as last
        received), or None while there is none."""
        raise NotImplementedError

    def send_declaration(self, declaration):
        """Sends a turnover declaration (a dict: key, start, end, currency,
        tax_included, replaces, lines of country, invoices, credit_notes,
        invoiced, credited, turnover); returns a
        :class:`~..mappers.filing.Answer`, or None while the insurer works."""
        raise NotImplementedError

    def send_claim(self, claim):
        """Sends a claim (a dict: key, buyer, currency, amount, items of
        number, date, due, amount, open, documents of name, mimetype, base64
        content); returns a :class:`~..mappers.filing.Answer` or None."""
        raise NotImplementedError

    def get_claim(self, ref):
        """The insurer's current answer to a claim."""
        raise NotImplementedError

    def get_declaration(self, ref):
        """The insurer's current answer to a turnover declaration."""
        raise NotImplementedError

    def filing_job(self, job_id, read):
        """The answer of a declaration's or claim's job still running at the
        insurer (``read``: a reader of :mod:`~..mappers.filing`), None while
        it runs; for APIs that answer through jobs."""
        return None
