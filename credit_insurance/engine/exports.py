"""Files for insurers that exchange files: the same rows as .csv (UTF-8,
comma-separated, ISO dates, amounts with a dot) and as .xlsx (dates and
numbers typed, so that the insurer's tools read them as such)."""

import csv
import io

import openpyxl


def to_csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else _text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(header, rows, title):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "".join("-" if char in "\\/?*[]:" else char for char in title)[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
