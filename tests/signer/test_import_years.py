"""`sogoc transcripts import --multi-year`: grades 10-12 of each student as one document, and what a
clerk is told when the years of a student do not fit together."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from core.canonical import canonical_json
from core.multiyear import MultiYearTranscript
from signer.importing import SchoolProfile, TranscriptStore, import_file
from signer.importing.mapping import ColumnMapping
from sogoc.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"
PROFILE = SchoolProfile.load(EXAMPLES / "school-THPT-79-NTMK.toml")
THREE_YEARS = EXAMPLES / "hoc-ba-THPT-10-12.csv"


def records() -> list[list[str]]:
    return list(csv.reader(io.StringIO(THREE_YEARS.read_text("utf-8"))))


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8")
    return path


def test_the_example_becomes_three_documents_of_three_years(tmp_path):
    store = TranscriptStore(tmp_path / "store")
    result = import_file(THREE_YEARS, PROFILE, store, multi_year=True)
    assert result.ok, [p.message() for p in result.problems]
    assert len(result.transcripts) == 3 and all(isinstance(t, MultiYearTranscript) for t in result.transcripts)
    tuyet = next(t for t in result.transcripts if t.student.personal_id == "079308001234")
    assert [(y.school_year, y.class_name, y.homeroom_teacher) for y in tuyet.years] == [
        ("2023-2024", "10A1", "Võ Thị Mỹ Lệ"), ("2024-2025", "11A1", "Đặng Quốc Bảo"),
        ("2025-2026", "12A1", "Trần Thị Thu Hương")]
    assert tuyet.years[0].subjects[0].year == "8.1" and len(tuyet.years[2].subjects) == 12
    files = sorted(p.relative_to(store.root).as_posix() for p in store.root.rglob("*.json"))
    assert files == [f"THPT-79-NTMK/2025-2026/nhieu-nam/{i}.json" for i in ("046308007890", "075208004567",
                                                                          "079308001234")]
    assert store.load_multi_year("THPT-79-NTMK", "2025-2026")[2] == tuyet
    assert store.load("THPT-79-NTMK", "2025-2026") == []  # one-year transcripts stay apart
    again = import_file(THREE_YEARS, PROFILE, store, multi_year=True)
    assert (again.stored.written, again.stored.unchanged) == (0, 3)


def test_without_the_flag_each_year_is_its_own_transcript(tmp_path):
    store = TranscriptStore(tmp_path / "store")
    result = import_file(THREE_YEARS, PROFILE, store)
    assert result.ok and len(result.transcripts) == 9
    assert [len(store.load("THPT-79-NTMK", y)) for y in ("2023-2024", "2024-2025", "2025-2026")] == [3, 3, 3]


def test_the_wide_layout_gives_the_same_documents(tmp_path):
    """One row per student and year, one column per subject and term."""
    rows = records()
    header, body = rows[0], rows[1:]
    h = {name: i for i, name in enumerate(header)}
    per_year = ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Nơi sinh", "Lớp", "Năm học",
                "Kết quả học tập", "Kết quả rèn luyện", "Số ngày nghỉ", "Lên lớp",
                "Nhận xét của giáo viên chủ nhiệm", "Giáo viên chủ nhiệm", "Hiệu trưởng"]
    subjects = list(dict.fromkeys(r[h["Môn học"]] for r in body))
    wide_header = per_year + [f"{s} {term}" for s in subjects for term in ("HK1", "HK2", "CN")]
    wide: dict[tuple[str, str], dict[str, str]] = {}
    for r in body:
        row = wide.setdefault((r[h["Số định danh cá nhân"]], r[h["Năm học"]]), {c: r[h[c]] for c in per_year})
        for term, column in (("HK1", "Học kì I"), ("HK2", "Học kì II"), ("CN", "Cả năm")):
            row[f"{r[h['Môn học']]} {term}"] = r[h[column]]
    path = write_csv(tmp_path / "wide.csv", [wide_header] + [[row.get(c, "") for c in wide_header]
                                                             for row in reversed(list(wide.values()))], ";")
    wide_result = import_file(path, PROFILE, TranscriptStore(tmp_path / "w"),
                              mapping=ColumnMapping.load(None, "wide"), multi_year=True)
    long_result = import_file(THREE_YEARS, PROFILE, TranscriptStore(tmp_path / "l"), multi_year=True)
    assert wide_result.ok, [p.message() for p in wide_result.problems]
    key = lambda t: t.student.personal_id  # noqa: E731
    assert [canonical_json(t.to_fields()) for t in sorted(wide_result.transcripts, key=key)] == \
        [canonical_json(t.to_fields()) for t in sorted(long_result.transcripts, key=key)]


def test_a_missing_year_and_a_name_spelt_otherwise_are_reported_where_they_are(tmp_path):
    rows = records()
    h = {name: i for i, name in enumerate(rows[0])}
    # Phúc's grade 11 is missing; Như Ý's name is typed differently in grade 11
    kept = [rows[0]] + [r for r in rows[1:] if not (r[h["Số định danh cá nhân"]] == "075208004567"
                                                   and r[h["Năm học"]] == "2024-2025")]
    renamed = next(i for i, r in enumerate(kept) if r[h["Số định danh cá nhân"]] == "046308007890"
                   and r[h["Năm học"]] == "2024-2025")
    for r in kept:
        if r[h["Số định danh cá nhân"]] == "046308007890" and r[h["Năm học"]] == "2024-2025":
            r[h["Họ và tên"]] = "Phạm Quỳnh Như Ý Anh"
    store = TranscriptStore(tmp_path / "store")
    result = import_file(write_csv(tmp_path / "hoc-ba.csv", kept), PROFILE, store, multi_year=True)
    assert not result.ok and not (store.root.exists() and list(store.root.rglob("*.json")))  # nothing imported
    by_code = {p.code: p for p in result.problems}
    assert set(by_code) == {"years_not_consecutive", "differs_between_years"}
    gap = by_code["years_not_consecutive"]
    first_grade_12 = next(i for i, r in enumerate(kept) if r[h["Số định danh cá nhân"]] == "075208004567"
                          and r[h["Năm học"]] == "2025-2026") + 1
    assert (gap.file, gap.row, gap.column, gap.value) == ("hoc-ba.csv", first_grade_12, "Năm học", "2025-2026")
    assert gap.message() == (f"hoc-ba.csv, dòng {first_grade_12}, cột «Năm học», giá trị «2025-2026»: thiếu năm "
                             "học 2024-2025 giữa năm học 2023-2024 và năm học này")
    name = by_code["differs_between_years"]
    assert (name.row, name.column, name.value) == (renamed + 1, "Họ và tên", "Phạm Quỳnh Như Ý Anh")
    assert "khác với năm học 2023-2024 của cùng học sinh" in name.message() and "«Phạm Quỳnh Như Ý»" in name.message()
    assert "differs from school year 2023-2024" in name.message("en")


def test_a_class_that_skips_a_grade_is_reported(tmp_path):
    rows = records()
    h = {name: i for i, name in enumerate(rows[0])}
    for r in rows[1:]:
        if r[h["Số định danh cá nhân"]] == "079308001234" and r[h["Năm học"]] == "2024-2025":
            r[h["Lớp"]] = "12A1"
    result = import_file(write_csv(tmp_path / "f.csv", rows), PROFILE, TranscriptStore(tmp_path / "s"),
                         multi_year=True)
    [problem] = result.problems
    assert (problem.code, problem.column, problem.value) == ("grades_not_consecutive", "Lớp", "12A1")
    assert "sau lớp 10A1 (năm học 2023-2024)" in problem.message()


def test_the_command_says_it_imported_multi_year_transcripts(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "transcripts", "import", str(THREE_YEARS),
                 "--school", str(EXAMPLES / "school-THPT-79-NTMK.toml"), "--multi-year"])
    assert code == 0
    assert "Đã nhập 3 học bạ nhiều năm học: 3 mới" in capsys.readouterr().out
    json_file = EXAMPLES / "demo-transcripts.json"
    code = main(["--data-dir", str(tmp_path), "transcripts", "import", str(json_file),
                 "--school", str(EXAMPLES / "school-THPT-79-NTMK.toml"), "--multi-year"])
    assert code == 1 and "nhập nhiều năm từ tệp CSV hoặc XLSX" in capsys.readouterr().err
