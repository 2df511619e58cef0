"""Registry use cases on a real database (SQLite and PostgreSQL) with a fake ledger (the chain is tested in e2e)."""

import json
from pathlib import Path

import pytest

from core.errors import ChainError, InvalidInput
from core.hashes import Hash32, keccak256
from core.merkle import verify_proof
from core.status import AnchorState, RevocationReason
from core.transcript import cohort_from_json
from registry import anchoring, service
from registry.db import make_engine, make_sessionmaker
from registry.errors import DocumentConflict, NotAnchoredYet, NotYourDocument, UnknownInstitution
from registry.models import Document
from fake_chain import FakeLedger

EXAMPLE = Path(__file__).parents[2] / "examples" / "demo-transcripts.json"
PDF = b"%PDF-1.7\n% a signed transcript\n"


def anchor_all(session, ledger):
    """Seal everything pending and anchor it (the fake chain mines at once)."""
    return anchoring.run_pass(session, ledger, anchoring.AnchoringRules(), force_seal=True)


@pytest.fixture
def session(database_url):
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        for code, kind, parent in (("SGD-79", "authority", None), ("THPT-A", "issuer", "SGD-79"),
                                   ("THPT-B", "issuer", "SGD-79"), ("SGD-01", "authority", None)):
            service.register_institution(s, code=code, name=code, kind=kind, parent_code=parent,
                                         chain_address="0x" + keccak256(code.encode()).hex()[:40])
        yield s
    engine.dispose()  # PostgreSQL keeps no connection of a finished test open


def credentials(n=3, issuer="THPT-A"):
    transcripts = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))
    out = []
    for t in (transcripts * n)[:n]:
        c = t.to_credential("2026-06-05")
        out.append(type(c)(c.id, c.kind, issuer, c.issued_on, c.fields, c.salt))
    return out


def test_submission_is_idempotent_and_never_overwritten(session):
    c = credentials(1)[0]
    first = service.submit_document(session, c, PDF)
    assert service.submit_document(session, c, PDF).id == first.id
    assert session.query(Document).count() == 1
    with pytest.raises(DocumentConflict):
        service.submit_document(session, c, PDF + b"%changed")
    assert session.get(Document, c.id).pdf == PDF


def test_non_pdf_and_unknown_issuer_are_refused_and_nothing_is_stored(session):
    c = credentials(1)[0]
    with pytest.raises(Exception) as e:
        service.submit_document(session, c, b"GIF89a")
    assert e.value.code == "not_a_pdf"
    with pytest.raises(UnknownInstitution):
        service.submit_document(session, credentials(1, issuer="NOPE")[0], PDF)
    assert session.query(Document).count() == 0


def test_the_ministry_issues_nothing(session):
    service.register_institution(session, code="BGDDT", name="Bộ", kind="ministry", parent_code=None,
                                 chain_address="0x" + "33" * 20)
    with pytest.raises(InvalidInput) as e:
        service.submit_document(session, credentials(1, "BGDDT")[0], PDF)
    assert e.value.code == "not_an_issuer"


def test_a_revocation_sent_before_a_crash_is_recorded_not_sent_again(session):
    ledger = FakeLedger()
    doc = service.submit_document(session, credentials(1)[0], PDF)
    anchor_all(session, ledger)
    decision = "Quyết định số 9/QĐ-SGDĐT"
    ledger.revoke("THPT-A", doc.batch.root, doc.leaf, service.proof_of(doc), 6, service.decision_hash(decision))
    revocation = service.revoke_document(session, ledger, document_id=doc.id, actor_code="THPT-A",
                                         reason=RevocationReason.ISSUER_ERROR, decision=decision)
    assert len(ledger.revoked) == 1 and revocation.decision == decision


def test_only_the_issuer_or_its_authority_may_revoke(session):
    ledger = FakeLedger()
    doc = service.submit_document(session, credentials(1)[0], PDF)
    with pytest.raises(NotAnchoredYet):
        service.revoke_document(session, ledger, document_id=doc.id, actor_code="THPT-A",
                                reason=RevocationReason.ISSUER_ERROR, decision="QĐ 1")
    anchor_all(session, ledger)
    for stranger in ("THPT-B", "SGD-01"):
        with pytest.raises(NotYourDocument):
            service.revoke_document(session, ledger, document_id=doc.id, actor_code=stranger,
                                    reason=RevocationReason.ISSUER_ERROR, decision="QĐ 1")
    assert ledger.revoked == []
    revocation = service.revoke_document(session, ledger, document_id=doc.id, actor_code="SGD-79",
                                         reason=RevocationReason.FRAUD, decision="Quyết định số 7/QĐ-SGDĐT")
    assert ledger.revoked == [("SGD-79", doc.leaf, 1)]
    evidence = service.evidence(doc, service.ChainInfo(1337, "0x" + "11" * 20))
    assert evidence["revocation"]["decision"] == "Quyết định số 7/QĐ-SGDĐT"
    # the names a verifier shows for the accreditation chain: the school, then its authority
    assert [(i["code"], i["kind"]) for i in evidence["institutions"]] == [("THPT-A", "issuer"), ("SGD-79", "authority")]
    assert revocation.decision_hash == service.decision_hash("Quyết định số 7/QĐ-SGDĐT")
