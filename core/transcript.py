"""The transcript (học bạ) of one student for one school year, as a credential's fields.

This first model carries what a Vietnamese upper-secondary transcript shows for one year
(Thông tư 22/2021): each subject's term and year results (a score out of 10 with one
decimal, written as a string such as ``"8.5"``, or the rating ``"Đạt"`` / ``"Chưa đạt"``),
the year's learning result and conduct (Tốt / Khá / Đạt / Chưa đạt), days absent, the
promotion decision, the homeroom teacher's comment and the two signers' names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, Mapping

from core.credential import Credential
from core.errors import InvalidInput
from core.status import DocumentKind
from core.vietnamese import TONE_MARKS

RATINGS = ("Tốt", "Khá", "Đạt", "Chưa đạt")
#: Subjects of the 2018 general-education curriculum, lower and upper secondary, in their official
#: spelling and in the order a transcript lists them (imports sort by it, whatever the file's order).
SUBJECTS = (
    "Ngữ văn", "Toán", "Ngoại ngữ 1", "Ngoại ngữ 2", "Lịch sử", "Địa lí", "Lịch sử và Địa lí",
    "Giáo dục công dân", "Giáo dục kinh tế và pháp luật", "Khoa học tự nhiên", "Vật lí", "Hoá học",
    "Sinh học", "Tin học", "Công nghệ", "Âm nhạc", "Mĩ thuật", "Nghệ thuật", "Giáo dục quốc phòng và an ninh",
    "Giáo dục thể chất", "Hoạt động trải nghiệm, hướng nghiệp", "Hoạt động trải nghiệm",
    "Nội dung giáo dục của địa phương", "Tiếng dân tộc thiểu số",
)
SUBJECT_RATINGS = ("Đạt", "Chưa đạt")
_SCORE = re.compile(r"^(10(\.0)?|[0-9](\.[0-9])?)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def _subject_key(name: str) -> str:
    """Spelling-insensitive key: no tone marks (so "Hóa" = "Hoá"), final y as i ("lý" = "lí")."""
    bare = "".join(c for c in unicodedata.normalize("NFD", name.casefold()) if c not in TONE_MARKS)
    words = unicodedata.normalize("NFC", bare).replace(",", " ").split()
    return " ".join(w[:-1] + "i" if w.endswith("y") else w for w in words)


_SUBJECTS_BY_KEY = {_subject_key(s): s for s in SUBJECTS}
assert len(_SUBJECTS_BY_KEY) == len(SUBJECTS)


def official_subject(name: str) -> str | None:
    """The curriculum's spelling of a subject typed as ``name`` ("Hóa học" -> "Hoá học"), or None."""
    return _SUBJECTS_BY_KEY.get(_subject_key(name))


def check_result(value: str, where: str) -> str:
    """A subject result: a score 0-10 with at most one decimal, or a subject rating."""
    if _SCORE.match(value) or value in SUBJECT_RATINGS:
        return value
    raise InvalidInput(f"{where}: {value!r} is neither a score from 0 to 10 with one decimal "
                       f"nor one of {', '.join(SUBJECT_RATINGS)}", code="bad_score")


@dataclass(frozen=True)
class Student:
    full_name: str
    date_of_birth: str  # YYYY-MM-DD
    gender: str  # "Nam" / "Nữ"
    place_of_birth: str
    personal_id: str  # số định danh cá nhân, 12 digits


@dataclass(frozen=True)
class SubjectResult:
    subject: str  # "Toán", "Ngữ văn", ...
    term1: str
    term2: str
    year: str


@dataclass(frozen=True)
class School:
    code: str  # issuer code
    name: str
    authority: str  # supervising authority, e.g. "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
    address: str


@dataclass(frozen=True)
class Transcript:
    """One school year of one student's học bạ."""

    school: School
    student: Student
    class_name: str  # "12A1"
    school_year: str  # "2025-2026"
    subjects: tuple[SubjectResult, ...]
    learning_result: str  # kết quả học tập
    conduct: str  # kết quả rèn luyện
    days_absent: int
    promotion: str  # "Được lên lớp", "Hoàn thành chương trình trung học phổ thông", ...
    teacher_comment: str
    homeroom_teacher: str
    principal: str

    def __post_init__(self) -> None:
        problems = []
        if not _DATE.match(self.student.date_of_birth):
            problems.append(f"student.date_of_birth: {self.student.date_of_birth!r} is not YYYY-MM-DD")
        if not (len(self.student.personal_id) == 12 and self.student.personal_id.isdigit()):
            problems.append("student.personal_id: a personal identification number has 12 digits")
        m = _YEAR.match(self.school_year)
        if not m or int(m[2]) != int(m[1]) + 1:
            problems.append(f"school_year: {self.school_year!r} is not like 2025-2026")
        for field_name in ("learning_result", "conduct"):
            if getattr(self, field_name) not in RATINGS:
                problems.append(f"{field_name}: {getattr(self, field_name)!r} is not one of {', '.join(RATINGS)}")
        if self.days_absent < 0:
            problems.append("days_absent: cannot be negative")
        if not self.subjects:
            problems.append("subjects: a transcript lists at least one subject")
        for s in self.subjects:
            for term in ("term1", "term2", "year"):
                try:
                    check_result(getattr(s, term), f"subjects[{s.subject}].{term}")
                except InvalidInput as e:
                    problems.append(e.detail)
        if problems:
            raise InvalidInput("; ".join(problems), code="bad_transcript")

    def to_fields(self) -> dict[str, Any]:
        """The credential's fields, as plain JSON values."""
        d = asdict(self)
        d["subjects"] = [asdict(s) for s in self.subjects]
        return d

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> "Transcript":
        try:
            return cls(
                school=School(**fields["school"]),
                student=Student(**fields["student"]),
                subjects=tuple(SubjectResult(**s) for s in fields["subjects"]),
                **{k: fields[k] for k in ("class_name", "school_year", "learning_result", "conduct",
                                          "days_absent", "promotion", "teacher_comment",
                                          "homeroom_teacher", "principal")},
            )
        except (KeyError, TypeError) as e:
            raise InvalidInput(f"transcript fields are incomplete or malformed: {e}", code="bad_transcript") from None

    def to_credential(self, issued_on: str) -> Credential:
        return Credential.new(DocumentKind.TRANSCRIPT, self.school.code, issued_on, self.to_fields())


def cohort_from_json(obj: Mapping[str, Any]) -> list[Transcript]:
    """Transcripts of one class from the JSON form of ``examples/demo-transcripts.json``."""
    try:
        school = School(**obj["school"])
        return [
            Transcript(
                school=school,
                student=Student(**row["student"]),
                class_name=obj["class_name"],
                school_year=obj["school_year"],
                subjects=tuple(SubjectResult(**s) for s in row["subjects"]),
                learning_result=row["learning_result"],
                conduct=row["conduct"],
                days_absent=row["days_absent"],
                promotion=row["promotion"],
                teacher_comment=row["teacher_comment"],
                homeroom_teacher=obj["homeroom_teacher"],
                principal=obj["principal"],
            )
            for row in obj["students"]
        ]
    except (KeyError, TypeError) as e:
        raise InvalidInput(f"cohort file is incomplete or malformed: {e}", code="bad_transcript") from None
