"""The multi-year transcript: consecutive years of one student and school, each rule with its code."""

from __future__ import annotations

import dataclasses

import pytest

from core.canonical import canonical_json
from core.errors import InvalidInput
from core.multiyear import MultiYearTranscript, grade_of, level_of, transcript_from_fields
from core.transcript import Transcript


def year(t: Transcript, school_year: str, class_name: str, teacher: str = "Võ Thị Mỹ Lệ") -> Transcript:
    return dataclasses.replace(t, school_year=school_year, class_name=class_name, homeroom_teacher=teacher,
                               promotion="Được lên lớp")


@pytest.fixture
def three_years(transcripts):
    t = transcripts[0]
    return [year(t, "2023-2024", "10A1"), year(t, "2024-2025", "11A1", "Đặng Quốc Bảo"), t]


def test_years_in_any_order_become_one_document_oldest_first(three_years):
    doc = MultiYearTranscript.from_transcripts(list(reversed(three_years)))
    assert [y.school_year for y in doc.years] == ["2023-2024", "2024-2025", "2025-2026"]
    assert [y.homeroom_teacher for y in doc.years] == ["Võ Thị Mỹ Lệ", "Đặng Quốc Bảo", "Trần Thị Thu Hương"]
    assert doc.school_year == "2025-2026" and doc.homeroom_teacher == "Trần Thị Thu Hương"
    assert doc.principal == "Nguyễn Văn Đức"
    assert doc.year_transcripts() == tuple(three_years)


def test_fields_carry_the_student_once_and_the_years_in_order(three_years):
    doc = MultiYearTranscript.from_transcripts(three_years)
    fields = doc.to_fields()
    assert set(fields) == {"school", "student", "years", "principal"}
    assert [y["class_name"] for y in fields["years"]] == ["10A1", "11A1", "12A1"]
    assert set(fields["years"][0]) == {"class_name", "school_year", "subjects", "learning_result", "conduct",
                                       "days_absent", "promotion", "teacher_comment", "homeroom_teacher"}
    again = transcript_from_fields(fields)
    assert again == doc and canonical_json(again.to_fields()) == canonical_json(fields)
    credential = doc.to_credential("2026-06-05")
    assert credential.kind.name == "TRANSCRIPT" and credential.fields["years"][2]["school_year"] == "2025-2026"


def test_one_year_transcripts_keep_their_fields(transcripts):
    t = transcripts[0]
    assert transcript_from_fields(t.to_fields()) == t
    assert "years" not in t.to_fields()


@pytest.mark.parametrize("years, code", [
    ([("2023-2024", "10A1"), ("2025-2026", "12A1")], "years_not_consecutive"),
    ([("2024-2025", "11A1"), ("2024-2025", "11A2")], "duplicate_year"),
    ([("2024-2025", "11A1"), ("2023-2024", "10A1")], "years_out_of_order"),
    ([("2023-2024", "11A1"), ("2024-2025", "10A1")], "grades_not_consecutive"),
    ([("2023-2024", "10A1"), ("2024-2025", "12A1")], "grades_not_consecutive"),
    ([("2023-2024", "9A1"), ("2024-2025", "10A1")], "mixed_levels"),
])
def test_each_broken_rule_has_its_code(transcripts, years, code):
    records = [MultiYearTranscript.from_transcripts([year(transcripts[0], y, c)]).years[0] for y, c in years]
    with pytest.raises(InvalidInput) as e:
        MultiYearTranscript(transcripts[0].school, transcripts[0].student, tuple(records), "Nguyễn Văn Đức")
    assert e.value.code == code


def test_a_student_held_back_keeps_the_grade(transcripts):
    doc = MultiYearTranscript.from_transcripts([year(transcripts[0], "2023-2024", "10A1"),
                                                year(transcripts[0], "2024-2025", "10A3")])
    assert [y.class_name for y in doc.years] == ["10A1", "10A3"]


def test_other_students_or_schools_cannot_share_a_document(transcripts):
    with pytest.raises(InvalidInput) as e:
        MultiYearTranscript.from_transcripts([year(transcripts[1], "2024-2025", "11A1"), transcripts[0]])
    assert e.value.code == "student_differs"
    other = dataclasses.replace(transcripts[0].school, code="THPT-79-LHP")
    with pytest.raises(InvalidInput) as e:
        MultiYearTranscript.from_transcripts([year(transcripts[0], "2024-2025", "11A1"),
                                              dataclasses.replace(transcripts[0], school=other)])
    assert e.value.code == "school_differs"


def test_no_years_and_a_bad_year_are_refused(transcripts, three_years):
    with pytest.raises(InvalidInput) as e:
        MultiYearTranscript.from_transcripts([])
    assert e.value.code == "no_years"
    fields = MultiYearTranscript.from_transcripts(three_years).to_fields()
    fields["years"][1]["conduct"] = "Giỏi"
    with pytest.raises(InvalidInput) as e:
        MultiYearTranscript.from_fields(fields)
    assert e.value.code == "bad_transcript" and "Giỏi" in e.value.detail
    del fields["years"][1]["conduct"]
    with pytest.raises(InvalidInput) as e:
        MultiYearTranscript.from_fields(fields)
    assert e.value.code == "bad_transcript"


def test_grades_and_levels():
    assert [grade_of(c) for c in ("10A1", "12 Chuyên Toán", "6A", "A1", "123")] == [10, 12, 6, None, None]
    assert [level_of(g) for g in (1, 5, 6, 9, 10, 12, 13)] == [
        "Tiểu học", "Tiểu học", "Trung học cơ sở", "Trung học cơ sở", "Trung học phổ thông",
        "Trung học phổ thông", None]
