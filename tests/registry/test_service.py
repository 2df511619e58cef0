"""Registry use cases on a real database (SQLite and PostgreSQL) with a fake ledger (the chain is tested in e2e)."""

import json
from pathlib import Path

import pytest

from core.errors import ChainError, InvalidInput
from core.hashes import Hash32, keccak256
from core.merkle import verify_proof
from core.status import AnchorState, RevocationReason
from core.transcript import cohort_from_json
from registry import service
from registry.db import make_engine, make_sessionmaker
from registry.errors import DocumentConflict, NotAnchoredYet, NotYourDocument, UnknownInstitution
from registry.ledger import RecordedRevocation, TxReceipt
from registry.models import Batch, Document

EXAMPLE = Path(__file__).parents[2] / "examples" / "demo-transcripts.json"
PDF = b"%PDF-1.7\n% a signed transcript\n"


class FakeLedger:
    """The contract's rules that matter here: one anchor per root, revocations recorded once."""

    def __init__(self):
        self.anchored: dict[bytes, tuple[str, TxReceipt]] = {}
        self.sent = 0
        self.revoked: list[tuple[str, bytes, int]] = []
        self.revocations: dict[bytes, RecordedRevocation] = {}

    def find_anchor(self, issuer_code, root):
        if bytes(root) not in self.anchored:
            return None
        owner, receipt = self.anchored[bytes(root)]
        if owner != issuer_code:
            raise ChainError("taken", code="root_taken")
        return receipt

    def find_revocation(self, root, leaf):
        return self.revocations.get(bytes(leaf))

    def anchor(self, issuer_code, root, leaf_count, kind):
        self.sent += 1
        receipt = TxReceipt(keccak256(bytes(root)), 10 + self.sent, 1_790_000_000)
        self.anchored[bytes(root)] = (issuer_code, receipt)
        return receipt

    def revoke(self, actor_code, root, leaf, proof, reason, decision):
        assert verify_proof(root, leaf, proof)
        self.revoked.append((actor_code, leaf, reason))
        self.revocations[bytes(leaf)] = RecordedRevocation(decision, 1_790_000_100)
        return TxReceipt(keccak256(bytes(leaf)), 99, 1_790_000_100)


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


def test_one_batch_one_transaction_and_every_proof_leads_to_the_root(session):
    ledger = FakeLedger()
    docs = [service.submit_document(session, c, PDF + bytes([i])) for i, c in enumerate(credentials(3))]
    assert all(d.state == AnchorState.PENDING.value for d in docs)
    batches = service.anchor_pending(session, ledger).anchored
    assert len(batches) == 1 and ledger.sent == 1 and batches[0].leaf_count == 3
    for d in docs:
        assert d.state == AnchorState.ANCHORED.value
        assert verify_proof(batches[0].root, d.leaf, service.proof_of(d))
    assert service.anchor_pending(session, ledger).anchored == []  # nothing pending: nothing sent
    assert ledger.sent == 1


def test_a_crash_after_sending_adopts_the_anchor_instead_of_sending_twice(session):
    ledger = FakeLedger()
    for i, c in enumerate(credentials(2)):
        service.submit_document(session, c, PDF + bytes([i]))
    [batch] = service.seal_batches(session)
    assert service.evidence(batch.documents[0], service.ChainInfo(1, "0x"))["root"] is None  # not public yet
    ledger.anchor("THPT-A", Hash32(batch.root), 2, 1)  # sent, then the registry died before recording it
    service.anchor_sealed(session, ledger)
    assert ledger.sent == 1
    assert session.get(Batch, batch.id).state == "anchored"


def test_one_issuers_failing_batch_does_not_hold_back_the_others(session):
    ledger = FakeLedger()
    a = service.submit_document(session, credentials(1, "THPT-A")[0], PDF + b"a")
    b = service.submit_document(session, credentials(1, "THPT-B")[0], PDF + b"b")
    batch_a, batch_b = service.seal_batches(session)
    ledger.anchored[bytes(batch_a.root)] = ("THPT-B", TxReceipt(None, 1, 1))  # someone else took A's root
    result = service.anchor_sealed(session, ledger)
    assert [x.id for x in result.anchored] == [batch_b.id]
    assert [(x.id, e.code) for x, e in result.failed] == [(batch_a.id, "root_taken")]
    assert (a.state, b.state) == (AnchorState.ANCHORING.value, AnchorState.ANCHORED.value)


def test_the_ministry_issues_nothing(session):
    service.register_institution(session, code="BGDDT", name="Bộ", kind="ministry", parent_code=None,
                                 chain_address="0x" + "33" * 20)
    with pytest.raises(InvalidInput) as e:
        service.submit_document(session, credentials(1, "BGDDT")[0], PDF)
    assert e.value.code == "not_an_issuer"


def test_a_revocation_sent_before_a_crash_is_recorded_not_sent_again(session):
    ledger = FakeLedger()
    doc = service.submit_document(session, credentials(1)[0], PDF)
    service.anchor_pending(session, ledger)
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
    service.anchor_pending(session, ledger)
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
