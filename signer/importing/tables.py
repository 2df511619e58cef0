"""A school's export as rows of text cells, whatever the file type and encoding.

CSV (any delimiter Excel writes: comma, semicolon, tab), XLSX (the first sheet) and our own
JSON form all become a :class:`Table`: the header and numbered rows of NFC text, numbered as
the spreadsheet shows them (the header is row 1). Legacy-encoded CSV files (TCVN3, VNI,
Windows-1258) and legacy-font text inside Unicode files are recognised here, once per file
(:mod:`core.vietnamese`), so that every later message quotes text as the clerk typed it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from core.errors import InvalidInput
from core.vietnamese import Reading, read_bytes, repair


class UnreadableFile(InvalidInput):
    """The file cannot be read as a table; ``params`` fill the clerk's message (problems.py)."""

    code = "unreadable_file"

    def __init__(self, detail: str, *, code: str | None = None, **params: str) -> None:
        super().__init__(detail, code=code)
        self.params = {"reason": detail, **params}


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: dict[str, str]  # header -> text, "" when empty


@dataclass(frozen=True)
class Table:
    file: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    #: How the text was read, e.g. "UTF-8", "TCVN3", "UTF-8, typed in VNI".
    encoding: str = "UTF-8"
    #: Words that still do not look Vietnamese after decoding (shown to the clerk to check).
    odd_words: tuple[str, ...] = field(default_factory=tuple)


def read_table(path: Path) -> Table:
    """Read ``path`` by its extension: ``.csv``, ``.xlsx``; raises :class:`UnreadableFile`."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnreadableFile(f"{path}: {e.strerror or e}") from None
    if suffix == ".csv":
        return _from_csv(path.name, data)
    if suffix == ".xlsx":
        return _from_xlsx(path.name, data)
    raise UnreadableFile(f"{path.name}: expected a .csv or .xlsx file")


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _from_csv(name: str, data: bytes) -> Table:
    reading = read_bytes(data)
    if not reading.convincing and not reading.encoding.startswith(("UTF-8", "UTF-16")):
        examples = ", ".join(reading.odd[:3])
        raise UnreadableFile(f"{name}: neither UTF-8 nor TCVN3, VNI or Windows-1258 (words such as {examples})",
                             code="bad_encoding", examples=examples)
    try:
        dialect = csv.Sniffer().sniff(reading.text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    records = list(csv.reader(io.StringIO(reading.text, newline=""), dialect))
    return _table(name, records, reading)


def _from_xlsx(name: str, data: bytes) -> Table:
    import openpyxl  # only needed for spreadsheets

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(f"{name}: not a readable XLSX workbook ({type(e).__name__})") from None
    try:
        sheet = book.worksheets[0]
        records = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    joined = "\n".join("\t".join(r) for r in records)
    reading = repair(joined, "XLSX")
    if reading.text != unicodedata.normalize("NFC", joined):  # legacy-font text: convert cell by cell
        convert = _converter(reading.encoding)
        records = [[convert(c) for c in r] for r in records]
    return _table(name, records, reading)


def _converter(encoding: str):
    from core.vietnamese import from_tcvn3, from_vni

    return from_tcvn3 if encoding.endswith("TCVN3") else from_vni


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the clerk sees it: 8.5 stays "8.5", a date becomes YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(name: str, records: list[list[str]], reading: Reading) -> Table:
    records = [r for r in records]
    while records and not any(c.strip() for c in records[-1]):
        records.pop()
    if not records:
        raise UnreadableFile(f"{name}: the file is empty")
    header = tuple(_clean(h) for h in records[0])
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue  # blank lines between classes are common
        cells = {h: _clean(record[i]) if i < len(record) else "" for i, h in enumerate(header) if h}
        rows.append(Row(number, cells))
    return Table(name, header, tuple(rows), reading.encoding, reading.odd)
