"""The diploma model: what the rules allow on a diploma, in one canonical spelling."""

import dataclasses
import unicodedata

import pytest

from core.credential import Credential
from core.diploma import (Authority, CertifiedCopy, Decision, Diploma, DiplomaType, Holder, LegacyRecord,
                          Signatory)
from core.errors import InvalidInput
from core.ethnicity import ETHNIC_GROUPS, official_ethnicity
from core.status import DocumentKind


def diploma(**changes) -> Diploma:
    base = dict(
        diploma_type=DiplomaType.UPPER_SECONDARY, serial_number="THPT 0123456", register_number="0042/THPT-2026",
        holder=Holder("Nguyễn Thị Ánh Tuyết", "2008-03-14", "Thành phố Hồ Chí Minh", "Nữ", "Kinh"),
        school="Trường THPT Nguyễn Thị Minh Khai", graduation_year=2026,
        authority=Authority("SGD-79", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        signer=Signatory("Lê Thị Minh Châu", "Giám đốc"), decision=Decision("1234/QĐ-SGDĐT", "2026-07-15"))
    return Diploma(**{**base, **changes})


def test_nfd_and_extra_spaces_give_the_same_diploma_and_the_same_fields():
    nfd = diploma(holder=Holder(unicodedata.normalize("NFD", "Nguyễn  Thị Ánh Tuyết "), "2008-03-14",
                                "Thành phố Hồ Chí Minh", "Nữ", "Kinh"))
    assert nfd == diploma()
    assert nfd.to_fields() == diploma().to_fields()


def test_fields_round_trip_through_the_credential():
    d = diploma(legacy=None)
    credential = Credential.from_json(d.to_credential("2026-07-20").to_json())
    assert credential.kind is DocumentKind.DIPLOMA and credential.issuer == "SGD-79"
    assert Diploma.from_fields(credential.fields) == d
    assert credential.fields["diploma_type"] == "THPT"


@pytest.mark.parametrize("changes, words", [
    ({"serial_number": "thpt 01"}, "serial_number"),
    ({"register_number": "THPT"}, "register_number"),
    ({"graduation_year": 1900}, "graduation_year"),
    ({"classification": "Giỏi"}, "after 2014 have none"),
    ({"classification": "Xuất sắc", "graduation_year": 2010}, "Giỏi, Khá, Trung bình"),
    ({"authority": Authority("PGD-760", "Phòng Giáo dục và Đào tạo Quận 1", "Quận 1")}, "Sở Giáo dục và Đào tạo"),
    ({"holder": Holder("Trần Văn 2", "2008-02-30", "Huế", "nam", "Việt Nam")}, "holder.gender"),
])
def test_what_the_rules_do_not_allow_is_refused_in_words(changes, words):
    with pytest.raises(InvalidInput) as e:
        diploma(**changes)
    assert e.value.code == "bad_diploma"
    assert words in e.value.detail


def test_a_bad_holder_is_reported_field_by_field():
    with pytest.raises(InvalidInput) as e:
        diploma(holder=Holder("Trần Văn 2", "2008-02-30", "Huế", "nam", "Việt Nam"))
    for field in ("full_name", "gender", "ethnicity", "date_of_birth"):
        assert f"holder.{field}" in e.value.detail


def test_lower_secondary_diplomas_come_from_a_district_office_and_had_a_classification_until_2023():
    office = Authority("PGD-760", "Phòng Giáo dục và Đào tạo Quận 1", "Quận 1")
    thcs = dict(diploma_type=DiplomaType.LOWER_SECONDARY, authority=office,
                signer=Signatory("Phạm Quốc Bảo", "Trưởng phòng"), decision=Decision("88/QĐ-PGDĐT", "2023-06-10"))
    assert diploma(**thcs, graduation_year=2023, classification="Khá").classification == "Khá"
    with pytest.raises(InvalidInput):
        diploma(**thcs, graduation_year=2024, classification="Khá")
    assert DiplomaType.LOWER_SECONDARY.title == "BẰNG TỐT NGHIỆP TRUNG HỌC CƠ SỞ"


def test_a_legacy_entry_keeps_the_date_of_its_paper_diploma():
    legacy = LegacyRecord("2009-07-30", "Sổ gốc cấp bằng tốt nghiệp THPT năm 2009, quyển 2, trang 41")
    old = diploma(graduation_year=2009, classification="Khá",
                  holder=Holder("Võ Minh Khang", "1991-11-02", "Tiền Giang", "Nam", "Kinh"), decision=Decision("512/QĐ-SGDĐT", "2009-07-10"),
                  signer=Signatory("Huỳnh Công Minh", "Giám đốc"), legacy=legacy)
    credential = old.to_credential()
    assert credential.issued_on == "2009-07-30" and old.is_legacy
    assert Diploma.from_fields(credential.fields).legacy == legacy
    with pytest.raises(InvalidInput):
        old.to_credential("2026-07-20")


def test_a_deputy_signs_for_the_head():
    assert Signatory("Nguyễn Bảo Quốc", "Phó Giám đốc", "Giám đốc").title_lines() == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]


def test_a_certified_copy_names_the_entry_it_copies():
    original = diploma().to_credential("2026-07-20")
    copy = CertifiedCopy(diploma(), "2026-07-20", "15/BS-2026", Signatory("Lê Thị Minh Châu", "Giám đốc"), original.id)
    credential = copy.to_credential("2027-03-02")
    assert credential.kind is DocumentKind.CERTIFIED_COPY and credential.issuer == "SGD-79"
    assert credential.fields["original_document_id"] == original.id
    assert credential.fields["diploma"]["register_number"] == "0042/THPT-2026"
    assert CertifiedCopy.from_fields(credential.fields) == copy
    with pytest.raises(InvalidInput) as e:  # a digital diploma's copy must say which document it copies
        CertifiedCopy(diploma(), "2026-07-20", "15/BS-2026", Signatory("Lê Thị Minh Châu", "Giám đốc"))
    assert e.value.code == "bad_certified_copy"


def test_the_54_ethnic_groups_and_their_other_spellings():
    assert len(set(ETHNIC_GROUPS)) == 54
    assert all(official_ethnicity(name) == name for name in ETHNIC_GROUPS)
    spelled = {"Kinh (Việt)": "Kinh", "Khơ-me": "Khmer", "H'Mông": "Mông", "Hmông (Mèo)": "Mông",
               "gia-rai": "Gia Rai", "Ê-đê": "Ê Đê", "Bru-Vân Kiều": "Bru Vân Kiều", "Gié-Triêng": "Giẻ Triêng"}
    assert {k: official_ethnicity(k) for k in spelled} == spelled
    assert official_ethnicity("Việt Nam") is None and official_ethnicity("") is None
