"""Which column holds which field: a small declarative TOML file, with a default.

Two layouts are read (README, "Importing transcripts"):

- ``long``: one row per student, school year and subject; the student's and the year's
  columns repeat on every row of that student (they must agree).
- ``wide``: one row per student and school year; one column per subject and term, named
  ``"<subject> <term>"``, e.g. ``"Toán HK1"``, ``"Toán HK2"``, ``"Toán CN"``.

A mapping file names only what differs from the default, e.g.::

    layout = "wide"
    [columns]
    full_name = "Họ tên học sinh"
    [terms]
    term1 = "Kì 1"
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from core.errors import InvalidInput

#: Field -> column header of the common export (the default mapping).
DEFAULT_COLUMNS: dict[str, str] = {
    "personal_id": "Số định danh cá nhân",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "gender": "Giới tính",
    "place_of_birth": "Nơi sinh",
    "class_name": "Lớp",
    "school_year": "Năm học",
    "subject": "Môn học",  # long layout only
    "term1": "Học kì I",  # long layout only
    "term2": "Học kì II",  # long layout only
    "year": "Cả năm",  # long layout only
    "learning_result": "Kết quả học tập",
    "conduct": "Kết quả rèn luyện",
    "days_absent": "Số ngày nghỉ",
    "promotion": "Lên lớp",
    "teacher_comment": "Nhận xét của giáo viên chủ nhiệm",
    "homeroom_teacher": "Giáo viên chủ nhiệm",
    "principal": "Hiệu trưởng",
}
#: Term -> suffix of a subject column in the wide layout.
DEFAULT_TERMS: dict[str, str] = {"term1": "HK1", "term2": "HK2", "year": "CN"}
#: Columns that may be missing from a file: the principal can come from the school's profile.
OPTIONAL = {"principal"}
LONG_ONLY = {"subject", "term1", "term2", "year"}
LAYOUTS = ("long", "wide")


class BadMapping(InvalidInput):
    code = "bad_mapping"


def header_key(text: str) -> str:
    """Headers match whatever their case, spacing or Unicode form."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class ColumnMapping:
    layout: str = "long"
    columns: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    terms: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TERMS))

    def fields(self) -> dict[str, str]:
        """The fields this layout reads, with their headers."""
        return {f: c for f, c in self.columns.items() if self.layout == "long" or f not in LONG_ONLY}

    @classmethod
    def load(cls, path: Path | None, layout: str | None = None) -> "ColumnMapping":
        """The default mapping, overridden by ``path`` (TOML) and then by ``layout``."""
        data = read_mapping_file(path, ("layout", "columns", "terms"))
        columns = columns_over(DEFAULT_COLUMNS, data, path)
        terms = {**DEFAULT_TERMS, **_strings(data.get("terms", {}), DEFAULT_TERMS, path, "terms")}
        chosen = layout or data.get("layout", "long")
        if chosen not in LAYOUTS:
            raise BadMapping(f"layout {chosen!r} is not one of {', '.join(LAYOUTS)}")
        return cls(layout=chosen, columns=columns, terms=terms)


def read_mapping_file(path: Path | None, keys: tuple[str, ...]) -> dict:
    """A mapping file's TOML (empty without a file), refused if it has a key outside ``keys``."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise BadMapping(f"{path}: {e}") from None
    unknown = set(data) - set(keys)
    if unknown:
        raise BadMapping(f"{path}: unknown keys {sorted(unknown)}; expected {', '.join(keys)}")
    return data


def columns_over(defaults: Mapping[str, str], data: dict, path: Path | None) -> dict[str, str]:
    """``defaults`` with the file's ``[columns]`` table over them (only known fields)."""
    return {**defaults, **_strings(data.get("columns", {}), defaults, path, "columns")}


def _strings(table: object, allowed: Mapping[str, str], path: Path | None, name: str) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
        raise BadMapping(f"{path}: [{name}] maps names to non-empty column headers")
    unknown = set(table) - set(allowed)
    if unknown:
        raise BadMapping(f"{path}: unknown [{name}] {sorted(unknown)}; known: {', '.join(allowed)}")
    return dict(table)
