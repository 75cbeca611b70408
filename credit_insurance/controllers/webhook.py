import hashlib
import hmac
import json
import logging

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)


class InsurerWebhook(http.Controller):
    """Notifications pushed by insurers. The body is signed with the
    backend's shared secret (HMAC-SHA256, hex, in ``X-Signature``); an event
    id already received is acknowledged without being processed again,
    unless its processing failed: a copy sent again is then processed."""

    @http.route(
        "/credit_insurance/webhook/<int:backend_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def receive(self, backend_id, **_kwargs):
        body = request.httprequest.get_data()
        # The id comes from the URL: only the signature below lets it through.
        backend = request.env["credit.insurance.backend"].sudo().browse(backend_id).exists()
        secret = backend.webhook_secret if backend and backend.kind != "file" else ""
        signature = request.httprequest.headers.get("X-Signature", "")
        expected = hmac.new((secret or "").encode(), body, hashlib.sha256).hexdigest()
        # Compared as bytes: a signature with other characters is just wrong.
        given = signature.encode("utf-8", "replace")
        if not secret or not hmac.compare_digest(given, expected.encode()):
            return self._answer({"error": "unauthorized"}, 401)
        try:
            payload = json.loads(body)
        except ValueError:
            return self._answer({"error": "not JSON"}, 400)
        if not isinstance(payload, dict) or not payload.get("eventId"):
            return self._answer({"error": "eventId missing"}, 400)
        event, new = (
            request.env["credit.insurance.webhook.event"]
            .sudo()
            .with_company(backend.company_id)
            ._receive(backend, payload)
        )
        return self._answer({"status": event.state if new else "duplicate"}, 200)

    @staticmethod
    def _answer(data, status):
        return request.make_json_response(data, status=status)
