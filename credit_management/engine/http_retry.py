"""Retry rules shared by the suite's HTTP connectors (insurers, factors).

Plain Python, no ORM. :func:`send` makes one logical request: every attempt
has a timeout; timeouts, connection errors, 429 and 5xx are retried with an
exponential backoff (a 429's ``Retry-After`` honoured up to the cap); other
transport errors (a garbled answer, a bad address) are not; any other
answer is returned at once, for the connector to read. When every
attempt failed it raises :class:`Unavailable`, which each connector turns
into its own error.
"""

import contextlib
import time
from dataclasses import dataclass

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Transport errors worth another try: the peer slow or the connection cut.
RETRY_ERRORS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


class Unavailable(Exception):
    """No usable answer after the retries: ``detail`` names the last
    error (an exception class name) or holds the last answer's text;
    ``response`` is that answer, if there was one."""

    def __init__(self, detail, response=None):
        super().__init__(detail)
        self.detail = detail
        self.response = response

    @property
    def status(self):
        return self.response.status_code if self.response is not None else None


@dataclass(frozen=True)
class Policy:
    timeout: float = 20.0
    max_retries: int = 3
    backoff: float = 1.0
    backoff_cap: float = 30.0

    def delay(self, attempt, response=None):
        """Seconds to wait before retry number ``attempt + 1``."""
        delay = self.backoff * (2**attempt)
        if response is not None and response.status_code == 429:
            with contextlib.suppress(ValueError, TypeError):
                delay = max(delay, float(response.headers.get("Retry-After") or 0))
        return min(delay, self.backoff_cap)


def send(
    session,
    method,
    url,
    policy,
    *,
    retry=True,
    retry_statuses=RETRY_STATUSES,
    sleep=time.sleep,
    on_attempt=None,
    **kwargs,
):
    """The answer of the first attempt that is not retryable.

    ``retry_statuses`` are the answers tried again (a login passes them
    without 429: a peer that throttles logins locks the account when they
    go on). ``on_attempt(response, error, duration)`` is called after every
    attempt (for a request log); ``kwargs`` go to ``session.request``.
    """
    attempts = 1 + (max(policy.max_retries, 0) if retry else 0)
    response = error = None
    for attempt in range(attempts):
        started = time.monotonic()
        response = error = None
        try:
            response = session.request(method, url, timeout=policy.timeout, **kwargs)
        except requests.RequestException as exc:
            error = exc
        if on_attempt:
            on_attempt(response, error, time.monotonic() - started)
        if error is not None and not isinstance(error, RETRY_ERRORS):
            # A garbled answer, a bad address...: the peer is not usable now.
            raise Unavailable(error.__class__.__name__)
        if error is None and response.status_code not in retry_statuses:
            return response
        if attempt + 1 < attempts:
            sleep(policy.delay(attempt, response))
    if error is not None:
        raise Unavailable(error.__class__.__name__)
    raise Unavailable(response.text[:500], response)
