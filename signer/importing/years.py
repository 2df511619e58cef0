"""``--multi-year``: the years of each student in one file become one multi-year transcript.

The file is first read as usual, one transcript per student and school year (every cell and
every row checked); then each student's years are put together, oldest first, and what only
shows across years is checked and reported against the row and column it comes from: the
student's name, birth date, gender, place of birth differing between years, a school year
missing between two others, a class that goes down a grade or skips one. The rules themselves
are the model's (:mod:`core.multiyear`); this module only says where in the file they broke.
"""

from __future__ import annotations

from core.errors import InvalidInput
from core.multiyear import MultiYearTranscript, check_sequence
from core.transcript import Transcript
from signer.importing.build import Built
from signer.importing.problems import Problem

_STUDENT_FIELDS = ("full_name", "date_of_birth", "gender", "place_of_birth")
#: Which column a broken rule between two years points at.
_RULE_COLUMN = {"years_not_consecutive": "school_year", "duplicate_year": "school_year",
                "years_out_of_order": "school_year", "mixed_levels": "class_name",
                "grades_not_consecutive": "class_name"}


def group_years(file: str, built: Built) -> tuple[list[MultiYearTranscript], list[Problem]]:
    """One multi-year transcript per student of ``built`` (which has no problem), or every problem."""
    by_student: dict[str, list[tuple[Transcript, object]]] = {}
    for t, origin in zip(built.transcripts, built.origins):
        by_student.setdefault(t.student.personal_id, []).append((t, origin))
    out, problems = [], []
    for years in by_student.values():
        years.sort(key=lambda pair: pair[0].school_year)
        found = _differences(file, built, years) + _sequence(file, built, years)
        if found:
            problems += found
            continue
        try:
            out.append(MultiYearTranscript.from_transcripts([t for t, _ in years]))
        except InvalidInput as e:  # a rule the checks above do not cover
            problems.append(Problem(file, years[0][1].first_row, None, None, "bad_transcript", {"detail": e.detail}))
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return (out, []) if not problems else ([], problems)


def _differences(file: str, built: Built, years: list) -> list[Problem]:
    """The student's identity, compared with the first year's."""
    (first, first_origin), problems = years[0], []
    for t, origin in years[1:]:
        for f in _STUDENT_FIELDS:
            if getattr(t.student, f) != getattr(first.student, f):
                problems.append(Problem(file, origin.raw_rows[f], built.columns.get(f), origin.cells[f],
                                        "differs_between_years",
                                        {"first_year": first.school_year, "first_row": first_origin.raw_rows[f],
                                         "first_value": first_origin.cells[f]}))
    return problems


def _sequence(file: str, built: Built, years: list) -> list[Problem]:
    problems = []
    for (before, _), (after, origin) in zip(years, years[1:]):
        try:
            check_sequence(before, after)
        except InvalidInput as e:
            f = _RULE_COLUMN.get(e.code, "school_year")
            problems.append(Problem(file, origin.raw_rows[f], built.columns.get(f), origin.cells[f], e.code,
                                    {"before": getattr(before, f), "before_year": before.school_year,
                                     "missing": _missing(before.school_year, after.school_year)}))
    return problems


def _missing(before: str, after: str) -> str:
    """The school years between two, as a clerk would list them: ``2024-2025``."""
    start, end = int(before[:4]) + 1, int(after[:4])
    return ", ".join(f"{y}-{y + 1}" for y in range(start, end))
