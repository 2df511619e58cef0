"""`sogoc transcripts import`: what a school clerk sees when importing an export."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from core.canonical import canonical_json
from core.transcript import cohort_from_json
from signer.importing import SchoolProfile, TranscriptStore, import_file
from signer.importing.mapping import ColumnMapping
from legacy_encodings import cp1258 as _cp1258, tcvn3 as _tcvn3, vni as _vni  # tests/ is on the path
from sogoc.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"
PROFILE = SchoolProfile.load(EXAMPLES / "school-THPT-79-NTMK.toml")
LONG = EXAMPLES / "hoc-ba-12A1.csv"
WIDE = EXAMPLES / "hoc-ba-12A1-wide.csv"
EXPECTED = [canonical_json(t.to_fields())
            for t in cohort_from_json(json.loads((EXAMPLES / "demo-transcripts.json").read_text("utf-8")))]


def stored(store: TranscriptStore) -> list[bytes]:
    by_id = {p.stem: p.read_bytes() for p in store.root.rglob("*.json")}
    expected_ids = [json.loads(e)["student"]["personal_id"] for e in EXPECTED]
    return [by_id[i] for i in expected_ids if i in by_id]


def rows(path: Path) -> list[list[str]]:
    text = path.read_text("utf-8")
    return list(csv.reader(io.StringIO(text), csv.Sniffer().sniff(text[:2000], delimiters=",;")))


def write_csv(path: Path, records: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(records)
    path.write_bytes(buffer.getvalue().encode(encoding) if isinstance(encoding, str) else encoding(buffer.getvalue()))
    return path


@pytest.mark.parametrize("path, layout", [(LONG, "long"), (WIDE, "wide")])
def test_both_layouts_import_the_same_transcripts(tmp_path, path, layout):
    store = TranscriptStore(tmp_path / "store")
    result = import_file(path, PROFILE, store, mapping=ColumnMapping.load(None, layout))
    assert result.ok, [p.message() for p in result.problems]
    assert stored(store) == EXPECTED
    again = import_file(path, PROFILE, store, mapping=ColumnMapping.load(None, layout))
    assert again.stored.written == 0 and again.stored.unchanged == 3


def test_an_xlsx_with_numbers_dates_and_lost_leading_zeros(tmp_path):
    """Excel stores 8.5 as a number, a date as a date, and 079308001234 as 79308001234."""
    records = rows(LONG)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(records[0])
    for r in records[1:]:
        cells: list[object] = list(r)
        cells[0] = int(r[0])
        day, month, year = map(int, r[2].split("/"))
        cells[2] = datetime(year, month, day)
        for i in (8, 9, 10):
            if r[i][0].isdigit():
                cells[i] = float(r[i].replace(",", "."))
        cells[13] = int(r[13])
        sheet.append(cells)
    book.save(tmp_path / "hoc-ba.xlsx")
    store = TranscriptStore(tmp_path / "store")
    result = import_file(tmp_path / "hoc-ba.xlsx", PROFILE, store)
    assert result.ok, [p.message() for p in result.problems]
    assert stored(store) == EXPECTED


def test_every_mistake_of_a_file_is_reported_and_nothing_is_imported(tmp_path):
    records = rows(LONG)
    header = records[0]
    col = {h: i for i, h in enumerate(header)}
    bad = [list(r) for r in records]
    bad[2][col["Học kì I"]] = "11"  # row 3
    bad[3][col["Cả năm"]] = "8,25"  # row 4
    bad[4][col["Môn học"]] = "Thể dục"  # row 5
    bad[5][col["Kết quả học tập"]] = "Giỏi"  # row 6
    bad[6][col["Họ và tên"]] = "Nguyễn Thị Ánh Tuyết A"  # row 7: differs from row 2
    bad[7][col["Ngày sinh"]] = "31/02/2008"  # row 8
    bad[14] = list(bad[13])  # row 15 repeats row 14
    path = write_csv(tmp_path / "hoc-ba-loi.csv", bad)
    store = TranscriptStore(tmp_path / "store")

    result = import_file(path, PROFILE, store)

    found = {(p.row, p.column, p.value, p.code) for p in result.problems}
    assert found >= {
        (3, "Học kì I", "11", "bad_score"),
        (4, "Cả năm", "8,25", "bad_score"),
        (5, "Môn học", "Thể dục", "unknown_subject"),
        (6, "Kết quả học tập", "Giỏi", "bad_rating"),
        (7, "Họ và tên", "Nguyễn Thị Ánh Tuyết A", "conflicting_rows"),
        (8, "Ngày sinh", "31/02/2008", "bad_date"),
        (15, "Môn học", bad[14][col["Môn học"]], "duplicate_row"),
    }
    assert not list(store.root.rglob("*.json")), "a file with errors imports nothing"
    message = next(p for p in result.problems if p.code == "bad_score").message("vi")
    assert message.startswith("hoc-ba-loi.csv, dòng 3, cột «Học kì I», giá trị «11»: điểm phải từ 0 đến 10")
    assert "row 3, column 'Học kì I', value '11': a score is 0 to 10" in \
        next(p for p in result.problems if p.code == "bad_score").message("en")


def test_a_missing_principal_and_a_duplicate_student_in_the_wide_layout(tmp_path):
    records = rows(WIDE)
    header = records[0]
    p = header.index("Hiệu trưởng")
    trimmed = [r[:p] + r[p + 1:] for r in records]
    trimmed.append(list(trimmed[1]))  # the first student again, as row 5
    path = write_csv(tmp_path / "wide.csv", trimmed)
    no_principal = SchoolProfile(PROFILE.school, principal=None)

    result = import_file(path, no_principal, TranscriptStore(tmp_path / "s"), mapping=ColumnMapping.load(None, "wide"))

    codes = {(q.row, q.code) for q in result.problems}
    assert (5, "duplicate_student") in codes
    assert {(3, "missing_principal"), (4, "missing_principal")} <= codes  # row 2's student is the duplicate
    with_principal = import_file(path, PROFILE, TranscriptStore(tmp_path / "s"), mapping=ColumnMapping.load(None, "wide"))
    assert [q.code for q in with_principal.problems] == ["duplicate_student"]


def test_missing_columns_and_unknown_subject_columns_are_named(tmp_path):
    records = rows(WIDE)
    records[0] = ["Ngày sinh (dd/mm)" if h == "Ngày sinh" else "Thể dục HK1" if h == "Toán HK1" else h
                  for h in records[0]]
    result = import_file(write_csv(tmp_path / "w.csv", records), PROFILE, TranscriptStore(tmp_path / "s"),
                         mapping=ColumnMapping.load(None, "wide"))
    messages = [q.message("vi") for q in result.problems]
    assert any("thiếu cột bắt buộc «Ngày sinh»" in m for m in messages)
    assert any("cột «Thể dục HK1», giá trị «Thể dục»: môn học không có" in m for m in messages)


@pytest.mark.parametrize("encode", [_vni, _cp1258], ids=["VNI", "Windows-1258"])
def test_legacy_encoded_csv_is_detected_and_converted(tmp_path, encode):
    path = tmp_path / "legacy.csv"
    path.write_bytes(encode(LONG.read_text("utf-8")))
    store = TranscriptStore(tmp_path / "store")
    result = import_file(path, PROFILE, store)
    assert result.ok, [p.message() for p in result.problems][:3]
    assert result.encoding in ("VNI", "Windows-1258")
    assert stored(store) == EXPECTED


def test_tcvn3_is_detected_and_converted(tmp_path):
    """TCVN3 has no code for capitals with a tone mark (they lived in separate fonts), so this
    file's names avoid them; everything else round-trips exactly."""
    text = LONG.read_text("utf-8").replace("Ánh", "Anh").replace("Ý", "Y")
    path = tmp_path / "tcvn3.csv"
    path.write_bytes(_tcvn3(text))
    store = TranscriptStore(tmp_path / "store")
    result = import_file(path, PROFILE, store)
    assert result.ok and result.encoding == "TCVN3"
    written = b"".join(sorted(p.read_bytes() for p in store.root.rglob("*.json"))).decode()
    assert "Nguyễn Thị Anh Tuyết" in written and "Giáo dục quốc phòng và an ninh" in written
    assert "Hoàn thành chương trình trung học phổ thông" in written


def test_legacy_font_text_inside_a_utf8_file_is_converted(tmp_path):
    """A VNI spreadsheet saved as Unicode: the letters arrive as ``Nguyeãn``."""
    path = tmp_path / "vni-in-utf8.csv"
    path.write_text(_vni(LONG.read_text("utf-8")).decode("cp1252"), "utf-8")
    store = TranscriptStore(tmp_path / "store")
    result = import_file(path, PROFILE, store)
    assert result.ok and result.encoding == "UTF-8, typed in VNI"
    assert stored(store) == EXPECTED


def test_nfd_text_is_stored_as_nfc(tmp_path):
    path = tmp_path / "nfd.csv"
    path.write_text(unicodedata.normalize("NFD", LONG.read_text("utf-8")), "utf-8")
    store = TranscriptStore(tmp_path / "store")
    assert import_file(path, PROFILE, store).ok
    assert stored(store) == EXPECTED


def test_undecodable_bytes_are_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(0x80, 0x100)) * 20)
    result = import_file(path, PROFILE, TranscriptStore(tmp_path / "s"))
    assert [p.code for p in result.problems] == ["bad_encoding"]
    assert "CSV UTF-8" in result.problems[0].message("vi")


def test_a_changed_reimport_is_refused(tmp_path):
    store = TranscriptStore(tmp_path / "store")
    assert import_file(LONG, PROFILE, store).ok
    records = rows(LONG)
    records[1][records[0].index("Học kì I")] = "5,0"
    result = import_file(write_csv(tmp_path / "changed.csv", records), PROFILE, store)
    assert [p.code for p in result.problems] == ["already_imported"]
    assert stored(store) == EXPECTED


def test_cli_exit_codes_and_english(tmp_path, capsys):
    args = ["--data-dir", str(tmp_path), "transcripts", "import", "--school", str(EXAMPLES / "school-THPT-79-NTMK.toml")]
    assert main([*args, str(LONG)]) == 0
    assert "Đã nhập 3 học bạ: 3 mới" in capsys.readouterr().out
    records = rows(LONG)
    records[1][8] = "12"
    bad = write_csv(tmp_path / "bad.csv", records)
    assert main([*args, str(bad), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "bad.csv, row 2, column 'Học kì I', value '12': a score is 0 to 10" in err
    assert "1 problem(s); nothing was imported." in err


def test_the_example_mapping_reads_differently_named_columns(tmp_path):
    mapping = ColumnMapping.load(EXAMPLES / "mapping-example.toml")
    rename = {"Họ và tên": "Họ tên học sinh", "Số định danh cá nhân": "Mã định danh"}
    records = rows(WIDE)
    records[0] = [rename.get(h, h.replace(" HK1", " Kì 1").replace(" HK2", " Kì 2").replace(" CN", " Cả năm"))
                  for h in records[0]]
    store = TranscriptStore(tmp_path / "store")
    result = import_file(write_csv(tmp_path / "other.csv", records), PROFILE, store, mapping=mapping)
    assert result.ok, [p.message() for p in result.problems]
    assert stored(store) == EXPECTED


@pytest.mark.parametrize("value, ok", [("79308001234", True), ("7930800123", True), ("793080012", False),
                                       ("0793080012345", False), ("07930800123²", False)])
def test_personal_ids_get_back_only_the_zeros_a_spreadsheet_drops(value, ok):
    from signer.importing.build import personal_id
    from signer.importing.cells import Bad as _Bad

    if ok:
        assert personal_id(value) == value.zfill(12)
    else:
        with pytest.raises(_Bad):
            personal_id(value)
