"""Reading tabular files (.csv, .xls, .xlsx) into rows of text cells, and
reading amounts written in them.

Plain Python, no ORM: the import wizards turn a file into a header and rows
(or records keyed by the columns they know), and report a clear reason when
the file cannot be read.

Amounts typed as text ("25,000", "1.500") mean different numbers in
different locales: they are read with the decimal separator the user
chose, and anything that does not fit that format exactly is refused rather
than guessed. Numeric cells of a workbook carry their value and need no
guess.
"""

import csv
import datetime as dt
import io
import math
import re

SUFFIXES = (".csv", ".xls", ".xlsx")
# Choices of the wizards' "Numbers Written As".
NUMBER_FORMATS = [
    (".", "1,234.56 (decimal point)"),
    (",", "1.234,56 (decimal comma)"),
]
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
# Day zero of spreadsheet serial dates (the 1900 system, past its leap-year bug).
SERIAL_EPOCH = dt.date(1899, 12, 30)

# Decimal separator -> the thousands separator that goes with it.
THOUSANDS = {".": ",", ",": "."}
# Characters that also group thousands (spaces, no-break spaces, the Swiss apostrophe).
GROUP_SPACES = (" ", "\u00a0", "\u202f", "'", "\u2019")
# Larger amounts are typing errors (and overflow numeric columns).
MAX_AMOUNT = 1e15


class UnreadableFile(ValueError):
    """The file is not a spreadsheet of a supported kind."""


class BadNumber(ValueError):
    """A cell is not a finite number in the expected format."""


class Number(str):
    """A numeric workbook cell: reads as its text, keeps its value in ``value``."""

    value = 0.0

    def __new__(cls, value):
        value = float(value)
        text = str(int(value)) if value.is_integer() else repr(value)
        cell = super().__new__(cls, text)
        cell.value = value
        return cell


def parse_number(cell, decimal="."):
    """The number in ``cell``, None when it is empty.

    Text must be written with ``decimal`` as decimal separator and, if at
    all, the matching thousands separator in groups of three ("1,234.56"
    or "1.234,56"); spaces and apostrophes may group thousands too, in
    groups of three as well. Raises
    :class:`BadNumber` for anything else, and for NaN, infinities and
    amounts of 10^15 or more.
    """
    if isinstance(cell, Number):
        value = cell.value
    else:
        text = (cell or "").strip()
        if not text:
            return None
        thousands = THOUSANDS[decimal]
        for space in GROUP_SPACES:  # groups of three, like the separator itself
            text = text.replace(space, thousands)
        pattern = rf"[+-]?(\d{{1,3}}(\{thousands}\d{{3}})+|\d+)(\{decimal}\d+)?"
        if not re.fullmatch(pattern, text):
            raise BadNumber(text)
        value = float(text.replace(thousands, "").replace(decimal, "."))
    if not math.isfinite(value) or abs(value) >= MAX_AMOUNT:
        raise BadNumber(str(cell))
    return value


def normalize_key(value):
    """``value`` without spaces, dots or dashes, uppercased: how identifiers
    (VAT, registry, references) written differently are compared."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def parse_date(cell):
    """The date in ``cell`` (ISO, DD/MM/YYYY, DD.MM.YYYY, a workbook date or
    a spreadsheet serial number), None when empty; ValueError otherwise."""
    if isinstance(cell, Number):
        if not 1 <= cell.value < 2958466:  # up to 31/12/9999
            raise ValueError(cell)
        return SERIAL_EPOCH + dt.timedelta(days=int(cell.value))
    text = (cell or "").strip()
    if not text:
        return None
    # a workbook datetime with a time of day reads "2026-01-31T10:00:00"
    if re.fullmatch(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d", text):
        text = text[:10]
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def read_records(content, filename, columns):
    """Returns ``(found, records)``: the keys of ``columns`` ({key: accepted
    lowercase titles}) whose column the header has, and for each row
    ``(row number in the file, {key: cell})``, cells stripped, "" when
    absent. Raises :class:`UnreadableFile` like :func:`read_rows`."""
    header, rows = read_rows(content, filename)
    positions = {}
    for key, names in columns.items():
        found = [index for index, title in enumerate(header) if title in names]
        if found:
            positions[key] = found[0]

    def cell(row, key):
        index = positions.get(key)
        if index is None or index >= len(row):
            return ""
        value = row[index]
        return value if isinstance(value, Number) else value.strip()

    records = [
        (number, {key: cell(row, key) for key in columns})
        for number, row in enumerate(rows, start=2)
    ]
    return set(positions), records


def read_rows(content, filename, *, delimiter=None, encoding=None):
    """Returns ``(header, rows)``: the first non-empty row lowercased and
    stripped, then every following row, as lists of strings. Date cells of
    a workbook read as ISO dates ("2026-03-31"). A CSV file's ``delimiter``
    and ``encoding`` are detected unless given."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        table = _read_csv(content, delimiter=delimiter, encoding=encoding)
    elif name.endswith(".xlsx"):
        table = _read_xlsx(content)
    elif name.endswith(".xls"):
        table = _read_xls(content)
    else:
        raise UnreadableFile(f"unsupported file type; use one of {', '.join(SUFFIXES)}")
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise UnreadableFile("the file is empty")
    header = [cell.strip().lower() for cell in table[0]]
    return header, table[1:]


def _read_csv(content, delimiter=None, encoding=None):
    for candidate in (encoding,) if encoding else ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(candidate)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        raise UnreadableFile(
            f"the CSV file is not {encoding} text"
            if encoding
            else "the CSV file is neither UTF-8 nor Windows-1252 text"
        )
    if "\x00" in text:
        raise UnreadableFile("the CSV file contains binary data")
    options = {}
    if delimiter:
        options["delimiter"] = delimiter
        dialect = csv.excel
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), dialect, **options)]
    except csv.Error as error:
        raise UnreadableFile(f"the CSV file is malformed ({error})") from error


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Number(value)
    return str(value)


def _read_xls(content):
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content)
    except Exception as error:  # xlrd raises many kinds on bad input
        raise UnreadableFile(f"not a readable .xls workbook ({error})") from error
    sheet = book.sheet_by_index(0)

    def value(row, col):
        cell = sheet.cell(row, col)
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return cell.value
        return cell.value

    return [[_cell_text(value(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]


def _read_xlsx(content):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # zipfile, XML and openpyxl errors alike
        raise UnreadableFile(f"not a readable .xlsx workbook ({error})") from error
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
