"""Atradius-style API.

Token: ``POST /authenticate/v2/tokens`` with HTTP Basic client id/secret
and the application key in an ``app_key`` header. Buyers are found by
country and national id (``uidType``). A cover request answers 201 when
decided at once and 202 when referred to an underwriter; a decision amount
of 0 is a refusal.
"""

from ..mappers import atradius as mapper
from ..mappers import filing, overdue
from .base import HttpAdapter, InsurerError

COVERS = "/credit-insurance/cover-management/v1/covers"
BUYERS = "/credit-insurance/organisation-management/v1/buyers"
NOTICES = "/credit-insurance/overdue-management/v1/non-payment-notifications"
DECLARATIONS = "/credit-insurance/policy-management/v1/turnover-declarations"
CLAIMS = "/credit-insurance/claim-management/v1/claims"
ERROR_CODES = {
    "INVALID_AMOUNT": "amount_multiple",
    "COVER_EXISTS": "cover_exists",
    "NO_BUYER_MATCH": "unknown_buyer",
    "NOTIFICATION_EXISTS": "already_notified",
    "DECLARATION_EXISTS": "already_declared",
    "PERIOD_OPEN": "period_open",
    "NO_COVER": "no_cover",
    "CLAIM_EXISTS": "claim_exists",
}


class AtradiusAdapter(HttpAdapter):
    def login(self):
        return self.login_request(
            "POST",
            "/authenticate/v2/tokens",
            auth=(self.config.client_id, self.config.client_secret),
            headers={"app_key": self.config.app_key},
        )

    def headers(self, extra=None):
        return {**super().headers(extra), "app_key": self.config.app_key}

    def error_code(self, response):
        try:
            code = response.json().get("code")
        except (ValueError, AttributeError):
            code = None
        return ERROR_CODES.get(code, "validation")

    def search_buyer(self, vat, registry, country):
        params = {
            "countryCode": country,
            "uid": vat or registry,
            "uidType": "VAT" if vat else "REGISTRATION",
        }
        data = self.check(self.call("GET", BUYERS, params=params), ok=(200,))
        return [
            {"ref": str(buyer.get("buyerId")), "name": buyer.get("name") or ""}
            for buyer in data.get("data") or []
        ]

    def request_cover(self, buyer_ref, kind, amount, *, currency, key, cover_ref=""):
        payload = {
            "buyerId": buyer_ref,
            "policyId": self.config.policy_ref,
            "coverType": "credit-limit",
            "coverAction": kind,
            "requestedAmount": {"amount": amount, "currency": currency},
            "customerReference": key,
        }
        if cover_ref:
            payload["coverId"] = cover_ref
        return self.decision(self.check(self.call("POST", COVERS, json=payload), ok=(201, 202)))

    def decision(self, data):
        try:
            return mapper.cover(data)
        except (ValueError, TypeError) as exc:
            raise InsurerError("bad_answer", str(exc)) from exc

    def get_cover(self, cover_ref):
        return self.decision(self.check(self.call("GET", f"{COVERS}/{cover_ref}"), ok=(200,)))

    # Turnover declarations and claims ----------------------------------

    def send_declaration(self, declaration):
        """Sends a declaration: 201 with its status (accepted at once or
        received for checking)."""
        currency = declaration["currency"]
        payload = {
            "policyId": self.config.policy_ref,
            "customerReference": declaration["key"],
            "period": {"from": declaration["start"], "to": declaration["end"]},
            "turnoverBasis": "GROSS" if declaration["tax_included"] else "NET",
            "lines": [
                {
                    "countryCode": line["country"],
                    "numberOfInvoices": line["invoices"],
                    "numberOfCreditNotes": line["credit_notes"],
                    "invoiced": {"amount": line["invoiced"], "currency": currency},
                    "credited": {"amount": line["credited"], "currency": currency},
                    "amount": {"amount": line["turnover"], "currency": currency},
                }
                for line in declaration["lines"]
            ],
        }
        if declaration.get("replaces"):
            payload["replaces"] = declaration["replaces"]
        data = self.check(self.call("POST", DECLARATIONS, json=payload), ok=(201, 202))
        return self.read_filing_answer(data, filing.declaration)

    def send_claim(self, claim):
        currency = claim["currency"]
        payload = {
            "policyId": self.config.policy_ref,
            "buyerId": claim["buyer"],
            "customerReference": claim["key"],
            "claimAmount": {"amount": claim["amount"], "currency": currency},
            "invoices": [
                {
                    "invoiceNumber": item["number"],
                    "invoiceDate": item["date"],
                    "dueDate": item["due"],
                    "outstandingAmount": {"amount": item["open"], "currency": currency},
                }
                for item in claim["items"]
            ],
            "documents": [
                {"fileName": doc["name"], "contentType": doc["mimetype"], "content": doc["content"]}
                for doc in claim["documents"]
            ],
        }
        data = self.check(self.call("POST", CLAIMS, json=payload), ok=(201, 202))
        return self.read_filing_answer(data, filing.claim)

    def get_claim(self, ref):
        return self.read_filing_answer(
            self.check(self.call("GET", f"{CLAIMS}/{ref}"), ok=(200,)), filing.claim
        )

    def get_declaration(self, ref):
        return self.read_filing_answer(
            self.check(self.call("GET", f"{DECLARATIONS}/{ref}"), ok=(200,)), filing.declaration
        )

    @staticmethod
    def read_filing_answer(data, read):
        try:
            return read(data)
        except (ValueError, TypeError) as exc:
            raise InsurerError("bad_answer", str(exc)) from exc

    def changes(self, since):
        decisions, page = [], 1
        while page:
            data = self.check(
                self.call("GET", COVERS, params={"modifiedSince": since.isoformat(), "page": page}),
                ok=(200,),
            )
            decisions.extend(self.decision(cover) for cover in data.get("data") or [])
            page = data.get("nextPage")
        return decisions

    # Non-payment notifications ------------------------------------------

    def send_notice(self, notice):
        """201: decided at once; 202: received, decided later (read again
        by its ``notificationId``)."""
        payload = {
            "policyId": self.config.policy_ref,
            "buyerId": notice.buyer_ref,
            "coverId": notice.cover_ref,
            "notificationType": overdue.ATRADIUS_TYPES[notice.kind],
            "invoiceNumber": notice.invoice,
            "invoiceDate": notice.invoice_date,
            "dueDate": notice.due_date,
            "newDueDate": notice.new_due_date or None,
            "amount": {"amount": notice.amount, "currency": notice.currency},
            "comment": notice.note,
            "customerReference": notice.key,
        }
        return self.read_answer(self.check(self.call("POST", NOTICES, json=payload), ok=(201, 202)))

    def notice_answer(self, answer):
        if not answer.reference:
            raise InsurerError("bad_answer", "no notificationId")
        found = self.read_answer(
            self.check(self.call("GET", f"{NOTICES}/{answer.reference}"), ok=(200,))
        )
        return found if found.state != "sent" else None

    @staticmethod
    def read_answer(data):
        try:
            return overdue.atradius(data)
        except (ValueError, TypeError) as exc:
            raise InsurerError("bad_answer", str(exc)) from exc
