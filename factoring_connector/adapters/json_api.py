"""The JSON API transport of factoring batches.

Plain Python, no ORM: the contract hands a :class:`Config` and gets the
factor's answer as a dict, or a :class:`FactorError`.

Rules:

* every request has a timeout;
* timeouts, connection errors, 429 and 5xx are retried with an exponential
  backoff (a 429's ``Retry-After`` honoured up to the cap); a refusal (other
  4xx) never is;
* every submission of a batch carries the batch's idempotency key in the
  ``Idempotency-Key`` header: a retry after a timeout, or a later resend,
  gets the factor's first answer and never creates a second submission.
"""

import time
from dataclasses import dataclass, field

import requests

from odoo.addons.credit_management.engine import http_retry


class FactorError(Exception):
    """``code``: unavailable (no answer even after retries), refused (the
    factor refused the batch), bad_answer."""

    def __init__(self, code, detail="", status=None):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status


@dataclass
class Config:
    base_url: str
    api_key: str = ""
    timeout: float = 20.0
    max_retries: int = 3
    backoff: float = 1.0
    backoff_cap: float = 30.0


@dataclass
class Hooks:
    sleep: object = field(default=time.sleep)


class JsonApiAdapter:
    def __init__(self, config, hooks=None, session=None):
        self.config = config
        self.hooks = hooks or Hooks()
        self.session = session or requests.Session()

    def submit(self, payload, key):
        """POSTs a batch; returns the factor's answer (a dict)."""
        response = self._send("POST", "/batches", json=payload, key=key)
        if response.status_code not in (200, 201, 202):
            raise FactorError("refused", self._detail(response), response.status_code)
        try:
            data = response.json()
        except ValueError as error:
            raise FactorError("bad_answer", "not JSON", response.status_code) from error
        if not isinstance(data, dict):
            raise FactorError("bad_answer", "not a JSON object", response.status_code)
        return data

    def _send(self, method, path, *, key, **kwargs):
        url = self.config.base_url.rstrip("/") + path
        headers = {"Authorization": f"Bearer {self.config.api_key}", "Idempotency-Key": key}
        policy = http_retry.Policy(
            timeout=self.config.timeout,
            max_retries=self.config.max_retries,
            backoff=self.config.backoff,
            backoff_cap=self.config.backoff_cap,
        )
        try:
            return http_retry.send(
                self.session, method, url, policy, sleep=self.hooks.sleep, headers=headers, **kwargs
            )
        except http_retry.Unavailable as error:
            if error.response is None:
                raise FactorError("unavailable", error.detail) from None
            raise FactorError("unavailable", self._detail(error.response), error.status) from None

    @staticmethod
    def _detail(response):
        try:
            data = response.json()
        except ValueError:
            return response.text[:500]
        if isinstance(data, dict):
            return str(data.get("message") or data.get("code") or data)[:500]
        return str(data)[:500]
