"""A multi-year transcript: one student's học bạ for the consecutive school years of one level.

A real học bạ is a book that follows the student through a level (THPT: grades 10, 11 and 12),
one double page per school year, and is handed over when the student leaves. This document is
that book: the student and the school once, then one entry per school year (its class, its
results by subject and term, learning result, conduct, days absent, promotion decision, comment
and that year's homeroom teacher), oldest first. The current homeroom teacher and the principal
sign the whole document; earlier years' homeroom teachers are recorded by name.

Its credential's ``kind`` stays ``transcript`` (on chain a batch is of transcripts either way);
its fields carry ``years`` where a one-year transcript carries ``school_year`` and the year's
results at the top level, so one-year transcripts keep exactly their canonical form and hash.

The years must be consecutive (no gap, no school year twice, in ascending order) and, when class
names start with the grade ("10A1"), the grades must stay within one level and move up by at
most one grade a year (a student held back keeps the grade). Each rule has its own error code.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Mapping

from core.credential import Credential
from core.errors import InvalidInput
from core.status import DocumentKind
from core.transcript import School, Student, SubjectResult, Transcript

#: Fields of one school year inside ``years``, in the order a page shows them.
YEAR_FIELDS = ("class_name", "school_year", "subjects", "learning_result", "conduct", "days_absent",
               "promotion", "teacher_comment", "homeroom_teacher")
_GRADE = re.compile(r"^\s*(\d{1,2})(?!\d)")
#: Grades of each level of general education (tiểu học, THCS, THPT).
LEVELS = {"Tiểu học": range(1, 6), "Trung học cơ sở": range(6, 10), "Trung học phổ thông": range(10, 13)}


def grade_of(class_name: str) -> int | None:
    """The grade a class name starts with ("10A1" -> 10, "12 Chuyên Toán" -> 12), else None."""
    m = _GRADE.match(class_name)
    return int(m[1]) if m else None


def level_of(grade: int) -> str | None:
    return next((name for name, grades in LEVELS.items() if grade in grades), None)


def _first_year(school_year: str) -> int:
    return int(school_year[:4])


@dataclass(frozen=True)
class SchoolYearRecord:
    """One school year of the document: what a one-year transcript holds, less the school, the
    student and the principal (which the whole document shares)."""

    class_name: str
    school_year: str
    subjects: tuple[SubjectResult, ...]
    learning_result: str
    conduct: str
    days_absent: int
    promotion: str
    teacher_comment: str
    homeroom_teacher: str

    @classmethod
    def of(cls, t: Transcript) -> "SchoolYearRecord":
        return cls(**{f: getattr(t, f) for f in YEAR_FIELDS})


@dataclass(frozen=True)
class MultiYearTranscript:
    """One student's học bạ over consecutive school years of one school; the last year is current."""

    school: School
    student: Student
    years: tuple[SchoolYearRecord, ...]
    principal: str  # the principal who signs the document (the current one)

    def __post_init__(self) -> None:
        if not self.years:
            raise InvalidInput("years: a multi-year transcript has at least one school year", code="no_years")
        self.year_transcripts()  # each year by the one-year rules (bad_transcript)
        for before, after in zip(self.years, self.years[1:]):
            check_sequence(before, after)

    @property
    def school_year(self) -> str:
        """The current (last) school year: the one the document is issued in."""
        return self.years[-1].school_year

    @property
    def homeroom_teacher(self) -> str:
        """The current homeroom teacher, who signs the document with the principal."""
        return self.years[-1].homeroom_teacher

    def year_transcripts(self) -> tuple[Transcript, ...]:
        """Each year as a one-year :class:`Transcript` (for checking and drawing its page)."""
        return tuple(Transcript(school=self.school, student=self.student, principal=self.principal,
                                **{f: getattr(y, f) for f in YEAR_FIELDS}) for y in self.years)

    def to_fields(self) -> dict[str, Any]:
        return {"school": asdict(self.school), "student": asdict(self.student),
                "years": [{**asdict(y), "subjects": [asdict(s) for s in y.subjects]} for y in self.years],
                "principal": self.principal}

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> "MultiYearTranscript":
        try:
            years = tuple(SchoolYearRecord(**{**y, "subjects": tuple(SubjectResult(**s) for s in y["subjects"])})
                          for y in fields["years"])
            return cls(School(**fields["school"]), Student(**fields["student"]), years, fields["principal"])
        except (KeyError, TypeError) as e:
            raise InvalidInput(f"multi-year transcript fields are incomplete or malformed: {e}",
                               code="bad_transcript") from None

    @classmethod
    def from_transcripts(cls, transcripts: list[Transcript], principal: str | None = None) -> "MultiYearTranscript":
        """One student's one-year transcripts, in any order, as one document. The student and the school
        must be the same in every year; the principal is ``principal`` or the last year's."""
        if not transcripts:
            raise InvalidInput("years: a multi-year transcript has at least one school year", code="no_years")
        ordered = sorted(transcripts, key=lambda t: t.school_year)
        first = ordered[0]
        for t in ordered[1:]:
            if t.student != first.student:
                raise InvalidInput(f"student: {t.school_year} names {t.student} but {first.school_year} names "
                                   f"{first.student}", code="student_differs")
            if t.school != first.school:
                raise InvalidInput(f"school: {t.school_year} is at {t.school.code}, {first.school_year} at "
                                   f"{first.school.code}", code="school_differs")
        return cls(first.school, first.student, tuple(SchoolYearRecord.of(t) for t in ordered),
                   principal or ordered[-1].principal)

    def to_credential(self, issued_on: str) -> Credential:
        return Credential.new(DocumentKind.TRANSCRIPT, self.school.code, issued_on, self.to_fields())


def check_sequence(before: SchoolYearRecord | Transcript, after: SchoolYearRecord | Transcript) -> None:
    """The rules between two successive years, each with its stable code (the importer reports them
    against the rows they come from)."""
    step = _first_year(after.school_year) - _first_year(before.school_year)
    if step == 0:
        raise InvalidInput(f"years: {after.school_year} appears twice", code="duplicate_year")
    if step < 0:
        raise InvalidInput(f"years: {after.school_year} comes after {before.school_year}; years go oldest first",
                           code="years_out_of_order")
    if step > 1:
        raise InvalidInput(f"years: a gap between {before.school_year} and {after.school_year}",
                           code="years_not_consecutive")
    g1, g2 = grade_of(before.class_name), grade_of(after.class_name)
    if g1 is None or g2 is None:
        return
    if level_of(g1) is None or level_of(g1) != level_of(g2):
        raise InvalidInput(f"years: class {before.class_name} and class {after.class_name} are not of one level",
                           code="mixed_levels")
    if not 0 <= g2 - g1 <= 1:
        raise InvalidInput(f"years: from class {before.class_name} in {before.school_year} to class "
                           f"{after.class_name} in {after.school_year}", code="grades_not_consecutive")


def transcript_from_fields(fields: Mapping[str, Any]) -> Transcript | MultiYearTranscript:
    """A transcript credential's fields as their model: multi-year when they carry ``years``."""
    return (MultiYearTranscript if "years" in fields else Transcript).from_fields(fields)

