"""From a table of text cells to transcripts, collecting every problem instead of stopping at one.

Each cell is checked and normalised on its own (a score ``8,5`` becomes ``"8.5"``, a date
``14/03/2008`` becomes ``"2008-03-14"``, a subject ``Hóa học`` its official spelling
``Hoá học``); then the rows of one student are put together and compared. A transcript is
built only for a student none of whose cells had a problem; the caller imports nothing at all
if any problem was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core.errors import InvalidInput
from core.transcript import RATINGS, SUBJECT_RATINGS, SUBJECTS, School, Student, SubjectResult, Transcript, official_subject
from signer.importing.cells import Bad, a_date, find_columns, gender, one_of, read_cell
from signer.importing.mapping import OPTIONAL, ColumnMapping, header_key
from signer.importing.problems import WHAT, Problem
from signer.importing.tables import Row, Table

_SCORE = re.compile(r"^(10|[0-9])(?:[.,]([0-9]+))?$")
_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")
_STUDENT_FIELDS = ("personal_id", "full_name", "date_of_birth", "gender", "place_of_birth")
_YEAR_FIELDS = ("class_name", "school_year", "learning_result", "conduct", "days_absent", "promotion",
                "teacher_comment", "homeroom_teacher", "principal")
_TERMS = ("term1", "term2", "year")


# -- one cell --------------------------------------------------------------------------------

def score(text: str) -> str:
    """A subject result: a score 0-10 with one decimal (comma or point), or Đạt / Chưa đạt."""
    named = one_of(text, SUBJECT_RATINGS)
    if named:
        return named
    m = _SCORE.match(text)
    if not m:
        raise Bad("bad_score")
    whole, decimals = m[1], (m[2] or "").rstrip("0")  # "8,50" is 8.5
    if len(decimals) > 1 or (whole == "10" and decimals):
        raise Bad("bad_score")
    return f"{whole}.{decimals or '0'}"


def rating(text: str) -> str:
    found = one_of(text, RATINGS)
    if found is None:
        raise Bad("bad_rating")
    return found


_ID_DIGITS = re.compile(r"[0-9]{10,12}")


def personal_id(text: str) -> str:
    """12 digits. Ids start with a province code 001-096, so a spreadsheet that stored the id as a
    number dropped one or two leading zeros: 10 or 11 digits get them back, nothing shorter does
    (a 9-digit number is an old identity card, not a personal identification number)."""
    digits = text.replace(" ", "")
    if _ID_DIGITS.fullmatch(digits):
        return digits.zfill(12)
    raise Bad("bad_personal_id")


def school_year(text: str) -> str:
    m = _YEAR.match(text)
    if not m or int(m[2]) != int(m[1]) + 1:
        raise Bad("bad_school_year")
    return f"{m[1]}-{m[2]}"


def days_absent(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", text):  # ASCII digits only: str.isdigit() also takes "²"
        raise Bad("bad_days_absent")
    return int(text)


_CHECKS = {"personal_id": personal_id, "date_of_birth": a_date, "gender": gender,
           "school_year": school_year, "learning_result": rating, "conduct": rating,
           "days_absent": days_absent, "term1": score, "term2": score, "year": score}


# -- the whole table -------------------------------------------------------------------------

@dataclass
class _Student:
    first_row: int
    values: dict[str, Any]  # field -> normalised value
    raw_rows: dict[str, int]  # field -> row where its value was first seen
    subjects: dict[str, SubjectResult]
    subject_rows: dict[str, tuple[int, tuple[str, ...]]]
    cells: dict[str, str] = field(default_factory=dict)  # field -> the cell's text where first seen
    broken: bool = False


@dataclass(frozen=True)
class Built:
    transcripts: list[Transcript]
    problems: list[Problem]
    origins: list[_Student] = field(default_factory=list)
    """Where each transcript's values came from (rows, cells), in the order of ``transcripts``."""
    columns: dict[str, str | None] = field(default_factory=dict)
    """The file's header of each field."""


def build(table: Table, mapping: ColumnMapping, school: School, principal: str | None) -> Built:
    """Every transcript of ``table``, or every problem found in it."""
    found, problems = find_columns(table, mapping.fields(), OPTIONAL)
    subject_columns: dict[str, tuple[str, str]] = {}  # header -> (subject, term)
    if mapping.layout == "wide":
        subject_columns = _subject_columns(table, mapping, set(found.values()), problems)
    if problems:
        return Built([], problems)

    students: dict[tuple[str, str], _Student] = {}
    for row in table.rows:
        _read_row(table, row, mapping, found, subject_columns, students, problems)

    transcripts, origins = [], []
    for student in students.values():
        if student.broken:
            continue
        v = student.values
        name = v.get("principal") or principal
        if not name:
            problems.append(Problem(table.file, student.first_row, found.get("principal") or
                                    mapping.columns["principal"], "", "missing_principal",
                                    {"column": mapping.columns["principal"]}))
            continue
        if not student.subjects:
            problems.append(Problem(table.file, student.first_row, None, None, "no_subjects"))
            continue
        try:
            transcripts.append(Transcript(
                school=school, student=Student(**{f: v[f] for f in _STUDENT_FIELDS}),
                class_name=v["class_name"], school_year=v["school_year"],
                subjects=tuple(sorted(student.subjects.values(), key=lambda r: SUBJECTS.index(r.subject))),
                learning_result=v["learning_result"],
                conduct=v["conduct"], days_absent=v["days_absent"], promotion=v["promotion"],
                teacher_comment=v["teacher_comment"], homeroom_teacher=v["homeroom_teacher"], principal=name))
            origins.append(student)
        except InvalidInput as e:  # a rule of the model the cell checks above do not cover
            problems.append(Problem(table.file, student.first_row, None, None, "bad_transcript", {"detail": e.detail}))
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return Built(transcripts, problems, origins, found) if not problems else Built([], problems)


def _subject_columns(table: Table, mapping: ColumnMapping, known: set[str | None],
                     problems: list[Problem]) -> dict[str, tuple[str, str]]:
    suffixes = sorted(((" " + header_key(s), term) for term, s in mapping.terms.items()), key=lambda x: -len(x[0]))
    out = {}
    for h in table.header:
        if not h or h in known:
            continue
        key = header_key(h)  # headers are already single-spaced NFC, so lengths match
        match = next(((suffix, term) for suffix, term in suffixes if key.endswith(suffix)), None)
        if match is None:
            problems.append(Problem(table.file, 1, h, None, "unknown_column",
                                    {"terms": "/".join(mapping.terms.values())}))
            continue
        subject_text = h[:len(h) - len(match[0])]
        subject = official_subject(subject_text)
        if subject is None:
            problems.append(Problem(table.file, 1, h, subject_text, "unknown_subject"))
        else:
            out[h] = (subject, match[1])
    return out


def _cell(table: Table, row: Row, f: str, header: str | None, problems: list[Problem]) -> Any:
    """The normalised value of field ``f`` in ``row``; records a problem and returns None if bad."""
    return read_cell(table, row, f, header, _CHECKS.get(f), problems, optional=f in OPTIONAL)


def _read_row(table: Table, row: Row, mapping: ColumnMapping, found: dict[str, str | None],
              subject_columns: dict[str, tuple[str, str]], students: dict[tuple[str, str], _Student],
              problems: list[Problem]) -> None:
    before = len(problems)
    values = {f: _cell(table, row, f, found.get(f), problems) for f in _STUDENT_FIELDS + _YEAR_FIELDS}
    key = (values["personal_id"] or f"row {row.number}", values["school_year"] or "")
    student = students.get(key)
    if student is None:
        student = students[key] = _Student(row.number, {}, {}, {}, {})
    elif mapping.layout == "wide":
        problems.append(Problem(table.file, row.number, found["personal_id"], values["personal_id"],
                                "duplicate_student", {"first_row": student.first_row}))
    for f, value in values.items():
        if value is None:
            continue
        if f not in student.values:
            student.values[f], student.raw_rows[f] = value, row.number
            student.cells[f] = row.cells.get(found[f] or "", "")
        elif student.values[f] != value:
            problems.append(Problem(table.file, row.number, found[f], row.cells.get(found[f] or "", ""),
                                    "conflicting_rows", {"first_row": student.raw_rows[f],
                                                         "first_value": student.values[f]}))
    if mapping.layout == "long":
        _long_subject(table, row, found, student, problems)
    else:
        _wide_subjects(table, row, subject_columns, student, problems)
    if len(problems) > before:
        student.broken = True


def _long_subject(table: Table, row: Row, found: dict[str, str | None], student: _Student,
                  problems: list[Problem]) -> None:
    header = found["subject"]
    text = row.cells.get(header or "", "")
    subject = official_subject(text) if text else None
    if not text:
        vi, en = WHAT["subject"]
        problems.append(Problem(table.file, row.number, header, "", "missing_value", {"what": vi, "what_en": en}))
    elif subject is None:
        problems.append(Problem(table.file, row.number, header, text, "unknown_subject"))
    results = [_cell(table, row, t, found[t], problems) for t in _TERMS]
    if subject is None or None in results:
        return
    if subject in student.subject_rows:
        first_row, first = student.subject_rows[subject]
        code = "duplicate_row" if first == tuple(results) else "conflicting_rows"
        problems.append(Problem(table.file, row.number, header, text, code,
                                {"first_row": first_row, "first_value": " / ".join(first)}))
        return
    student.subject_rows[subject] = (row.number, tuple(results))
    student.subjects[subject] = SubjectResult(subject, *results)


def _wide_subjects(table: Table, row: Row, subject_columns: dict[str, tuple[str, str]], student: _Student,
                   problems: list[Problem]) -> None:
    by_subject: dict[str, dict[str, tuple[str, str]]] = {}
    for header, (subject, term) in subject_columns.items():
        by_subject.setdefault(subject, {})[term] = (header, row.cells.get(header, ""))
    for subject, terms in by_subject.items():
        if not any(text for _, text in terms.values()):
            continue  # an elective this student does not take
        results = {}
        for term in _TERMS:
            header, text = terms.get(term, (None, ""))
            results[term] = _cell(table, row, term, header, problems) if header else None
            if header is None:
                vi, en = WHAT[term]
                problems.append(Problem(table.file, row.number, f"{subject} …", "", "missing_value",
                                        {"what": vi, "what_en": en}))
        if None not in results.values():
            student.subjects[subject] = SubjectResult(subject, results["term1"], results["term2"], results["year"])
