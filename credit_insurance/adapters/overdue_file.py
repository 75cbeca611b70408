"""Overdue notices of a file-based insurer: one CSV file of notices to
upload on the insurer's portal (or send by e-mail); the answers are entered
by hand on each notice."""

import csv
import io

from ..mappers.overdue import ALLIANZ_CODES

COLUMNS = [
    "reference",
    "type",
    "policy",
    "buyer_id",
    "buyer_name",
    "invoice",
    "invoice_date",
    "due_date",
    "new_due_date",
    "amount",
    "currency",
    "comment",
]


def notice_file(notices, policy_ref):
    """``notices`` (:class:`~..mappers.overdue.Notice`) as CSV bytes (UTF-8,
    semicolons, a header line); the type uses the usual OVD/EXP/RES codes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for notice in notices:
        writer.writerow(
            [
                notice.key,
                ALLIANZ_CODES[notice.kind],
                policy_ref,
                notice.buyer_ref,
                notice.buyer_name,
                notice.invoice,
                notice.invoice_date,
                notice.due_date,
                notice.new_due_date,
                f"{notice.amount:.2f}",
                notice.currency,
                notice.note,
            ]
        )
    return out.getvalue().encode()
