"""``sogoc diplomas import``: an authority's graduation list in, validated diplomas out, or nothing.

The list (danh sách cấp bằng tốt nghiệp) has one row per graduate: serial number, register
number, the holder, the school, the graduation year, the classification where that year's
rules had one, and the decision recognising graduation (or the profile's, when one decision
covers the whole list). The authority's profile gives what the list does not repeat: the
authority's code, name and place, which diploma it issues, and who signs.

With ``legacy=True`` the rows are paper diplomas copied from the paper register: each also says
when it was issued, who signed it then, and where in the paper register it was read.

Every cell is checked (:mod:`signer.importing.cells`), serial and register numbers must be
unique in the list and against earlier imports, and a file with any problem imports nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.diploma import (CLASSIFICATIONS, Authority, Decision, Diploma, DiplomaType, Holder, LegacyRecord,
                          Signatory)
from core.errors import InvalidInput
from core.ethnicity import official_ethnicity
from signer.importing.cells import Bad, a_date, find_columns, gender, one_of, read_cell
from signer.importing.mapping import columns_over, read_mapping_file
from signer.importing.problems import Problem
from signer.importing.store import DiplomaStore, StoredResult
from signer.importing.tables import Row, Table, UnreadableFile, read_table

#: Field -> column header of a graduation list (the default mapping).
DIPLOMA_COLUMNS: dict[str, str] = {
    "serial_number": "Số hiệu",
    "register_number": "Số vào sổ gốc",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "place_of_birth": "Nơi sinh",
    "gender": "Giới tính",
    "ethnicity": "Dân tộc",
    "school": "Trường",
    "graduation_year": "Năm tốt nghiệp",
    "classification": "Xếp loại",
    "decision_reference": "Số quyết định",
    "decision_date": "Ngày quyết định",
    # paper diplomas entered from the paper register (--legacy) only:
    "issued_on": "Ngày cấp",
    "legacy_source": "Sổ gốc giấy",
    "signer_name": "Người ký",
    "signer_title": "Chức vụ người ký",
}
LEGACY_ONLY = ("issued_on", "legacy_source", "signer_name", "signer_title")
#: Empty cells allowed: no classification; one decision for the whole list, in the profile.
OPTIONAL = {"classification", "decision_reference", "decision_date"}
_CODE_SPACES = re.compile(r"\s*([/.-])\s*|\s+")


def _code(text: str) -> str:
    """Serial and register numbers in capitals, with single spaces and none around / . -"""
    return _CODE_SPACES.sub(lambda m: m[1] or " ", text.strip().upper())


def serial_number(text: str) -> str:
    value = _code(text)
    if not re.fullmatch(r"[A-Z0-9]+(?:[ -][A-Z0-9]+)*", value):
        raise Bad("bad_serial_number")
    return value


def register_number(text: str) -> str:
    value = _code(text)
    if not re.fullmatch(r"[0-9A-ZĐ]+(?:[ ./-][0-9A-ZĐ]+)*", value) or not any(c.isdigit() for c in value):
        raise Bad("bad_register_number")
    return value


def ethnicity(text: str) -> str:
    found = official_ethnicity(text)
    if found is None:
        raise Bad("unknown_ethnicity")
    return found


def graduation_year(text: str) -> int:
    if not re.fullmatch(r"(19[4-9][0-9]|2[01][0-9][0-9])", text):  # ASCII digits, 1940-2199
        raise Bad("bad_graduation_year")
    return int(text)


def classification(text: str) -> str:
    found = one_of(text, CLASSIFICATIONS)
    if found is None:
        raise Bad("bad_classification")
    return found


_CHECKS = {"serial_number": serial_number, "register_number": register_number, "date_of_birth": a_date,
           "gender": gender, "ethnicity": ethnicity, "graduation_year": graduation_year,
           "classification": classification, "decision_date": a_date, "issued_on": a_date}


@dataclass(frozen=True)
class AuthorityProfile:
    """The issuing authority's own data (``examples/authority-SGD-79.toml``)."""

    authority: Authority
    diploma_type: DiplomaType
    signer: Signatory
    decision: Decision | None = None  # when one decision covers the whole list

    @classmethod
    def load(cls, path: Path) -> "AuthorityProfile":
        try:
            data = tomllib.loads(path.read_text("utf-8"))
            decision = data.pop("decision", None)
            profile = cls(authority=Authority(data.pop("code"), data.pop("name"), data.pop("place")),
                          diploma_type=DiplomaType(data.pop("diploma_type")), signer=Signatory(**data.pop("signer")),
                          decision=Decision(**decision) if decision is not None else None)
            if data:
                raise TypeError(f"unknown keys {sorted(data)}")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, KeyError, ValueError) as e:
            raise InvalidInput(f"{path}: not an authority profile (code, name, place, diploma_type THPT or THCS, "
                               f"[signer] name and title, optional [decision] reference and date): {e}",
                               code="bad_authority_profile") from None
        t = profile.diploma_type
        if not profile.authority.name.startswith(t.authority_prefix):
            raise InvalidInput(f"{path}: a {t.value} diploma is issued by a {t.authority_prefix}, "
                               f"not by {profile.authority.name}", code="bad_authority_profile")
        return profile


@dataclass(frozen=True)
class DiplomaMapping:
    """Which column holds which field; a TOML file names only what differs (``[columns]``)."""

    columns: dict[str, str] = field(default_factory=lambda: dict(DIPLOMA_COLUMNS))

    @classmethod
    def load(cls, path: Path | None) -> "DiplomaMapping":
        return cls(columns_over(DIPLOMA_COLUMNS, read_mapping_file(path, ("columns",)), path))


@dataclass(frozen=True)
class DiplomaImportResult:
    file: str
    encoding: str
    diplomas: list[Diploma] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stored: StoredResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def import_diplomas(path: Path, profile: AuthorityProfile, store: DiplomaStore, *,
                    mapping: DiplomaMapping | None = None, legacy: bool = False,
                    dry_run: bool = False) -> DiplomaImportResult:
    """Check ``path`` completely; store its diplomas only if it has no problem at all."""
    try:
        table = read_table(path)
    except UnreadableFile as e:
        return DiplomaImportResult(path.name, "", [], [Problem(path.name, None, None, None, e.code, e.params)])
    diplomas, problems = build_diplomas(table, mapping or DiplomaMapping(), profile, legacy=legacy)
    if not problems:
        problems = [Problem(path.name, None, None, d.serial_number, code, params)
                    for d, code, params in store.conflicts(diplomas)]
    if problems:
        return DiplomaImportResult(path.name, table.encoding, [], problems)
    stored = None if dry_run else store.save(diplomas)
    return DiplomaImportResult(path.name, table.encoding, diplomas, [], stored)


def build_diplomas(table: Table, mapping: DiplomaMapping, profile: AuthorityProfile, *,
                   legacy: bool = False) -> tuple[list[Diploma], list[Problem]]:
    """Every diploma of ``table``, or every problem found in it."""
    wanted = {f: c for f, c in mapping.columns.items() if legacy or f not in LEGACY_ONLY}
    # the decision's columns may be absent when the profile's decision covers the list (never for legacy rows)
    found, problems = find_columns(table, wanted, OPTIONAL if profile.decision and not legacy else {"classification"})
    if problems:
        return [], problems
    diplomas: list[Diploma] = []
    first_rows: dict[tuple[str, str], int] = {}  # (field, value) -> first row with it
    for row in table.rows:
        before = len(problems)
        v = {f: read_cell(table, row, f, header, _CHECKS.get(f), problems, optional=f in OPTIONAL)
             for f, header in found.items()}
        for f in ("serial_number", "register_number"):
            if v[f] is None:
                continue
            first = first_rows.setdefault((f, v[f]), row.number)
            if first != row.number:
                problems.append(Problem(table.file, row.number, found[f], row.cells.get(found[f] or "", ""),
                                        f"duplicate_{f}", {"first_row": first}))
        _check_classification(table, row, found, v, profile.diploma_type, problems)
        decision = _decision(table, row, found, v, None if legacy else profile.decision, mapping, problems)
        if len(problems) > before:
            continue
        try:
            diplomas.append(_diploma(v, profile, decision, legacy))
        except InvalidInput as e:  # a rule of the model the cell checks above do not cover
            problems.append(Problem(table.file, row.number, None, None, "bad_diploma", {"detail": e.detail}))
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return (diplomas if not problems else []), problems


def _check_classification(table: Table, row: Row, found: dict[str, str | None], v: dict[str, Any],
                          diploma_type: DiplomaType, problems: list[Problem]) -> None:
    year = v.get("graduation_year")
    if v.get("classification") and year and year > diploma_type.last_classified_year:
        header = found["classification"]
        problems.append(Problem(table.file, row.number, header, row.cells.get(header or "", ""), "no_classification",
                                {"diploma_type": diploma_type.value, "year": year}))


def _decision(table: Table, row: Row, found: dict[str, str | None], v: dict[str, Any], default: Decision | None,
              mapping: DiplomaMapping, problems: list[Problem]) -> Decision | None:
    """The row's own decision, else ``default`` (the profile's); a problem when neither is complete."""
    reference, day = v.get("decision_reference"), v.get("decision_date")
    if reference and day:
        return Decision(reference, day)
    if not reference and not day and default is not None:
        return default
    bad_date = found.get("decision_date") and row.cells.get(found["decision_date"] or "") and not day
    if not bad_date:  # a date that is not a date was reported already
        column = mapping.columns["decision_reference" if not reference else "decision_date"]
        problems.append(Problem(table.file, row.number, found.get("decision_reference") if not reference
                                else found.get("decision_date"), "", "missing_decision", {"column": column}))
    return None


def _diploma(v: dict[str, Any], profile: AuthorityProfile, decision: Decision | None, legacy: bool) -> Diploma:
    signer, record = profile.signer, None
    if legacy:
        signer = Signatory(v["signer_name"], v["signer_title"])
        record = LegacyRecord(v["issued_on"], v["legacy_source"])
    return Diploma(
        diploma_type=profile.diploma_type, serial_number=v["serial_number"], register_number=v["register_number"],
        holder=Holder(v["full_name"], v["date_of_birth"], v["place_of_birth"], v["gender"], v["ethnicity"]),
        school=v["school"], graduation_year=v["graduation_year"], authority=profile.authority, signer=signer,
        decision=decision, classification=v.get("classification"), legacy=record)
