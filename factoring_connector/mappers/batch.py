"""A batch as the factor's JSON API reads it, and its answer as we record it.

Payload: ``{"batchId", "clientCode", "currency", "documentCount",
"balanceCents", "documents": [{"number", "type" (invoice/credit_note),
"debtor": {"name", "vat", "registry", "ref", "country"}, "date", "dueDate",
"amountCents" (signed)}]}``.
Answer: ``{"submissionId", "status" (accepted/partially_accepted/rejected),
"rejected": [{"number", "reason"}]}``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    submission_id: str
    status: str
    rejected: dict  # document number -> reason


def payload(header, details, total):
    return {
        "batchId": header["file_id"],
        "clientCode": header["client_code"],
        "currency": header["currency"],
        "documentCount": len(details),
        "balanceCents": total,
        "documents": [
            {
                "number": d["document_number"],
                "type": "credit_note" if d["amount_sign"] == "-" else "invoice",
                "debtor": {
                    "name": d["debtor_name"],
                    "vat": d["debtor_vat"],
                    "registry": d["debtor_legal_id"],
                    "ref": d["debtor_ref"],
                    "domestic": d["domestic_export"] == "D",
                },
                "date": d["document_date"].isoformat(),
                "dueDate": d["due_date"].isoformat() if d["due_date"] else None,
                "amountCents": -d["amount_cents"] if d["amount_sign"] == "-" else d["amount_cents"],
            }
            for d in details
        ],
    }


def answer(data):
    """The factor's answer; ValueError when it cannot be read."""
    submission = data.get("submissionId")
    status = data.get("status")
    if not submission or status not in ("accepted", "partially_accepted", "rejected"):
        raise ValueError("no submissionId or an unknown status")
    rejected = {
        str(item.get("number")): str(item.get("reason") or "")
        for item in data.get("rejected") or []
        if isinstance(item, dict)
    }
    return Answer(str(submission), status, rejected)
