"""Syllable shapes and the legacy tables: what lets the importer pick the right decoding."""

import unicodedata

import pytest

from core.vietnamese import _TCVN3_BYTES, _VNI, from_tcvn3, from_vni, is_syllable, odd_words, read_bytes

LOWER = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
GENUINE = ("Nguyễn Thị Ánh Tuyết, Lê Hoàng Phúc, Phạm Quỳnh Như Ý, Trường Trung học phổ thông, "
           "Giáo dục quốc phòng và an ninh, Hoạt động trải nghiệm hướng nghiệp, khuya, quyết, Thuỷ, Thủy, "
           "Hoá học, Hóa học, Nguyệt, Khuê, Oanh, Uyên, Yến, giữa, người, rượu, ngoằn ngoèo")


def test_real_vietnamese_has_no_odd_words():
    assert odd_words(GENUINE) == []


@pytest.mark.parametrize("mojibake", ["Nguyeãn", "NguyÔn", "TuyÕt", "tröôøng", "Hoaøng", "Ñöùc"])
def test_wrongly_decoded_words_are_odd(mojibake):
    assert not is_syllable(mojibake)


def test_the_tcvn3_table_covers_every_lower_case_letter_once():
    letters = [c for c in LOWER if not c.isascii()]
    assert sorted(v for v in _TCVN3_BYTES.values() if v.islower()) == sorted(letters)
    assert from_tcvn3("NguyÔn V¨n §øc") == "Nguyễn Văn Đức"


def test_the_vni_table_covers_every_letter_in_both_cases():
    produced = set(_VNI.values())
    for c in LOWER + LOWER.upper():
        assert c.isascii() or c in produced, c
    assert from_vni("Nguyeãn Vaên Ñöùc") == "Nguyễn Văn Đức"
    assert from_vni("NGUYEÃN VAÊN ÑÖÙC") == "NGUYỄN VĂN ĐỨC"


def test_utf8_wins_and_is_normalised():
    reading = read_bytes(unicodedata.normalize("NFD", GENUINE).encode("utf-8"))
    assert reading.encoding == "UTF-8" and reading.text == GENUINE
