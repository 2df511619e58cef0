"""``sogoc transcripts import``: a school's export in, validated transcripts out, or nothing.

The whole file is checked before anything is stored; a file with any problem imports nothing
and every problem is reported at once (file, row, column, value, reason). See
:mod:`signer.importing.build` for the rules and :mod:`signer.importing.mapping` for layouts.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InvalidInput
from core.multiyear import MultiYearTranscript
from core.transcript import School, Transcript, cohort_from_json
from signer.importing.build import build
from signer.importing.mapping import ColumnMapping
from signer.importing.problems import Problem
from signer.importing.store import StoredResult, TranscriptStore
from signer.importing.tables import UnreadableFile, read_table
from signer.importing.years import group_years

__all__ = ["ImportResult", "Problem", "SchoolProfile", "TranscriptStore", "import_file"]


@dataclass(frozen=True)
class SchoolProfile:
    """The school's own data, which an export does not repeat on every row."""

    school: School
    principal: str | None = None

    @classmethod
    def load(cls, path: Path) -> "SchoolProfile":
        try:
            data = tomllib.loads(path.read_text("utf-8"))
            principal = data.pop("principal", None)
            for signing_only in ("teachers", "teacher_passphrase_env", "pkcs11_module"):  # signer.teachers
                data.pop(signing_only, None)
            return cls(School(**data), principal)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError) as e:
            raise InvalidInput(f"{path}: not a school profile (code, name, authority, address, "
                               f"optional principal): {e}", code="bad_school_profile") from None


@dataclass(frozen=True)
class ImportResult:
    file: str
    encoding: str
    transcripts: list[Transcript] | list[MultiYearTranscript] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stored: StoredResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def import_file(path: Path, profile: SchoolProfile, store: TranscriptStore, *,
                mapping: ColumnMapping | None = None, dry_run: bool = False, multi_year: bool = False) -> ImportResult:
    """Check ``path`` completely; store its transcripts only if it has no problem at all.

    ``multi_year``: each student's school years in the file become one multi-year transcript
    (:mod:`signer.importing.years`) instead of one transcript per year."""
    if path.suffix.lower() == ".json":
        if multi_year:  # a cohort file holds one class in one year: there is nothing to put together
            return ImportResult(path.name, "UTF-8", [], [Problem(path.name, None, None, None, "multi_year_json")])
        transcripts, encoding, problems = _from_json(path, profile), "UTF-8", []
    else:
        try:
            table = read_table(path)
        except UnreadableFile as e:
            return ImportResult(path.name, "", [], [Problem(path.name, None, None, None, e.code, e.params)])
        built = build(table, mapping or ColumnMapping(), profile.school, profile.principal)
        transcripts, encoding, problems = built.transcripts, table.encoding, built.problems
        if multi_year and not problems:
            transcripts, problems = group_years(path.name, built)
    if not problems:
        problems = [Problem(path.name, None, None, t.student.personal_id, "already_imported")
                    for t in store.conflicts(transcripts)]
    if problems:
        return ImportResult(path.name, encoding, [], problems)
    stored = None if dry_run else store.save(transcripts)
    return ImportResult(path.name, encoding, transcripts, [], stored)


def _from_json(path: Path, profile: SchoolProfile) -> list[Transcript]:
    from core.canonical import parse_json

    try:
        obj = parse_json(path.read_bytes(), what=path.name)
    except OSError as e:
        raise UnreadableFile(f"{path}: {e.strerror or e}") from None
    transcripts = cohort_from_json(obj)
    if any(t.school.code != profile.school.code for t in transcripts):
        raise InvalidInput(f"{path.name}: the file is for another school than {profile.school.code}",
                           code="wrong_school")
    return transcripts
