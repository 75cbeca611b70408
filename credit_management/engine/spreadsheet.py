"""Reading tabular files (.csv, .xls, .xlsx) into rows of text cells.

Plain Python, no ORM: the import wizard turns a file into a header and rows,
and reports a clear reason when the file cannot be read.
"""

import csv
import io

SUFFIXES = (".csv", ".xls", ".xlsx")


class UnreadableFile(ValueError):
    """The file is not a spreadsheet of a supported kind."""


def read_rows(content, filename):
    """Returns ``(header, rows)``: the first non-empty row lowercased and
    stripped, then every following row, as lists of strings."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        table = _read_csv(content)
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


def _read_csv(content):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("the CSV file is neither UTF-8 nor Windows-1252 text")
    if "\x00" in text:
        raise UnreadableFile("the CSV file contains binary data")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as error:
        raise UnreadableFile(f"the CSV file is malformed ({error})") from error


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xls(content):
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content)
    except Exception as error:  # xlrd raises many kinds on bad input
        raise UnreadableFile(f"not a readable .xls workbook ({error})") from error
    sheet = book.sheet_by_index(0)
    return [
        [_cell_text(sheet.cell_value(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)
    ]


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
