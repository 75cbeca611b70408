"""File layouts as data: records and fields described by rows, turned into
text here. Plain Python, no ORM.

Vocabulary: a *layout* has a kind (``csv`` or ``fixed``), a record length
(fixed), a separator (csv) and *fields*; each field belongs to a record type
(``01`` header, ``02`` detail, one per document, ``09`` trailer), has a
position and a length (fixed), a padding character and alignment, and a
*source*: one name of :data:`SOURCES` (never code typed by a user), or a
constant. The values come from plain dicts the batch builds (``header``,
``details``, ``trailer``); amounts are integers in cents. A ``file_number``
(the batch's number) keeps its last digits when its field is shorter: a
file counter that wraps.
"""

from dataclasses import dataclass

# source -> record types it may appear in
SOURCES = {
    "constant": ("01", "02", "09"),
    "record_type": ("01", "02", "09"),
    "sequence": ("01", "02", "09"),
    "client_code": ("01", "09"),
    "company_name": ("01", "09"),
    "currency": ("01", "02", "09"),
    "file_date": ("01", "09"),
    "statement_date": ("01",),
    "file_id": ("01", "09"),
    "file_number": ("01", "09"),
    "debtor_legal_id": ("02",),
    "debtor_vat": ("02",),
    "debtor_name": ("02",),
    "debtor_ref": ("02",),
    "domestic_export": ("02",),
    "document_number": ("02",),
    "document_type": ("02",),
    "document_date": ("02",),
    "due_date": ("02",),
    "amount_cents": ("02",),
    "amount_sign": ("02",),
    "record_count": ("09",),
    "total_cents": ("09",),
    "total_sign": ("09",),
}
DATE_FORMATS = {"ddmmyyyy": "%d%m%Y", "yyyymmdd": "%Y%m%d", "iso": "%Y-%m-%d"}
CRLF = "\r\n"


class LayoutError(ValueError):
    """A layout that cannot produce a file (a field outside its record, a
    value longer than its field)."""


@dataclass(frozen=True)
class Field:
    record_type: str
    name: str
    source: str
    position: int = 0
    length: int = 0
    pad: str = " "
    align: str = "left"
    constant: str = ""
    date_format: str = "ddmmyyyy"
    truncate: bool = True


@dataclass(frozen=True)
class Layout:
    kind: str  # "csv" or "fixed"
    fields: tuple
    record_length: int = 0
    separator: str = ";"
    header_row: bool = True  # csv: a first row of field names

    def of(self, record_type):
        return [f for f in self.fields if f.record_type == record_type]


def _value(field, values):
    if field.source == "constant":
        raw = field.constant
    elif field.source == "record_type":
        raw = field.record_type
    else:
        raw = values.get(field.source, "")
    if hasattr(raw, "strftime"):
        raw = raw.strftime(DATE_FORMATS[field.date_format])
    return "" if raw is None or raw is False else str(raw)


def _fit(field, text):
    if field.source == "file_number" and field.length:
        # A file counter on a few digits: it wraps, as the factor expects.
        text = text[-field.length :]
    if field.length and len(text) > field.length:
        numeric = field.source in ("amount_cents", "total_cents", "record_count", "sequence")
        if numeric or not field.truncate:
            raise LayoutError(f"{field.name}: {text!r} is longer than {field.length} characters")
        text = text[: field.length]
    if not field.length:
        return text
    if field.align == "right":
        return text.rjust(field.length, field.pad or " ")
    return text.ljust(field.length, field.pad or " ")


def fixed_record(layout, record_type, values):
    """One record of ``layout.record_length`` characters, blanks where no
    field is placed."""
    line = [" "] * layout.record_length
    for field in layout.of(record_type):
        start = field.position - 1
        if start < 0 or start + field.length > layout.record_length:
            raise LayoutError(f"{field.name} lies outside the {layout.record_length} characters")
        line[start : start + field.length] = _fit(field, _value(field, values))
    return "".join(line)


def _csv_cell(text, separator):
    if any(char in text for char in (separator, '"', "\r", "\n")):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_record(layout, record_type, values):
    return layout.separator.join(
        _csv_cell(_fit(field, _value(field, values)), layout.separator)
        for field in sorted(layout.of(record_type), key=lambda f: f.position)
    )


def render(layout, header, details, trailer):
    """The file's text: header, one detail per document, trailer, each
    ended by CRLF. Sequence numbers count the records from 1."""
    record = fixed_record if layout.kind == "fixed" else csv_record
    lines = []
    if layout.kind == "csv" and layout.header_row:
        names = [f.name for f in sorted(layout.of("02"), key=lambda f: f.position)]
        lines.append(layout.separator.join(_csv_cell(n, layout.separator) for n in names))
    sequence = 0
    for record_type, rows in (("01", [header]), ("02", details), ("09", [trailer])):
        if not layout.of(record_type):
            continue
        for values in rows:
            sequence += 1
            lines.append(record(layout, record_type, {**values, "sequence": sequence}))
    return "".join(line + CRLF for line in lines)
