"""File-based insurer: no network. A cover request is recorded as requested
and goes out in the next request file; decisions come back in the
insurer's limit lists.

The files themselves: limit lists are read with credit_management's
spreadsheet reader (.csv, .xls, .xlsx); request files are written as .csv
(UTF-8, comma, decimal point, ISO dates) or .xlsx (numbers as numbers).
"""

import csv
import io

from odoo.addons.credit_management.engine import spreadsheet

from ..mappers import Decision
from .base import InsurerError

MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def read_table(content, filename, *, delimiter=None, encoding=None):
    """Every non-empty row of the file (the header among them), as text
    cells; :class:`spreadsheet.UnreadableFile` when it cannot be read."""
    header, rows = spreadsheet.read_rows(
        content, filename, delimiter=delimiter or None, encoding=encoding or None
    )
    return [header, *rows]


def write_table(titles, rows, file_format):
    """A request file: ``titles`` then ``rows`` (text, numbers, dates) as
    .csv or .xlsx bytes."""
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(titles)
        for row in rows:
            writer.writerow(["" if cell is None else cell for cell in row])
        return buffer.getvalue().encode("utf-8")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Requests"
    sheet.append(list(titles))
    for row in rows:
        sheet.append(list(row))
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if hasattr(cell.value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
