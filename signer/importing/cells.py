"""What every import shares: finding the columns, and reading one cell into one checked value.

Transcripts (:mod:`signer.importing.build`) and graduation lists (:mod:`signer.importing.diplomas`)
read tables the same way: headers match whatever their case or Unicode form, a cell is
checked and normalised on its own (``14/03/2008`` becomes ``"2008-03-14"``, ``nữ`` becomes
``"Nữ"``), and a bad or empty cell becomes a :class:`Problem` naming file, row, column and value,
never an exception that stops the import at the first mistake.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Collection, Mapping

from signer.importing.mapping import header_key
from signer.importing.problems import WHAT, Problem
from signer.importing.tables import Row, Table

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class Bad(Exception):
    """A cell's value breaks a rule: ``code`` (and ``params``) name the message (problems.py)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params


def one_of(text: str, allowed: tuple[str, ...]) -> str | None:
    """The allowed value ``text`` spells, whatever its case (``nữ`` -> ``Nữ``), or None."""
    folded = text.casefold()
    return next((a for a in allowed if a.casefold() == folded), None)


def a_date(text: str) -> str:
    """``14/03/2008`` as Vietnamese clerks write it, or ``2008-03-14`` (a spreadsheet date)."""
    dmy, iso = _DMY.match(text), _ISO.match(text)
    year, month, day = (dmy[3], dmy[2], dmy[1]) if dmy else (iso[1], iso[2], iso[3]) if iso else ("", "", "")
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise Bad("bad_date") from None


def gender(text: str) -> str:
    found = one_of(text, ("Nam", "Nữ"))
    if found is None:
        raise Bad("bad_gender")
    return found


def find_columns(table: Table, wanted: Mapping[str, str], optional: Collection[str]
                 ) -> tuple[dict[str, str | None], list[Problem]]:
    """The file's header for each wanted field (None when absent), and a problem for each
    required column the file lacks."""
    headers = {header_key(h): h for h in table.header if h}
    found = {f: headers.get(header_key(column)) for f, column in wanted.items()}
    problems = [Problem(table.file, None, None, None, "missing_column", {"column": column})
                for f, column in wanted.items() if found[f] is None and f not in optional]
    return found, problems


def read_cell(table: Table, row: Row, field: str, header: str | None, check: Callable[[str], Any] | None,
              problems: list[Problem], *, optional: bool = False) -> Any:
    """The checked value of ``field`` in ``row``, or None after recording why there is none
    (an empty optional cell, or a column the file does not have, records nothing)."""
    if header is None:
        return None
    text = row.cells.get(header, "")
    if not text:
        if not optional:
            vi, en = WHAT[field]
            problems.append(Problem(table.file, row.number, header, "", "missing_value", {"what": vi, "what_en": en}))
        return None
    if check is None:
        return text
    try:
        return check(text)
    except Bad as bad:
        problems.append(Problem(table.file, row.number, header, text, bad.code, bad.params))
        return None
