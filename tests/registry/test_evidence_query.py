"""The evidence read with one query (registry.register.evidence_by_id, what the verifier reads on
every upload and the evidence API answers) is the evidence the ORM objects give
(registry.register.document_evidence), for documents in every state, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from core.credential import Credential
from core.status import RevocationReason
from register_book import RegisterBook, diploma  # tests/
from registry import anchoring, register, service
from registry.models import Document
from test_service import credentials  # tests/registry/

CHAIN = service.ChainInfo(1337, "0x" + "22" * 20)
TUYET = diploma("THPT 0123456", "0042/THPT-2026", "Nguyễn Thị Ánh Tuyết", "2008-03-14")
BAO = diploma("THPT 0123457", "0043/THPT-2026", "Trần Quốc Bảo", "2008-11-02")
PHAT = diploma("THPT 0123459", "0045/THPT-2026", "Hồ Tấn Phát", "2008-01-01")


def submit(book: RegisterBook, credential: Credential) -> str:
    with book.sessions() as s:
        return service.submit_document(s, credential, b"%PDF-1.7\n% " + credential.id.encode()).id


@pytest.fixture
def book(database_url):
    """Diplomas (corrected with a copy, revoked, cancelled, re-issued) and transcripts of a school
    under SGD-79 (anchored, revoked, cancelled, sealed but not sent, sent but not mined, pending), and a
    school four levels below the Ministry."""
    book = RegisterBook(database_url)
    with book.sessions() as s:
        for code, kind, parent in (("THPT-A", "issuer", "SGD-79"), ("PGD-760", "authority", "SGD-79"),
                                   ("THCS-B", "issuer", "PGD-760")):
            service.register_institution(s, code=code, name=f"Trường {code}", kind=kind, parent_code=parent,
                                         chain_address="0x" + code.encode().hex().ljust(40, "0")[:40])
    ids: dict[str, str] = {}
    tuyet, bao, phat = book.issue(TUYET, BAO, PHAT)
    hong = diploma("THPT 0123456", "0046/THPT-2026", "Nguyễn Thị Ánh Tuyết Hồng", "2008-03-14")
    ids["corrected"] = book.correct(tuyet, hong, "Quyết định số 88/QĐ-SGDĐT")
    ids["copy"] = book.copy(ids["corrected"], hong, "15/BS-2026")
    book.revoke(bao, RevocationReason.FRAUD, "Quyết định số 90/QĐ-SGDĐT", cancel=True)
    book.revoke(phat, RevocationReason.ISSUER_ERROR, "Quyết định số 93/QĐ-SGDĐT")
    ids["reissued"] = book.reissue(phat, diploma("THPT 0123499", "0048/THPT-2026", "Hồ Tấn Phát", "2008-01-01"),
                                   "Quyết định số 94/QĐ-SGDĐT")
    ids.update(tuyet=tuyet, bao=bao, phat=phat)

    transcripts = credentials(7, issuer="THPT-A")
    for name, c in zip(("anchored", "revoked", "cancelled"), transcripts):
        ids[name] = submit(book, c)
    ids["deep"] = submit(book, credentials(1, issuer="THCS-B")[0])
    with book.sessions() as s:
        anchoring.run_pass(s, book.ledger, anchoring.AnchoringRules(), force_seal=True)
    book.revoke(ids["revoked"], RevocationReason.ALTERED, "Quyết định số 7/QĐ-SGDĐT")
    book.revoke(ids["cancelled"], RevocationReason.NOT_ELIGIBLE, "Quyết định số 8/QĐ-SGDĐT", cancel=True)
    ids["sealed"] = submit(book, transcripts[3])
    with book.sessions() as s:
        anchoring.seal_one(s, "THPT-A", transcripts[3].kind, 100)
    ids["in_flight"] = submit(book, transcripts[4])
    book.ledger.automine = False
    with book.sessions() as s:  # sent, not mined: not anchored yet
        anchoring.run_pass(s, book.ledger, anchoring.AnchoringRules(), force_seal=True)
    ids["pending"] = submit(book, transcripts[5])
    book.ids = ids
    yield book
    book.close()


def orm_evidence(book: RegisterBook, document_id: str):
    with book.sessions() as s:
        doc = s.get(Document, document_id)
        return None if doc is None else register.document_evidence(doc, CHAIN)


def one_query(book: RegisterBook, document_id: str):
    with book.sessions() as s:
        return register.evidence_by_id(s, document_id, CHAIN)


def test_every_document_gets_the_same_evidence_from_one_query(book):
    states = {}
    for name, document_id in book.ids.items():
        expected = orm_evidence(book, document_id)
        assert one_query(book, document_id) == expected, name
        states[name] = (expected["state"], expected["root"] is not None, expected["revocation"],
                        len(expected["history"]), [i["code"] for i in expected["institutions"]])
    # the cases above are the ones meant: each state, revocations, histories, institution chains
    assert states["pending"][:2] == ("pending", False) and states["sealed"][:2] == ("anchoring", False)
    assert states["in_flight"][:2] == ("anchoring", False) and states["anchored"][:3] == ("anchored", True, None)
    assert states["cancelled"][2]["cancelled"] is True and states["revoked"][2]["cancelled"] is False
    assert states["revoked"][2]["decision"] == "Quyết định số 7/QĐ-SGDĐT"
    assert states["tuyet"][3] == 3 and states["copy"][3] == 3 and states["anchored"][3] == 0  # versions + copy
    assert states["anchored"][4] == ["THPT-A", "SGD-79", "BGDDT"]
    assert states["deep"][4] == ["THCS-B", "PGD-760", "SGD-79", "BGDDT"]


def test_the_institution_chain_stops_at_four_levels_and_at_a_cycle(book):
    with book.sessions() as s:  # a fifth level, then a loop: the ORM walk stops after four names
        service.register_institution(s, code="ROOT-X", name="X", kind="authority", parent_code=None,
                                     chain_address="0x" + "ab" * 20)
        service.register_institution(s, code="BGDDT", name="Bộ Giáo dục và Đào tạo", kind="ministry",
                                     parent_code="ROOT-X", chain_address="0x" + "11" * 20)
    deep = orm_evidence(book, book.ids["deep"])
    assert [i["code"] for i in deep["institutions"]] == ["THCS-B", "PGD-760", "SGD-79", "BGDDT"]
    assert one_query(book, book.ids["deep"]) == deep
    with book.sessions() as s:
        service.register_institution(s, code="SGD-79", name="Sở", kind="authority", parent_code="THPT-A",
                                     chain_address="0x" + "02" * 20)
    looped = orm_evidence(book, book.ids["anchored"])
    assert [i["code"] for i in looped["institutions"]] == ["THPT-A", "SGD-79", "THPT-A", "SGD-79"]
    assert one_query(book, book.ids["anchored"]) == looped


def test_an_unknown_document_has_no_evidence(book):
    assert one_query(book, "a" * 26) is None
