"""File-based insurer: no network. A cover request is recorded as requested
and goes out in the next request file; decisions come back in the
insurer's limit lists."""

from ..mappers import Decision
from .base import InsurerError


class FileAdapter:
    def __init__(self, config, hooks=None, session=None):
        self.config = config

    def search_buyer(self, vat, registry, country):
        # The insurer matches buyers on its side from the legal id we send.
        return [{"ref": vat or registry, "name": ""}] if vat or registry else []

    def request_cover(self, buyer_ref, kind, amount, *, currency, key, cover_ref=""):
        return Decision(
            answer="requested",
            requested_amount=amount,
            currency=currency,
            buyer_ref=buyer_ref,
            raw={"requestFile": {"buyer": buyer_ref, "kind": kind, "amount": amount, "key": key}},
        )

    def get_cover(self, cover_ref):
        raise InsurerError("no_network")

    def poll_job(self, job_id):
        return None

    def changes(self, since):
        return []
