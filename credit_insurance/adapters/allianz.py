"""Allianz Trade-style API.

Token: ``POST /v1/idp/oauth2/authorize`` with the API key, a bearer token
valid 3,600 s. Buyer search answers companies with their ``companyId``.
A cover request (``POST /riskinfo/v3/covers``) answers a ``jobId``: the job
is polled until PROCESSED, then the cover is read at its ``resourceUrl``.
"""

from ..mappers import allianz as mapper
from ..mappers import filing, overdue
from .base import HttpAdapter, InsurerError

OVERDUES = "/v1/overdues"
DECLARATIONS = "/policy/v2/turnover-declarations"
CLAIMS = "/claims/v1/claims"

ERROR_CODES = {
    "INVALID_AMOUNT_MULTIPLE": "amount_multiple",
    "COVER_ALREADY_EXISTS": "cover_exists",
    "COMPANY_NOT_FOUND": "unknown_buyer",
    "OVERDUE_ALREADY_REPORTED": "already_notified",
    "DECLARATION_ALREADY_EXISTS": "already_declared",
    "PERIOD_NOT_ENDED": "period_open",
    "NO_COVER": "no_cover",
    "CLAIM_ALREADY_EXISTS": "claim_exists",
}
REQUEST_TYPES = {
    "new": "NEW",
    "increase": "INCREASE",
    "reduce": "REDUCE",
    "cancel": "CANCEL",
    "prolong": "PROLONG",
}


class AllianzAdapter(HttpAdapter):
    def login(self):
        return self.login_request(
            "POST", "/v1/idp/oauth2/authorize", json={"apiKey": self.config.api_key}
        )

    def error_code(self, response):
        try:
            errors = response.json().get("errors") or [{}]
            code = errors[0].get("code")
        except (ValueError, AttributeError, IndexError):
            code = None
        if code in ERROR_CODES:
            return ERROR_CODES[code]
        if response.status_code == 409:
            return "cover_exists"
        return "validation"

    def search_buyer(self, vat, registry, country):
        params = {"countryCode": country}
        if vat:
            params["vatNumber"] = vat
        else:
            params["registrationNumber"] = registry
        data = self.check(self.call("GET", "/riskinfo/v3/companies", params=params), ok=(200,))
        return [
            {"ref": str(company.get("companyId")), "name": company.get("name") or ""}
            for company in data.get("companies") or []
        ]

    def request_cover(self, buyer_ref, kind, amount, *, currency, key, cover_ref=""):
        payload = {
            "companyId": buyer_ref,
            "policyId": self.config.policy_ref,
            "requestType": REQUEST_TYPES[kind],
            "customerReference": key,
            "creditLimitDetails": {"requestedAmount": amount, "currencyCode": currency},
        }
        if cover_ref:
            payload["coverId"] = cover_ref
        response = self.call(
            "POST", "/riskinfo/v3/covers", json=payload, headers_extra={"Idempotency-Key": key}
        )
        job_id = str(self.check(response, ok=(200, 201, 202)).get("jobId") or "")
        if not job_id:
            raise InsurerError("bad_answer", "no jobId in the answer")
        for attempt in range(max(self.config.poll_attempts, 1)):
            if attempt:
                self.hooks.sleep(self.config.poll_interval)
            decision = self.poll_job(job_id)
            if decision is not None:
                return decision
        return mapper.Decision(answer="requested", requested_amount=amount, job_id=job_id)

    def poll_job(self, job_id):
        job = self.check(self.call("GET", f"/v1/jobs/{job_id}"), ok=(200,))
        status = (job.get("status") or "").upper()
        if status == "FAILED":
            errors = job.get("errors") or [{}]
            code = ERROR_CODES.get(errors[0].get("code"), "validation")
            raise InsurerError(code, errors[0].get("message") or "")
        if status != "PROCESSED":
            return None
        return self.read_cover(job.get("resourceUrl") or "")

    def read_cover(self, url):
        if not url:
            raise InsurerError("bad_answer", "no resourceUrl")
        data = self.check(self.call("GET", url), ok=(200,))
        try:
            return mapper.cover(data)
        except (ValueError, TypeError) as exc:
            raise InsurerError("bad_answer", str(exc)) from exc

    def get_cover(self, cover_ref):
        return self.read_cover(f"/riskinfo/v3/covers/{cover_ref}")

    # Turnover declarations and claims ----------------------------------

    def send_declaration(self, declaration):
        """Sends a declaration (see ``credit.insurance.declaration``); the
        answer comes through a job, like a cover's."""
        payload = {
            "policyId": self.config.policy_ref,
            "customerReference": declaration["key"],
            "periodStart": declaration["start"],
            "periodEnd": declaration["end"],
            "currencyCode": declaration["currency"],
            "taxIncluded": declaration["tax_included"],
            "nilDeclaration": not any(line["turnover"] for line in declaration["lines"]),
            "countries": [
                {
                    "countryCode": line["country"],
                    "invoiceCount": line["invoices"],
                    "creditNoteCount": line["credit_notes"],
                    "invoicedAmount": line["invoiced"],
                    "creditedAmount": line["credited"],
                    "turnover": line["turnover"],
                }
                for line in declaration["lines"]
            ],
        }
        if declaration.get("replaces"):
            payload["replacesDeclarationId"] = declaration["replaces"]
        return self.filed(DECLARATIONS, payload, declaration["key"], filing.declaration)

    def send_claim(self, claim):
        payload = {
            "policyId": self.config.policy_ref,
            "companyId": claim["buyer"],
            "customerReference": claim["key"],
            "claimedAmount": {"amount": claim["amount"], "currencyCode": claim["currency"]},
            "invoices": [
                {
                    "invoiceNumber": item["number"],
                    "invoiceDate": item["date"],
                    "dueDate": item["due"],
                    "invoiceAmount": item["amount"],
                    "outstandingAmount": item["open"],
                }
                for item in claim["items"]
            ],
            "documents": [
                {"fileName": doc["name"], "mimeType": doc["mimetype"], "content": doc["content"]}
                for doc in claim["documents"]
            ],
        }
        return self.filed(CLAIMS, payload, claim["key"], filing.claim)

    def get_claim(self, ref):
        return self.read_filing(f"{CLAIMS}/{ref}", filing.claim)

    def get_declaration(self, ref):
        return self.read_filing(f"{DECLARATIONS}/{ref}", filing.declaration)

    def filed(self, path, payload, key, read):
        """POSTs ``payload``, polls its job and reads the resource with
        ``read``; a job still running gives a received answer that keeps
        the job id (see :meth:`filing_job`)."""
        response = self.call("POST", path, json=payload, headers_extra={"Idempotency-Key": key})
        job_id = str(self.check(response, ok=(200, 201, 202)).get("jobId") or "")
        if not job_id:
            raise InsurerError("bad_answer", "no jobId in the answer")
        for attempt in range(max(self.config.poll_attempts, 1)):
            if attempt:
                self.hooks.sleep(self.config.poll_interval)
            answer = self.filing_job(job_id, read)
            if answer is not None:
                return answer
        return read(
            {"status": "RECEIVED" if read is filing.declaration else "SUBMITTED", "jobId": job_id}
        )

    def filing_job(self, job_id, read):
        """The answer of a declaration's or claim's job, None while it runs."""
        job = self.check(self.call("GET", f"/v1/jobs/{job_id}"), ok=(200,))
        status = (job.get("status") or "").upper()
        if status == "FAILED":
            errors = job.get("errors") or [{}]
            code = ERROR_CODES.get(errors[0].get("code"), "validation")
            raise InsurerError(code, errors[0].get("message") or "")
        if status == "PROCESSED":
            return self.read_filing(job.get("resourceUrl") or "", read)
        return None

    def read_filing(self, url, read):
        if not url:
            raise InsurerError("bad_answer", "no resourceUrl")
        data = self.check(self.call("GET", url), ok=(200,))
        try:
            return read(data)
        except (ValueError, TypeError) as exc:
            raise InsurerError("bad_answer", str(exc)) from exc

    def changes(self, since):
        decisions, page = [], 1
        while page:
            data = self.check(
                self.call(
                    "GET",
                    "/riskinfo/v3/covers",
                    params={"updatedSince": since.isoformat(), "page": page},
                ),
                ok=(200,),
            )
            for cover in data.get("covers") or []:
                try:
                    decisions.append(mapper.cover(cover))
                except (ValueError, TypeError) as exc:
                    raise InsurerError("bad_answer", str(exc)) from exc
            page = data.get("nextPage")
        return decisions

    # Payment overdues ----------------------------------------------------

    def send_notice(self, notice):
        """``POST /v1/overdues`` answers a job id; the job is polled like a
        cover request's, then the overdue read at its ``resourceUrl``."""
        payload = {
            "policyId": self.config.policy_ref,
            "overdueCategoryTypeCode": overdue.ALLIANZ_CODES[notice.kind],
            "debtorId": notice.buyer_ref,
            "debtorName": notice.buyer_name,
            "coverId": notice.cover_ref,
            "invoiceReference": notice.invoice,
            "invoiceDate": notice.invoice_date,
            "dueDate": notice.due_date,
            "newDueDate": notice.new_due_date or None,
            "overdueAmount": notice.amount,
            "currency": notice.currency,
            "comment": notice.note,
            "customerReference": notice.key,
        }
        response = self.call(
            "POST", OVERDUES, json=payload, headers_extra={"Idempotency-Key": notice.key}
        )
        job_id = str(self.check(response, ok=(200, 201, 202)).get("jobId") or "")
        if not job_id:
            raise InsurerError("bad_answer", "no jobId in the answer")
        pending = overdue.Answer(state="sent", job_id=job_id, raw={"jobId": job_id})
        for attempt in range(max(self.config.poll_attempts, 1)):
            if attempt:
                self.hooks.sleep(self.config.poll_interval)
            answer = self.notice_answer(pending)
            if answer is not None:
                return answer
        return pending

    def notice_answer(self, answer):
        if answer.job_id:
            job = self.check(self.call("GET", f"/v1/jobs/{answer.job_id}"), ok=(200,))
            status = (job.get("status") or "").upper()
            if status == "FAILED":
                errors = job.get("errors") or [{}]
                return overdue.Answer(
                    state="refused", message=errors[0].get("message") or "", raw=job
                )
            if status != "PROCESSED":
                return None
            url = job.get("resourceUrl") or ""
        else:
            url = f"{OVERDUES}/{answer.reference}"
        found = self.read_notice(url)
        # Still examined: keep asking the resource, the job is done.
        return found if found.state != "sent" or answer.job_id else None

    def read_notice(self, url):
        if not url:
            raise InsurerError("bad_answer", "no resourceUrl")
        data = self.check(self.call("GET", url), ok=(200,))
        try:
            return overdue.allianz(data)
        except (ValueError, TypeError) as exc:
            raise InsurerError("bad_answer", str(exc)) from exc
