"""The anchoring pipeline on a real SQLite database with the fake chain (faults on anvil: test_anchoring_chain)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.hashes import Hash32
from core.merkle import verify_proof
from core.status import AnchorState
from core.transcript import cohort_from_json
from fake_chain import FakeLedger
from registry import anchoring, service
from registry.anchoring import AnchoringRules, run_pass
from registry.db import make_engine, make_sessionmaker
from registry.models import AnchorTransaction, Batch, Document, utcnow
from registry.worker import anchor_until_settled
from registry.worklock import AnchoringBusy, AnchoringLock

EXAMPLE = Path(__file__).parents[2] / "examples" / "demo-transcripts.json"
PDF = b"%PDF-1.7\n% a signed transcript\n"
CHAIN = service.ChainInfo(1337, "0x" + "11" * 20)


@pytest.fixture
def sessions(tmp_path):
    sessions = make_sessionmaker(make_engine(f"sqlite:///{tmp_path / 'r.db'}"))
    with sessions() as s:
        for code, kind, parent in (("SGD-79", "authority", None), ("THPT-A", "issuer", "SGD-79"),
                                   ("THPT-B", "issuer", "SGD-79")):
            service.register_institution(s, code=code, name=code, kind=kind, parent_code=parent,
                                         chain_address="0x" + code.encode().hex().ljust(40, "0")[:40])
    return sessions


def submit(sessions, n, issuer="THPT-A"):
    transcripts = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))
    ids = []
    with sessions() as s:
        for i in range(n):
            c = transcripts[i % len(transcripts)].to_credential("2026-06-05")
            c = type(c)(c.id, c.kind, issuer, c.issued_on, c.fields, c.salt)
            ids.append(service.submit_document(s, c, PDF + issuer.encode() + b"%d" % i).id)
    return ids


def states(sessions):
    with sessions() as s:
        return dict(s.execute(select(Document.state, func.count()).group_by(Document.state)).all())


def test_one_batch_one_transaction_and_proofs_published_only_once_anchored(sessions):
    ledger = FakeLedger()
    ids = submit(sessions, 3)
    with sessions() as s:
        [batch_id] = anchoring.seal_due(s, AnchoringRules(), force=True)
        doc = s.get(Document, ids[0])
        assert doc.state == AnchorState.ANCHORING.value
        assert service.evidence(doc, CHAIN)["root"] is None and service.evidence(doc, CHAIN)["proof"] == []
    settled = anchor_until_settled(sessions, ledger, AnchoringRules())
    assert settled.anchored == [batch_id] and settled.anchored_documents == 3 and ledger.sent == 1
    with sessions() as s:
        batch = s.get(Batch, batch_id)
        for doc_id in ids:
            evidence = service.evidence(s.get(Document, doc_id), CHAIN)
            assert evidence["state"] == "anchored" and evidence["root"] == Hash32(batch.root).hex0x
            assert verify_proof(batch.root, s.get(Document, doc_id).leaf, [Hash32.from_hex(p) for p in evidence["proof"]])
        [tx] = s.scalars(select(AnchorTransaction)).all()
        assert (tx.tx_hash, tx.state) == (batch.tx_hash, "mined") and tx.raw
    assert anchor_until_settled(sessions, ledger, AnchoringRules()).anchored == []  # nothing left: nothing sent
    assert ledger.sent == 1


def test_batches_close_by_size_and_by_the_age_of_the_oldest_document(sessions):
    ledger = FakeLedger()
    submit(sessions, 5)
    rules = AnchoringRules(batch_max_size=2, batch_max_age_seconds=60)
    with sessions() as s:
        result = run_pass(s, ledger, rules)
    assert len(result.sealed) == 2 and states(sessions) == {"anchored": 4, "pending": 1}
    with sessions() as s:
        assert run_pass(s, ledger, rules, now=utcnow() + timedelta(seconds=30)).sealed == []  # still young
        assert len(run_pass(s, ledger, rules, now=utcnow() + timedelta(seconds=61)).sealed) == 1
    assert states(sessions) == {"anchored": 5}
    with sessions() as s:  # no document in two batches, every batch full or closed by age
        assert sorted(b.leaf_count for b in s.scalars(select(Batch))) == [1, 2, 2]


def test_confirmations_are_waited_for(sessions):
    ledger = FakeLedger()
    submit(sessions, 2)
    rules = AnchoringRules(confirmations=3)
    with sessions() as s:
        assert run_pass(s, ledger, rules, now=utcnow() + timedelta(hours=1)).anchored == []
        assert states(sessions) == {"anchoring": 2}
        ledger.blocks.append(Hash32(b"\x01" * 32))  # one more block on top: 2 of 3
        assert run_pass(s, ledger, rules).anchored == []
        ledger.blocks.append(Hash32(b"\x02" * 32))
        assert len(run_pass(s, ledger, rules).anchored) == 1
    assert states(sessions) == {"anchored": 2}


def test_one_issuers_failing_batch_does_not_hold_back_the_others(sessions):
    ledger = FakeLedger()
    submit(sessions, 1, "THPT-A")
    submit(sessions, 1, "THPT-B")
    with sessions() as s:
        batch_a, batch_b = anchoring.seal_due(s, AnchoringRules(), force=True)
        ledger.anchored[s.get(Batch, batch_a).root] = ("THPT-B", None)  # someone else took A's root
    settled = anchor_until_settled(sessions, ledger, AnchoringRules(), timeout=5)
    assert settled.anchored == [batch_b] and list(settled.stuck) == [batch_a]
    assert settled.stuck[batch_a].code == "root_taken"
    with sessions() as s:
        assert s.get(Batch, batch_a).last_error.startswith("[root_taken]")


def test_an_anchor_sent_before_a_crash_is_adopted_not_sent_again(sessions):
    ledger = FakeLedger()
    submit(sessions, 2)
    with sessions() as s:
        [batch_id] = anchoring.seal_due(s, AnchoringRules(), force=True)
        root = Hash32(s.get(Batch, batch_id).root)
    ledger.broadcast(ledger.sign_anchor("THPT-A", root, 2, 1).raw)  # sent, never written down
    anchor_until_settled(sessions, ledger, AnchoringRules())
    assert ledger.sent == 1 and states(sessions) == {"anchored": 2}


def test_a_dropped_transaction_is_sent_again_with_the_same_bytes(sessions):
    ledger = FakeLedger(automine=False)
    submit(sessions, 2)
    with sessions() as s:
        run_pass(s, ledger, AnchoringRules(), force_seal=True)
        [tx] = s.scalars(select(AnchorTransaction)).all()
        ledger.pool.clear()  # the node forgot it
        run_pass(s, ledger, AnchoringRules())
        assert ledger.is_pending(tx.tx_hash)  # same hash again
        ledger.mine()
        run_pass(s, ledger, AnchoringRules())
        assert [t.tx_hash for t in s.scalars(select(AnchorTransaction))] == [tx.tx_hash]
    assert states(sessions) == {"anchored": 2}


def test_only_one_anchoring_process_per_database(sessions):
    engine = sessions.kw["bind"]
    with AnchoringLock(engine):
        with pytest.raises(AnchoringBusy):
            AnchoringLock(engine).acquire()
    AnchoringLock(engine).acquire().release()  # free again


def test_a_stuck_batch_does_not_hold_back_the_same_issuers_next_batch(sessions):
    ledger = FakeLedger()
    submit(sessions, 2)
    with sessions() as s:
        [stuck] = anchoring.seal_due(s, AnchoringRules(), force=True)
        ledger.anchored[s.get(Batch, stuck).root] = ("THPT-B", None)
    submit(sessions, 1)
    settled = anchor_until_settled(sessions, ledger, AnchoringRules(), timeout=5)
    assert list(settled.stuck) == [stuck] and settled.anchored_documents == 1
