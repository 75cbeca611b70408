"""An insurer sandbox on 127.0.0.1 for the tests: both API styles
(Allianz Trade-like and Atradius-like) over real HTTP, with the faults the
transport must survive (429, 500, timeouts, a wrong password) and webhooks
it POSTs to the running Odoo.

Decisions follow the requested amount: up to 100,000 approved, up to
200,000 partly approved (100,000), up to 500,000 referred to an
underwriter (decided later by :meth:`InsurerSandbox.decide`), above
refused. Amounts must be multiples of 1,000.

Overdue notices (Allianz Trade ``POST /v1/overdues`` answered by a job;
Atradius non-payment notifications answered 201 or 202): a default is
accepted; an extension is accepted up to 90 days after the original due
date and rejected beyond (past the maximum extension period); a
rescheduling is examined (decided later by
:meth:`InsurerSandbox.decide_notice`). Refused at once: an unknown buyer,
an amount not above 0, a notice of the same kind for the same invoice.
Turnover declarations: one per policy and period (a correction names the
declaration it replaces), only for periods that have ended; answered with
:attr:`InsurerSandbox.declaration_status`. Claims: only on a buyer with a
cover in force, one open claim per invoice; acknowledged, then decided by
:meth:`InsurerSandbox.decide_claim`.
"""

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.request
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

API_KEY = "sandbox-api-key-0001"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret-0002"
APP_KEY = "sandbox-app-key-0003"
ATRADIUS_COVERS = "/credit-insurance/cover-management/v1/covers"
ATRADIUS_BUYERS = "/credit-insurance/organisation-management/v1/buyers"
ATRADIUS_NOTICES = "/credit-insurance/overdue-management/v1/non-payment-notifications"
ALLIANZ_OVERDUES = "/v1/overdues"
MAX_EXTENSION = 90
ATRADIUS_DECLARATIONS = "/credit-insurance/policy-management/v1/turnover-declarations"
ATRADIUS_CLAIMS = "/credit-insurance/claim-management/v1/claims"
ALLIANZ_DECLARATIONS = "/policy/v2/turnover-declarations"
ALLIANZ_CLAIMS = "/claims/v1/claims"
ALLIANZ_PREFIXES = ("/riskinfo/", "/v1/jobs/", "/policy/", "/claims/")
PAGE_SIZE = 2


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def _send(self, status, data=None, headers=None):
        self._send_raw(status, json.dumps(data if data is not None else {}).encode(), headers)

    def _send_raw(self, status, body, headers=None):
        try:
            self._write(status, body, headers)
        except (BrokenPipeError, ConnectionResetError):
            # the client gave up (a timeout test)
            self.close_connection = True

    def _write(self, status, body, headers):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method):
        sandbox = self.server.sandbox
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self._body() if method == "POST" else {}
        with sandbox.lock:
            sandbox.calls.append((method, url.path))
            fault = sandbox.faults.pop(0) if sandbox.faults else None
        if fault == "timeout":
            time.sleep(sandbox.timeout_delay)
            self._send(504, {"message": "too late"})
            return
        if fault == "garbled":
            # Announced as gzip, it is not: the client cannot read the answer.
            self._send_raw(200, b"not gzip at all", {"Content-Encoding": "gzip"})
            return
        if fault in (429, 500, 503):
            self._send(fault, {"message": "try again"}, {"Retry-After": "0"})
            return
        status, data = sandbox.route(method, url.path, query, body, self.headers)
        self._send(status, data)


class InsurerSandbox(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sandbox = self
        self.port = self.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.calls = []
        self.faults = []  # next answers: 429, 500, 503, "timeout" or "garbled"
        self.timeout_delay = 10.5  # Odoo's tests raise client timeouts to 10 s
        self.tokens = set()
        self.buyers = {}  # (country, legal id) -> [(buyer id, name)]
        self.covers = {}  # cover id -> cover dict (style, buyer, policy, amounts, status...)
        self.jobs = {}  # job id -> {"polls": pending polls left, "cover": id, "error": code}
        self.keys = {}  # customer reference -> first answer (status, data)
        self.webhooks = []  # events to POST
        self.job_polls = 0  # polls answered PENDING before a job is processed
        self.notices = {}  # notice id -> notice dict (style, kind, invoice, status...)
        self.page_size = PAGE_SIZE  # covers per page of changes
        self.changes_answer = None  # the answer to every page of changes, if set
        self.declarations = {}  # declaration id -> declaration dict (style, policy, period...)
        self.claims = {}  # claim id -> claim dict (style, buyer, invoices, documents, status...)
        self.declaration_status = "ACCEPTED"  # the answer to the next declarations
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    # ------------------------------------------------------------------
    # Test controls
    # ------------------------------------------------------------------

    def reset(self, buyers=None):
        """Forgets what earlier tests did; keeps ``buyers``."""
        with self.lock:
            self.calls, self.faults, self.webhooks = [], [], []
            self.tokens, self.covers, self.jobs, self.keys = set(), {}, {}, {}
            self.job_polls = 0
            self.notices = {}
            self.declarations, self.claims = {}, {}
            self.declaration_status = "ACCEPTED"
            self.buyers = {key: list(value) for key, value in (buyers or {}).items()}

    def add_buyer(self, country, legal_id, name):
        buyer_id = f"B{next(self._ids):05d}"
        self.buyers.setdefault((country, legal_id), []).append((buyer_id, name))
        return buyer_id

    def count(self, path_part, method=None):
        return sum(1 for m, p in self.calls if path_part in p and (method is None or m == method))

    def decide(self, cover_id, amount, kind="", effective=None, event=True):
        """The underwriter (or the insurer on its own, with ``kind``
        REDUCTION or CANCELLATION) decides on a cover; queues a webhook."""
        cover = self.covers[cover_id]
        cover["amount"] = amount
        cover["decision_id"] = f"D{next(self._ids):05d}"
        cover["kind"] = kind
        cover["effective"] = (effective or date.today()).isoformat()
        cover["updated"] = next(self._ids)
        if kind == "CANCELLATION" or (kind and not amount):
            cover["status"] = "WITHDRAWN"
        elif kind == "REDUCTION":
            cover["status"] = "REDUCED"
        else:
            cover["status"] = self._allianz_status(amount, cover["requested"])
        if event:
            self.webhooks.append(
                {
                    "eventId": f"E{next(self._ids):05d}",
                    "eventType": "COVER_DECISION",
                    "cover": self.render(cover),
                }
            )

    def deliver(self, url, secret, events=None):
        """POSTs the queued webhooks to ``url`` signed with ``secret``;
        returns the (status, answer) of each."""
        results = []
        for event in events if events is not None else self.webhooks:
            body = json.dumps(event).encode()
            signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            request = urllib.request.Request(
                url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "X-Signature": signature},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    results.append((answer.status, json.loads(answer.read())))
            except urllib.error.HTTPError as error:
                results.append((error.code, json.loads(error.read() or b"{}")))
        return results

    # ------------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------------

    def route(self, method, path, query, body, headers):  # noqa: PLR0911
        if path == "/v1/idp/oauth2/authorize":
            return self._token(body.get("apiKey") == API_KEY)
        if path == "/authenticate/v2/tokens":
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            ok = headers.get("Authorization") == f"Basic {expected}"
            return self._token(ok and headers.get("app_key") == APP_KEY)
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if token not in self.tokens:
            return 401, {"message": "invalid token"}
        if path.startswith(("/riskinfo/", "/v1/jobs/", ALLIANZ_OVERDUES)):
            return self._allianz(method, path, query, body)
        if path.startswith(ALLIANZ_PREFIXES):
            return self._filing("allianz", method, path, body) or self._allianz(
                method, path, query, body
            )
        if headers.get("app_key") != APP_KEY:
            return 403, {"code": "FORBIDDEN", "message": "app key missing"}
        return self._filing("atradius", method, path, body) or self._atradius(
            method, path, query, body
        )

    def _token(self, ok):
        if not ok:
            return 401, {"message": "invalid credentials"}
        token = f"tok-{next(self._ids)}"
        self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    def _search(self, country, legal_id):
        return self.buyers.get((country, legal_id), [])

    def _new_cover(self, style, buyer, policy, amount, *, currency, key):
        cover_id = f"C{next(self._ids):05d}"
        cover = {
            "id": cover_id,
            "style": style,
            "buyer": buyer,
            "policy": policy,
            "requested": amount,
            "currency": currency,
            "key": key,
            "decision_id": f"D{next(self._ids):05d}",
            "kind": "",
            "effective": date.today().isoformat(),
            "updated": next(self._ids),
        }
        if amount <= 100000:
            cover.update(amount=amount, status="APPROVED")
        elif amount <= 200000:
            cover.update(amount=100000, status="PARTIALLY_APPROVED")
        elif amount <= 500000:
            cover.update(amount=0, status="PENDING")
        else:
            cover.update(amount=0, status="REFUSED")
        self.covers[cover_id] = cover
        return cover

    def _existing(self, buyer, policy):
        return next(
            (
                c
                for c in self.covers.values()
                if c["buyer"] == buyer and c["policy"] == policy and c["status"] != "REFUSED"
            ),
            None,
        )

    @staticmethod
    def _allianz_status(amount, requested):
        if not amount:
            return "REFUSED"
        return "APPROVED" if amount >= requested else "PARTIALLY_APPROVED"

    def render(self, cover):
        if cover["style"] == "allianz":
            return {
                "coverId": cover["id"],
                "companyId": cover["buyer"],
                "policyId": cover["policy"],
                "status": cover["status"],
                "decisionId": cover["decision_id"],
                "decisionDate": date.today().isoformat(),
                "effectiveDate": cover["effective"],
                "creditLimitDetails": {
                    "requestedAmount": cover["requested"],
                    "amount": cover["amount"],
                    "currencyCode": cover["currency"],
                },
                "conditions": ["Payment terms of 60 days at most"]
                if cover["status"] == "PARTIALLY_APPROVED"
                else [],
            }
        status = {"PENDING": "REFERRED", "WITHDRAWN": "WITHDRAWN"}.get(cover["status"], "DECISION")
        return {
            "coverId": cover["id"],
            "buyerId": cover["buyer"],
            "coverType": "credit-limit",
            "coverStatus": status,
            "requestedAmount": {"amount": cover["requested"], "currency": cover["currency"]},
            "decision": {}
            if status == "REFERRED"
            else {
                "decisionId": cover["decision_id"],
                "decisionType": cover["kind"] or "REQUEST_DECISION",
                "decisionDate": date.today().isoformat(),
                "effectiveDate": cover["effective"],
                "firstAmount": {"amount": cover["amount"], "currency": cover["currency"]},
                "conditions": "",
            },
        }

    def _validate(self, buyer_known, amount, existing, action):
        """Refusals shared by both styles: (code, status, message) or None."""
        if not buyer_known:
            return "buyer", 404, "no buyer match"
        if action != "cancel" and (amount <= 0 or amount % 1000):
            return "amount", 400, "amount must be a multiple of 1000"
        if action == "new" and existing:
            return "exists", 409, "cover already exists"
        return None

    def _known_buyer(self, buyer):
        return any(buyer == b for matches in self.buyers.values() for b, _name in matches)

    # Allianz Trade style ----------------------------------------------

    def _allianz(self, method, path, query, body):
        if path == "/riskinfo/v3/companies":
            legal = query.get("vatNumber") or query.get("registrationNumber")
            found = self._search(query.get("countryCode"), legal)
            return 200, {"companies": [{"companyId": b, "name": n} for b, n in found]}
        if path == "/riskinfo/v3/covers":
            if method == "POST":
                return self._allianz_request(body)
            return 200, self._page("allianz", query, "covers")
        if path.startswith("/v1/jobs/"):
            return self._allianz_job(path.rsplit("/", 1)[1])
        if path.startswith("/riskinfo/v3/covers/"):
            cover = self.covers.get(path.rsplit("/", 1)[1])
            return (200, self.render(cover)) if cover else (404, {"errors": [{"code": "NF"}]})
        return self._notice_route(ALLIANZ_OVERDUES, method, path, body) or (
            404,
            {"errors": [{"code": "NOT_FOUND", "message": path}]},
        )

    def _allianz_request(self, body):
        codes = {
            "buyer": "COMPANY_NOT_FOUND",
            "amount": "INVALID_AMOUNT_MULTIPLE",
            "exists": "COVER_ALREADY_EXISTS",
        }
        key = body.get("customerReference")
        if key in self.keys:
            return self.keys[key]
        details = body.get("creditLimitDetails") or {}
        amount = details.get("requestedAmount") or 0
        action = (body.get("requestType") or "").lower()
        existing = self._existing(body.get("companyId"), body.get("policyId"))
        error = self._validate(self._known_buyer(body.get("companyId")), amount, existing, action)
        if error:
            return error[1], {"errors": [{"code": codes[error[0]], "message": error[2]}]}
        if action == "new":
            cover = self._new_cover(
                "allianz",
                body["companyId"],
                body.get("policyId"),
                amount,
                currency=details.get("currencyCode"),
                key=key,
            )
        else:
            cover = self._change(body["coverId"], action, amount)
            if action != "cancel":
                cover["status"] = self._allianz_status(cover["amount"], amount)
        job_id = f"J{next(self._ids):05d}"
        self.jobs[job_id] = {"polls": self.job_polls, "cover": cover["id"]}
        self.keys[key] = (202, {"jobId": job_id})
        return self.keys[key]

    def _change(self, cover_id, action, amount):
        """An increase, reduction or prolongation (granted up to 100,000), or
        a cancellation."""
        cover = self.covers[cover_id]
        cover["requested"] = amount
        cover["amount"] = min(amount, 100000) if action != "cancel" else 0
        cover["status"] = "WITHDRAWN" if action == "cancel" else "APPROVED"
        cover["decision_id"] = f"D{next(self._ids):05d}"
        cover["updated"] = next(self._ids)
        return cover

    def _allianz_job(self, job_id):
        job = self.jobs.get(job_id)
        if not job:
            return 404, {"errors": [{"code": "NOT_FOUND", "message": "no such job"}]}
        if job["polls"] > 0:
            job["polls"] -= 1
            return 200, {"status": "PENDING"}
        if job.get("error"):
            return 200, {"status": "FAILED", "errors": [job["error"]]}
        url = job.get("url") or f"{self.url}/riskinfo/v3/covers/{job['cover']}"
        return 200, {"status": "PROCESSED", "resourceUrl": url}

    def _page(self, style, query, key):
        if self.changes_answer is not None:
            return self.changes_answer
        covers = sorted(
            (c for c in self.covers.values() if c["style"] == style), key=lambda c: c["updated"]
        )
        page = int(query.get("page") or 1)
        size = self.page_size
        chunk = covers[(page - 1) * size : page * size]
        more = len(covers) > page * size
        return {key: [self.render(c) for c in chunk], "nextPage": page + 1 if more else None}

    # Atradius style ---------------------------------------------------

    def _atradius(self, method, path, query, body):
        if path == ATRADIUS_BUYERS:
            found = self._search(query.get("countryCode"), query.get("uid"))
            return 200, {"data": [{"buyerId": b, "name": n} for b, n in found]}
        if path == ATRADIUS_COVERS:
            if method == "POST":
                return self._atradius_request(body)
            return 200, self._page("atradius", query, "data")
        if path.startswith(ATRADIUS_COVERS + "/"):
            cover = self.covers.get(path.rsplit("/", 1)[1])
            return (200, self.render(cover)) if cover else (404, {"code": "NOT_FOUND"})
        return self._notice_route(ATRADIUS_NOTICES, method, path, body) or (
            404,
            {"code": "NOT_FOUND", "message": path},
        )

    def _atradius_request(self, body):
        codes = {"buyer": "NO_BUYER_MATCH", "amount": "INVALID_AMOUNT", "exists": "COVER_EXISTS"}
        key = body.get("customerReference")
        if key in self.keys:
            return self.keys[key]
        requested = body.get("requestedAmount") or {}
        amount = requested.get("amount") or 0
        action = body.get("coverAction") or "new"
        existing = self._existing(body.get("buyerId"), body.get("policyId"))
        error = self._validate(self._known_buyer(body.get("buyerId")), amount, existing, action)
        if error:
            return error[1], {"code": codes[error[0]], "message": error[2]}
        if action == "new":
            cover = self._new_cover(
                "atradius",
                body["buyerId"],
                body.get("policyId"),
                amount,
                currency=requested.get("currency"),
                key=key,
            )
        else:
            cover = self._change(body["coverId"], action, amount)
        status = 202 if cover["status"] == "PENDING" else 201
        self.keys[key] = (status, self.render(cover))
        return self.keys[key]

    # Overdue notices (both styles) ------------------------------------

    def decide_notice(self, notice_id, accepted, reason=""):
        """The insurer decides on a notice it was examining."""
        notice = self.notices[notice_id]
        notice["status"] = "ACCEPTED" if accepted else "REJECTED"
        notice["reason"] = reason

    def _notice_route(self, base, method, path, body):
        """Sends and readings of notices under ``base``; None elsewhere."""
        if path == base and method == "POST":
            if base == ALLIANZ_OVERDUES:
                return self._allianz_overdue(body)
            return self._atradius_notice(body)
        if path.startswith(base + "/"):
            notice = self.notices.get(path.rsplit("/", 1)[1])
            return (200, self.render_notice(notice)) if notice else (404, {"code": "NOT_FOUND"})
        return None

    def _new_notice(self, style, key, *, kind, buyer, invoice, due, new_due, amount, currency):
        """A notice received: (error code, status, message) or the notice."""
        if not self._known_buyer(buyer):
            return "buyer", 404, "no buyer match"
        if not amount or amount <= 0:
            return "amount", 400, "the amount overdue must be positive"
        if any(
            n["kind"] == kind and n["invoice"] == invoice and n["status"] != "REJECTED"
            for n in self.notices.values()
        ):
            return "exists", 409, f"a {kind} notice exists for invoice {invoice}"
        notice = {
            "id": f"N{next(self._ids):05d}",
            "style": style,
            "kind": kind,
            "buyer": buyer,
            "invoice": invoice,
            "due": due,
            "new_due": new_due,
            "amount": amount,
            "currency": currency,
            "key": key,
            "status": "ACCEPTED",
            "reason": "",
        }
        if kind == "extension":
            limit = date.fromisoformat(due) + timedelta(days=MAX_EXTENSION)
            if date.fromisoformat(new_due) > limit:
                notice.update(
                    status="REJECTED",
                    reason=f"the new due date is beyond the maximum extension period ({limit})",
                )
        elif kind == "rescheduling":
            notice["status"] = "UNDER_REVIEW"
        self.notices[notice["id"]] = notice
        return notice

    def render_notice(self, notice):
        decided = notice["status"] in ("ACCEPTED", "REJECTED")
        if notice["style"] == "allianz":
            codes = {"default": "OVD", "extension": "EXP", "rescheduling": "RES"}
            return {
                "overdueId": notice["id"],
                "overdueCategoryTypeCode": codes[notice["kind"]],
                "debtorId": notice["buyer"],
                "invoiceReference": notice["invoice"],
                "dueDate": notice["due"],
                "newDueDate": notice["new_due"],
                "overdueAmount": notice["amount"],
                "currency": notice["currency"],
                "status": notice["status"],
                "statusReason": notice["reason"],
                "decisionDate": date.today().isoformat() if decided else None,
            }
        return {
            "notificationId": notice["id"],
            "buyerId": notice["buyer"],
            "invoiceNumber": notice["invoice"],
            "status": notice["status"] if decided else "RECEIVED",
            "reason": notice["reason"],
            "decisionDate": date.today().isoformat() if decided else None,
        }

    def _allianz_overdue(self, body):
        key = body.get("customerReference")
        if key in self.keys:
            return self.keys[key]
        kinds = {"OVD": "default", "EXP": "extension", "RES": "rescheduling"}
        codes = {
            "buyer": "COMPANY_NOT_FOUND",
            "amount": "INVALID_OVERDUE_AMOUNT",
            "exists": "OVERDUE_ALREADY_REPORTED",
        }
        notice = self._new_notice(
            "allianz",
            key,
            kind=kinds.get(body.get("overdueCategoryTypeCode")),
            buyer=body.get("debtorId"),
            invoice=body.get("invoiceReference"),
            due=body.get("dueDate"),
            new_due=body.get("newDueDate"),
            amount=body.get("overdueAmount"),
            currency=body.get("currency"),
        )
        if isinstance(notice, tuple):
            return notice[1], {"errors": [{"code": codes[notice[0]], "message": notice[2]}]}
        job_id = f"J{next(self._ids):05d}"
        url = f"{self.url}{ALLIANZ_OVERDUES}/{notice['id']}"
        self.jobs[job_id] = {"polls": self.job_polls, "url": url}
        self.keys[key] = (202, {"jobId": job_id})
        return self.keys[key]

    # Turnover declarations and claims (both styles) -------------------

    def decide_claim(self, claim_id, status, paid=0.0, message="", *, paid_in=None, paid_on=None):
        """The insurer's claims department moves a claim on (its own
        vocabulary: PAID, PARTIALLY_PAID, REJECTED... or SETTLED...);
        the indemnity in the claim's currency or ``paid_in``, paid today
        or ``paid_on``."""
        claim = self.claims[claim_id]
        claim.update(status=status, paid=paid, message=message, paid_in=paid_in, paid_on=paid_on)

    def _filing(self, style, method, path, body):
        """A declaration or claim call of ``style``, or None for the other
        calls."""
        if style == "allianz":
            declarations, claims = ALLIANZ_DECLARATIONS, ALLIANZ_CLAIMS
            post = self._allianz_filing
        else:
            declarations, claims = ATRADIUS_DECLARATIONS, ATRADIUS_CLAIMS
            post = self._atradius_filing
        if path in (declarations, claims) and method == "POST":
            return post(path, body)
        found = self._filing_at(path, declarations, claims)
        return (200, found) if found else None

    def _filing_at(self, path, declarations, claims):
        """The declaration or claim a GET names, rendered."""
        for prefix, table in ((declarations, self.declarations), (claims, self.claims)):
            if path.startswith(prefix + "/"):
                record = table.get(path.rsplit("/", 1)[1])
                if record:
                    return self.render_filing(record)
        return None

    def render_filing(self, record):
        if record["kind"] == "declaration":
            return {
                "declarationId": record["id"],
                "status": record["status"],
                "policyId": record["policy"],
                "message": record["message"],
            }
        paid = record.get("paid") or 0.0
        paid_in = record.get("paid_in") or record["currency"]
        paid_on = (record.get("paid_on") or date.today()).isoformat()
        if record["style"] == "allianz":
            data = {
                "claimId": record["id"],
                "status": record["status"],
                "companyId": record["buyer"],
                "policyId": record["policy"],
                "claimedAmount": {"amount": record["amount"], "currencyCode": record["currency"]},
                "message": record["message"],
            }
            if paid:
                data["indemnity"] = {
                    "paidAmount": paid,
                    "currencyCode": paid_in,
                    "paymentDate": paid_on,
                }
            return data
        data = {
            "claimId": record["id"],
            "claimStatus": record["status"],
            "buyerId": record["buyer"],
            "claimAmount": {"amount": record["amount"], "currency": record["currency"]},
            "message": record["message"],
        }
        if paid:
            data["settlement"] = {
                "amount": {"amount": paid, "currency": paid_in},
                "date": paid_on,
            }
        return data

    def _declare(self, style, policy, start, end, replaces):
        """Refusals of a declaration: (code, status, message), or the new
        declaration."""
        if not start or not end or date.fromisoformat(end) >= date.today():
            return "period", 400, "the period has not ended"
        current = next(
            (
                d
                for d in self.declarations.values()
                if (d["policy"], d["start"], d["end"]) == (policy, start, end)
                and d["status"] != "REJECTED"
                and not d.get("replaced")
            ),
            None,
        )
        if current and replaces != current["id"]:
            return "exists", 409, f"period already declared ({current['id']}): send a correction"
        if current:
            current["replaced"] = True
        declaration = {
            "kind": "declaration",
            "id": f"T{next(self._ids):05d}",
            "style": style,
            "policy": policy,
            "start": start,
            "end": end,
            "replaces": replaces,
            "status": self.declaration_status,
            "message": "turnover rejected: check the figures"
            if self.declaration_status == "REJECTED"
            else "",
        }
        self.declarations[declaration["id"]] = declaration
        return declaration

    def _claim(self, style, request):
        """``request``: buyer, policy, amount, currency, invoices (their
        numbers) and documents (their names)."""
        buyer, policy, amount = request["buyer"], request["policy"], request["amount"]
        if not self._known_buyer(buyer):
            return "buyer", 404, "no buyer match"
        cover = self._existing(buyer, policy)
        if not cover or cover["status"] not in ("APPROVED", "PARTIALLY_APPROVED", "REDUCED"):
            return "cover", 422, "no cover in force for this buyer"
        if amount <= 0:
            return "amount", 400, "the claimed amount must be positive"
        numbers = {invoice.get("invoiceNumber") for invoice in request["invoices"]}
        for other in self.claims.values():
            if other["status"] not in ("REJECTED", "WITHDRAWN") and numbers & other["invoices"]:
                return "claim", 409, f"invoices already claimed ({other['id']})"
        claim = {
            "kind": "claim",
            "id": f"K{next(self._ids):05d}",
            "style": style,
            "buyer": buyer,
            "policy": policy,
            "amount": amount,
            "currency": request["currency"],
            "invoices": numbers,
            "documents": request["documents"],
            "status": "ACKNOWLEDGED" if style == "allianz" else "RECEIVED",
            "message": "",
            "paid": 0.0,
        }
        self.claims[claim["id"]] = claim
        return claim

    def _allianz_filing(self, path, body):
        codes = {
            "period": "PERIOD_NOT_ENDED",
            "exists": "DECLARATION_ALREADY_EXISTS",
            "buyer": "COMPANY_NOT_FOUND",
            "cover": "NO_COVER",
            "amount": "INVALID_AMOUNT",
            "claim": "CLAIM_ALREADY_EXISTS",
        }
        key = body.get("customerReference")
        if key in self.keys:
            return self.keys[key]
        if path == ALLIANZ_DECLARATIONS:
            result = self._declare(
                "allianz",
                body.get("policyId"),
                body.get("periodStart"),
                body.get("periodEnd"),
                body.get("replacesDeclarationId"),
            )
            resource = ALLIANZ_DECLARATIONS
        else:
            money = body.get("claimedAmount") or {}
            result = self._claim(
                "allianz",
                {
                    "buyer": body.get("companyId"),
                    "policy": body.get("policyId"),
                    "amount": money.get("amount") or 0,
                    "currency": money.get("currencyCode"),
                    "invoices": body.get("invoices") or [],
                    "documents": [d.get("fileName") for d in body.get("documents") or []],
                },
            )
            resource = ALLIANZ_CLAIMS
        if isinstance(result, tuple):
            return result[1], {"errors": [{"code": codes[result[0]], "message": result[2]}]}
        job_id = f"J{next(self._ids):05d}"
        url = f"{self.url}{resource}/{result['id']}"
        self.jobs[job_id] = {"polls": self.job_polls, "url": url}
        self.keys[key] = (202, {"jobId": job_id})
        return self.keys[key]

    def _atradius_notice(self, body):
        key = body.get("customerReference")
        if key in self.keys:
            return self.keys[key]
        kinds = {
            "NON_PAYMENT": "default",
            "DUE_DATE_EXTENSION": "extension",
            "PAYMENT_ARRANGEMENT": "rescheduling",
        }
        codes = {
            "buyer": "NO_BUYER_MATCH",
            "amount": "INVALID_AMOUNT",
            "exists": "NOTIFICATION_EXISTS",
        }
        amount = body.get("amount") or {}
        notice = self._new_notice(
            "atradius",
            key,
            kind=kinds.get(body.get("notificationType")),
            buyer=body.get("buyerId"),
            invoice=body.get("invoiceNumber"),
            due=body.get("dueDate"),
            new_due=body.get("newDueDate"),
            amount=amount.get("amount"),
            currency=amount.get("currency"),
        )
        if isinstance(notice, tuple):
            return notice[1], {"code": codes[notice[0]], "message": notice[2]}
        status = 202 if notice["status"] == "UNDER_REVIEW" else 201
        self.keys[key] = (status, self.render_notice(notice))
        return self.keys[key]

    def _atradius_filing(self, path, body):
        codes = {
            "period": "PERIOD_OPEN",
            "exists": "DECLARATION_EXISTS",
            "buyer": "NO_BUYER_MATCH",
            "cover": "NO_COVER",
            "amount": "INVALID_AMOUNT",
            "claim": "CLAIM_EXISTS",
        }
        key = body.get("customerReference")
        if key in self.keys:
            return self.keys[key]
        if path == ATRADIUS_DECLARATIONS:
            period = body.get("period") or {}
            result = self._declare(
                "atradius",
                body.get("policyId"),
                period.get("from"),
                period.get("to"),
                body.get("replaces"),
            )
        else:
            money = body.get("claimAmount") or {}
            result = self._claim(
                "atradius",
                {
                    "buyer": body.get("buyerId"),
                    "policy": body.get("policyId"),
                    "amount": money.get("amount") or 0,
                    "currency": money.get("currency"),
                    "invoices": body.get("invoices") or [],
                    "documents": [d.get("fileName") for d in body.get("documents") or []],
                },
            )
        if isinstance(result, tuple):
            return result[1], {"code": codes[result[0]], "message": result[2]}
        self.keys[key] = (201, self.render_filing(result))
        return self.keys[key]
