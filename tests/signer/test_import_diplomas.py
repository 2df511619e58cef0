"""`sogoc diplomas import`: what an authority's clerk sees when importing a graduation list."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from core.diploma import Diploma, DiplomaType
from core.errors import InvalidInput
from legacy_encodings import cp1258, vni  # tests/ is on the path
from signer.importing.diplomas import AuthorityProfile, DiplomaMapping, import_diplomas
from signer.importing.store import DiplomaStore
from sogoc.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"
SGD = AuthorityProfile.load(EXAMPLES / "authority-SGD-79.toml")
PGD = AuthorityProfile.load(EXAMPLES / "authority-PGD-760.toml")
THPT = EXAMPLES / "tot-nghiep-THPT-2026.csv"
THCS = EXAMPLES / "tot-nghiep-THCS-2026.csv"
LEGACY = EXAMPLES / "so-goc-giay-THPT-2009.csv"


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8"))))


def write_csv(path: Path, records: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(records)
    path.write_text(buffer.getvalue(), "utf-8")
    return path


def stored(store: DiplomaStore) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_bytes()) for p in sorted(store.root.rglob("*.json"))}


def test_the_example_list_imports_in_one_spelling_and_again_changes_nothing(tmp_path):
    store = DiplomaStore(tmp_path / "store")
    result = import_diplomas(THPT, SGD, store)
    assert result.ok, [p.message() for p in result.problems]
    d = stored(store)
    assert sorted(d) == ["THPT-0123456", "THPT-0123457", "THPT-0123458", "THPT-0123459", "THPT-0123460"]
    first = d["THPT-0123456"]
    assert first["holder"] == {"full_name": "Nguyễn Thị Ánh Tuyết", "date_of_birth": "2008-03-14", "gender": "Nữ",
                               "place_of_birth": "Thành phố Hồ Chí Minh", "ethnicity": "Kinh"}
    assert first["register_number"] == "0042/THPT-2026" and first["classification"] is None
    assert first["decision"] == {"reference": "1234/QĐ-SGDĐT", "date": "2026-07-15"}  # the profile's
    assert first["signer"]["name"] == "Lê Thị Minh Châu" and first["legacy"] is None
    assert d["THPT-0123458"]["holder"]["ethnicity"] == "Khmer"  # typed "Khơ-me"
    assert d["THPT-0123460"]["holder"]["ethnicity"] == "Ê Đê"  # typed "Ê-đê"
    assert Diploma.from_fields(first).diploma_type is DiplomaType.UPPER_SECONDARY
    again = import_diplomas(THPT, SGD, store)
    assert again.stored.written == 0 and again.stored.unchanged == 5


def test_a_district_list_with_a_decision_on_each_row_and_a_deputy_signing(tmp_path):
    store = DiplomaStore(tmp_path / "store")
    assert import_diplomas(THCS, PGD, store).ok
    [pao] = [d for d in store.load("PGD-760", 2026) if d.serial_number == "THCS 2210046"]
    assert pao.diploma_type is DiplomaType.LOWER_SECONDARY and pao.holder.ethnicity == "Mông"  # typed "H'Mông"
    assert pao.decision.reference == "56/QĐ-PGDĐT" and pao.decision.date == "2026-06-10"
    assert pao.signer.title_lines() == ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"]


def test_an_xlsx_with_real_dates_and_numbers_imports_the_same(tmp_path):
    records = rows(THPT)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(records[0])
    for r in records[1:]:
        day, month, year = map(int, r[3].split("/"))
        sheet.append([*r[:3], datetime(year, month, day), *r[4:8], int(r[8]), *r[9:]])
    book.save(tmp_path / "list.xlsx")
    a, b = DiplomaStore(tmp_path / "a"), DiplomaStore(tmp_path / "b")
    assert import_diplomas(tmp_path / "list.xlsx", SGD, a).ok
    assert import_diplomas(THPT, SGD, b).ok
    assert stored(a) == stored(b)


def test_every_problem_of_the_list_is_reported_and_nothing_is_imported(tmp_path):
    records = rows(THPT)
    header = records[0]
    col = {h: i for i, h in enumerate(header)}

    def edit(row: int, **cells: str) -> None:  # row as the spreadsheet numbers it
        for name, value in cells.items():
            records[row - 1][col[name]] = value

    edit(2, **{"Ngày sinh": "31/02/2008"})
    edit(3, **{"Số hiệu": "THPT 0123456"})  # row 2's serial
    edit(4, **{"Số vào sổ gốc": "0042/THPT-2026"})  # row 2's register number
    edit(5, **{"Giới tính": "N"}, **{"Dân tộc": "Việt Nam"})
    edit(6, **{"Họ và tên": ""}, **{"Xếp loại": "Giỏi"}, **{"Số hiệu": "số 12?"})
    store = DiplomaStore(tmp_path / "store")
    result = import_diplomas(write_csv(tmp_path / "list.csv", records), SGD, store)
    assert not result.ok and not store.root.exists()
    assert sorted((p.row, p.column, p.value, p.code) for p in result.problems) == [
        (2, "Ngày sinh", "31/02/2008", "bad_date"),
        (3, "Số hiệu", "THPT 0123456", "duplicate_serial_number"),
        (4, "Số vào sổ gốc", "0042/THPT-2026", "duplicate_register_number"),
        (5, "Dân tộc", "Việt Nam", "unknown_ethnicity"),
        (5, "Giới tính", "N", "bad_gender"),
        (6, "Họ và tên", "", "missing_value"),
        (6, "Số hiệu", "số 12?", "bad_serial_number"),
        (6, "Xếp loại", "Giỏi", "no_classification"),
    ]
    by_code = {p.code: p for p in result.problems}
    assert by_code["unknown_ethnicity"].message("vi") == (
        "list.csv, dòng 5, cột «Dân tộc», giá trị «Việt Nam»: không phải tên một trong 54 dân tộc Việt Nam "
        "(danh mục của Tổng cục Thống kê)")
    assert by_code["no_classification"].message("en") == (
        "list.csv, row 6, column 'Xếp loại', value 'Giỏi': THPT diplomas of 2026 have no classification; "
        "leave the cell empty")
    assert by_code["duplicate_serial_number"].message("vi").endswith("số hiệu này đã có ở dòng 2")


def test_a_missing_column_and_a_missing_decision_are_named(tmp_path):
    records = [r[:7] + r[8:] for r in rows(THPT)]  # no "Trường"
    result = import_diplomas(write_csv(tmp_path / "l.csv", records), SGD, DiplomaStore(tmp_path / "s"))
    assert [p.message("vi") for p in result.problems] == ["l.csv: thiếu cột bắt buộc «Trường»"]
    no_decision = AuthorityProfile(SGD.authority, SGD.diploma_type, SGD.signer, decision=None)
    result = import_diplomas(THPT, no_decision, DiplomaStore(tmp_path / "s"))
    assert {p.code for p in result.problems} == {"missing_column"}
    assert {p.params["column"] for p in result.problems} == {"Số quyết định", "Ngày quyết định"}


def test_a_register_number_given_to_another_diploma_by_an_earlier_import_is_refused(tmp_path):
    store = DiplomaStore(tmp_path / "store")
    assert import_diplomas(THPT, SGD, store).ok
    records = rows(THPT)[:2]
    records[1][0] = "THPT 0999999"  # a new serial, with Nguyễn Thị Ánh Tuyết's register number
    result = import_diplomas(write_csv(tmp_path / "more.csv", records), SGD, store)
    [problem] = result.problems
    assert problem.code == "register_number_taken" and problem.value == "THPT 0999999"
    assert "THPT 0123456" in problem.message("vi")
    records[1][0], records[1][2] = "THPT 0123456", "Nguyễn Thị Ánh Tuyền"  # the same serial, other content
    result = import_diplomas(write_csv(tmp_path / "changed.csv", records), SGD, store)
    assert [p.code for p in result.problems] == ["diploma_already_imported"]


@pytest.mark.parametrize("encode, encoding", [(vni, "VNI"), (cp1258, "Windows-1258")])
def test_a_list_saved_in_a_legacy_encoding_imports_the_same(tmp_path, encode, encoding):
    path = tmp_path / "legacy.csv"
    path.write_bytes(encode(THPT.read_text("utf-8")))
    a, b = DiplomaStore(tmp_path / "a"), DiplomaStore(tmp_path / "b")
    result = import_diplomas(path, SGD, a)
    assert result.ok and result.encoding == encoding, [p.message() for p in result.problems]
    assert import_diplomas(THPT, SGD, b).ok
    assert stored(a) == stored(b)


def test_paper_diplomas_from_the_paper_register_are_marked_as_legacy(tmp_path):
    store = DiplomaStore(tmp_path / "store")
    result = import_diplomas(LEGACY, SGD, store, legacy=True)
    assert result.ok, [p.message() for p in result.problems]
    khang = next(d for d in store.load("SGD-79", 2009) if d.holder.full_name == "Võ Minh Khang")
    assert khang.is_legacy and khang.legacy.issued_on == "2009-07-30"
    assert khang.legacy.source == "Sổ gốc cấp bằng tốt nghiệp THPT năm 2009, quyển 2, trang 41"
    assert khang.classification == "Khá" and khang.signer.name == "Huỳnh Công Minh"  # the signer of 2009
    assert khang.to_credential().issued_on == "2009-07-30"
    # the legacy columns are required for legacy entries
    records = [r[:12] for r in rows(LEGACY)]
    result = import_diplomas(write_csv(tmp_path / "short.csv", records), SGD, store, legacy=True)
    assert {p.params["column"] for p in result.problems} == {"Ngày cấp", "Người ký", "Chức vụ người ký", "Sổ gốc giấy"}


def test_a_mapping_file_renames_only_what_differs(tmp_path):
    records = rows(THPT)
    renamed = {"Họ và tên": "Họ tên", "Số vào sổ gốc": "Số vào sổ cấp bằng", "Trường": "Học sinh trường"}
    records[0] = [renamed.get(h, h) for h in records[0]]
    path = write_csv(tmp_path / "other.csv", records)
    assert not import_diplomas(path, SGD, DiplomaStore(tmp_path / "a")).ok
    mapping = DiplomaMapping.load(EXAMPLES / "mapping-diplomas-example.toml")
    assert import_diplomas(path, SGD, DiplomaStore(tmp_path / "b"), mapping=mapping).ok


def test_a_profile_for_the_wrong_kind_of_authority_is_refused(tmp_path):
    text = (EXAMPLES / "authority-PGD-760.toml").read_text("utf-8").replace('"THCS"', '"THPT"')
    (tmp_path / "p.toml").write_text(text, "utf-8")
    with pytest.raises(InvalidInput) as e:
        AuthorityProfile.load(tmp_path / "p.toml")
    assert e.value.code == "bad_authority_profile" and "Sở Giáo dục và Đào tạo" in e.value.detail


def test_the_command_says_what_it_did_or_every_problem_in_english(tmp_path, capsys):
    base = ["--data-dir", str(tmp_path / "var"), "diplomas", "import"]
    assert main([*base, str(LEGACY), "--authority", str(EXAMPLES / "authority-SGD-79.toml"), "--legacy"]) == 0
    assert "Đã nhập 2 văn bằng cũ (sổ gốc giấy): 2 mới" in capsys.readouterr().out
    records = rows(THPT)
    records[2][6] = "Kinhh"
    bad = write_csv(tmp_path / "bad.csv", records)
    assert main([*base, str(bad), "--authority", str(EXAMPLES / "authority-SGD-79.toml"), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "bad.csv, row 3, column 'Dân tộc', value 'Kinhh': not the name of one of the 54 ethnic groups" in err
    assert "1 problem(s); nothing was imported." in err
    assert not (tmp_path / "var" / "diplomas" / "SGD-79" / "2026").exists()
