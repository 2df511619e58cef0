"""The disclosure search and feed read from a master register built by the use cases, on SQLite
and PostgreSQL: exact matches only, each diploma shown as its whole history, nothing personal in
the feed, and the holder's name only for a searcher who gave matching personal details."""

from __future__ import annotations

import json
import unicodedata

import pytest

from core.disclosure import BadSearch, Search
from core.status import RevocationReason
from register_book import RegisterBook, diploma  # tests/
from registry import disclosure

TUYET = diploma("THPT 0123456", "0042/THPT-2026", "Nguyễn Thị Ánh Tuyết", "2008-03-14")
BAO = diploma("THPT 0123457", "0043/THPT-2026", "Trần Quốc Bảo", "2008-11-02")
SA_RAY = diploma("THPT 0123458", "0044/THPT-2026", "Thạch Thị Sa Rây", "2008-05-05")
PHAT = diploma("THPT 0123459", "0045/THPT-2026", "Hồ Tấn Phát", "2008-01-01")
AN_HANOI = diploma("THPT 0123460", "0001/THPT-2026", "Nguyễn Văn An", "2008-02-02", authority="SGD-01")


@pytest.fixture
def book(database_url):
    """SGD-79's 2026 register: Tuyết corrected (and a copy of the corrected diploma), Bảo revoked,
    Sa Rây cancelled, Phát revoked for the office's error and re-issued; SGD-01 has one diploma."""
    book = RegisterBook(database_url)
    tuyet, bao, sa_ray, phat = book.issue(TUYET, BAO, SA_RAY, PHAT)
    book.issue(AN_HANOI)
    corrected = book.correct(tuyet, diploma("THPT 0123456", "0046/THPT-2026", "Nguyễn Thị Ánh Tuyết Hồng",
                                            "2008-03-14"), "Quyết định số 88/QĐ-SGDĐT")
    book.copy(corrected, diploma("THPT 0123456", "0046/THPT-2026", "Nguyễn Thị Ánh Tuyết Hồng", "2008-03-14"),
              "15/BS-2026")
    book.revoke(bao, RevocationReason.FRAUD, "Quyết định số 90/QĐ-SGDĐT")
    book.revoke(sa_ray, RevocationReason.NOT_ELIGIBLE, "Quyết định số 91/QĐ-SGDĐT", cancel=True)
    book.revoke(phat, RevocationReason.ISSUER_ERROR, "Quyết định số 93/QĐ-SGDĐT")
    reissued = book.reissue(phat, diploma("THPT 0123499", "0048/THPT-2026", "Hồ Tấn Phát", "2008-01-01"),
                            "Quyết định số 94/QĐ-SGDĐT")
    book.ids = {"tuyet": tuyet, "corrected": corrected, "bao": bao, "sa_ray": sa_ray, "phat": phat,
                "reissued": reissued}
    yield book
    book.close()


def find(book, authority="SGD-79", **query):
    with book.sessions() as s:
        return disclosure.search(s, authority, Search.parse(**query))


def test_a_serial_search_shows_the_acts_and_status_but_not_who_holds_it(book):
    [found] = find(book, serial="thpt-0123457")
    assert (found.serial_number, found.register_number, found.status) == ("THPT 0123457", "0043/THPT-2026", "revoked")
    assert (found.diploma_type, found.graduation_year, found.authority_name) == (
        "THPT", 2026, "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
    assert [a.act for a in found.acts] == ["issued", "revoked"]
    revoked = found.acts[1]
    assert (revoked.reason, revoked.decision, revoked.evidence.kind) == (1, "Quyết định số 90/QĐ-SGDĐT", "act")
    assert revoked.evidence.tx_hash.startswith("0x") and revoked.evidence.block_number == 99
    assert found.acts[0].evidence.kind == "anchor" and found.acts[0].evidence.root.startswith("0x")
    assert found.holder_name is found.holder_birth_date is found.document_id is None
    assert "Trần" not in json.dumps(found.to_json(), ensure_ascii=False)


def test_a_serial_with_the_matching_birth_date_also_names_the_holder(book):
    [found] = find(book, serial="THPT0123457", birth_date="2008-11-02")
    assert (found.holder_name, found.holder_birth_date, found.document_id) == (
        "Trần Quốc Bảo", "2008-11-02", book.ids["bao"])
    assert find(book, serial="THPT0123457", birth_date="2008-11-03") == []  # not "found, but no name"


def test_name_and_birth_date_match_whatever_the_case_spacing_and_unicode_form(book):
    typed = unicodedata.normalize("NFD", "  trần   QUỐC bảo ")
    [found] = find(book, name=typed, birth_date="2008-11-02")
    assert found.holder_name == "Trần Quốc Bảo" and found.serial_number == "THPT 0123457"


def test_a_corrected_diploma_shows_its_current_version_found_by_old_or_new_name(book):
    for name in ("Nguyễn Thị Ánh Tuyết", "Nguyễn Thị Ánh Tuyết Hồng"):
        [found] = find(book, name=name, birth_date="2008-03-14")
        assert found.holder_name == "Nguyễn Thị Ánh Tuyết Hồng" and found.document_id == book.ids["corrected"]
        assert (found.register_number, found.status) == ("0046/THPT-2026", "in_force")
        assert [a.act for a in found.acts] == ["issued", "corrected", "copied"]
        corrected, copied = found.acts[1], found.acts[2]
        assert corrected.decision == "Quyết định số 88/QĐ-SGDĐT" and corrected.evidence.kind == "act"
        assert corrected.related_register_number == "0046/THPT-2026"
        assert copied.related_register_number == "15/BS-2026" and copied.evidence.kind == "anchor"
    [by_serial] = find(book, serial="THPT 0123456")  # one diploma, though two versions and a copy bear the serial
    assert by_serial.register_number == "0046/THPT-2026"


def test_cancelled_and_reissued_diplomas_show_their_acts(book):
    [cancelled] = find(book, serial="THPT 0123458")
    assert cancelled.status == "cancelled" and [a.act for a in cancelled.acts] == ["issued", "cancelled"]
    assert cancelled.acts[1].reason == 2
    [phat] = find(book, name="Hồ Tấn Phát", birth_date="2008-01-01")
    assert (phat.serial_number, phat.status, phat.document_id) == ("THPT 0123499", "in_force", book.ids["reissued"])
    assert [a.act for a in phat.acts] == ["issued", "revoked", "reissued"]


@pytest.mark.parametrize("query", [
    {"name": "Trần Quốc Bảo", "birth_date": "2008-11-03"},  # another birth date
    {"name": "Trần Quốc", "birth_date": "2008-11-02"},  # a prefix of the name
    {"name": "Tran Quoc Bao", "birth_date": "2008-11-02"},  # without its tone marks: another name
    {"name": "Trần Quốc Bảo%", "birth_date": "2008-11-02"},  # no patterns
    {"serial": "THPT 012345"},  # a prefix of a serial
    {"serial": "THPT 0123460"},  # SGD-01's diploma, searched at SGD-79
    {"name": "Nguyễn Văn An", "birth_date": "2008-02-02"},
])
def test_near_misses_find_nothing(book, query):
    assert find(book, **query) == []


def test_another_authority_finds_only_its_own_and_an_unknown_one_nothing(book):
    [an] = find(book, "SGD-01", serial="THPT 0123460")
    assert an.authority_code == "SGD-01"
    assert find(book, "SGD-01", serial="THPT 0123457") == []
    assert find(book, "XYZ", serial="THPT 0123457") == []
    assert find(book, "BGDDT", serial="THPT 0123457") == []


@pytest.mark.parametrize("query", [{}, {"name": "Trần Quốc Bảo"}, {"birth_date": "2008-11-02"},
                                   {"serial": "THPT*"}, {"serial": "THPT 1", "name": "X", "birth_date": "2008-01-01"},
                                   {"name": "X", "birth_date": "31/02/2008"}, {"name": "X", "birth_date": "2008"}])
def test_only_the_two_searches_are_accepted(query):
    with pytest.raises(BadSearch):
        Search.parse(**query)


def test_the_feed_lists_every_act_with_its_evidence_and_nothing_personal(book):
    with book.sessions() as s:
        lines = disclosure.feed(s, "SGD-79")
        assert disclosure.feed(s, "XYZ") is None
        page = disclosure.feed(s, "SGD-79", after=lines[2].id, limit=2)
    acts = sorted(line.act for line in lines)
    assert acts == sorted(["issued"] * 4 + ["corrected", "copied", "revoked", "cancelled", "revoked", "reissued"])
    assert [line.id for line in page] == [lines[3].id, lines[4].id]
    text = json.dumps([line.to_json() for line in lines], ensure_ascii=False)
    for personal in ("Nguyễn", "Trần", "Thạch", "Hồ Tấn", "2008-", *book.ids.values()):
        assert personal not in text
    for line in lines:
        assert line.evidence.tx_hash and line.evidence.block_number is not None and line.evidence.root
    corrected = next(line for line in lines if line.act == "corrected")
    assert corrected.evidence.kind == "act" and corrected.decision == "Quyết định số 88/QĐ-SGDĐT"
