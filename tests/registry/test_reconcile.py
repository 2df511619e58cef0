"""`sogoc registry reconcile`'s core on a real anvil: each kind of difference made for real."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.hashes import Hash32
from core.status import RevocationReason
from registry import anchoring, service
from registry.anchoring import AnchoringRules, run_pass
from registry.models import Batch, Document, Revocation
from registry.reconcile import reconcile
from test_anchoring_chain import chain, ledger, rpc, sessions, states, submit  # noqa: F401 - fixtures

pytestmark = pytest.mark.chain
RULES = AnchoringRules()


@pytest.fixture(autouse=True)
def fresh_chain(ledger):
    """Each test starts from the same chain: the others' anchors are not this database's."""
    snapshot = rpc(ledger, "evm_snapshot", [])
    yield
    rpc(ledger, "evm_revert", [snapshot])


def kinds(result):
    return sorted(d.kind for d in result.differences)


def test_an_anchor_on_chain_missing_from_the_database_is_found_and_repaired(ledger, sessions):
    ids = submit(sessions, 2)
    with sessions() as s:
        [batch_id] = anchoring.seal_due(s, RULES, force=True)
        ledger.anchor("THPT-A", Hash32(s.get(Batch, batch_id).root), 2, 1)  # on the contract, behind our back
        assert kinds(reconcile(s, ledger.reader)) == ["anchored_on_chain_not_in_db"]
        assert s.get(Batch, batch_id).state == "sealed"  # a report changes nothing
        repaired = reconcile(s, ledger.reader, repair=True)
        assert repaired.remaining == [] and sorted(repaired.changed_documents) == sorted(ids)
        assert reconcile(s, ledger.reader).differences == []
    assert states(sessions) == {"anchored": 2}


def test_an_anchor_in_the_database_missing_on_chain_is_found_and_repaired(ledger, sessions):
    submit(sessions, 2)
    snapshot = rpc(ledger, "evm_snapshot", [])
    with sessions() as s:
        assert run_pass(s, ledger, RULES, force_seal=True).anchored == [1]
    rpc(ledger, "evm_revert", [snapshot])  # the chain forgets the anchor
    with sessions() as s:
        result = reconcile(s, ledger.reader)
        assert kinds(result) == ["anchored_in_db_not_on_chain"] and result.remaining
        assert reconcile(s, ledger.reader, repair=True).remaining == []
        assert s.get(Batch, 1).state == "sealed"
    assert states(sessions) == {"anchoring": 2}
    with sessions() as s:  # the worker anchors it again, then all agree
        assert run_pass(s, ledger, RULES).anchored == [1]
        assert reconcile(s, ledger.reader).differences == []


def test_revocations_missing_on_either_side_are_found_and_repaired(ledger, sessions):
    first, second = submit(sessions, 2)
    with sessions() as s:
        run_pass(s, ledger, RULES, force_seal=True)
        doc = s.get(Document, first)
        decision = service.decision_hash("QĐ 12/QĐ-SGDĐT")
        ledger.revoke("THPT-A", Hash32(doc.batch.root), Hash32(doc.leaf), service.proof_of(doc),  # on chain only
                      int(RevocationReason.FRAUD), decision)
        snapshot = rpc(ledger, "evm_snapshot", [])
        service.revoke_document(s, ledger, document_id=second, actor_code="THPT-A",
                                reason=RevocationReason.ISSUER_ERROR, decision="QĐ 13/QĐ-SGDĐT")
        rpc(ledger, "evm_revert", [snapshot])  # ...and the second one in the database only
        assert kinds(reconcile(s, ledger.reader)) == ["revoked_in_db_not_on_chain", "revoked_on_chain_not_in_db"]
        repaired = reconcile(s, ledger.reader, repair=True)
        assert repaired.remaining == [] and sorted(repaired.changed_documents) == sorted([first, second])
        [revocation] = s.scalars(select(Revocation)).all()
        assert (revocation.document_id, revocation.reason, revocation.decision_hash) == (first, 1, bytes(decision))
        assert reconcile(s, ledger.reader).differences == []


def test_a_root_of_our_school_that_no_batch_knows_is_reported_and_left_alone(ledger, sessions):
    from core.merkle import MerkleTree
    from core.hashes import keccak256

    ledger.anchor("THPT-B", MerkleTree.build([keccak256(b"unknown")]).root, 1, 1)
    with sessions() as s:
        assert kinds(reconcile(s, ledger.reader, repair=True)) == ["unknown_root_on_chain"]
        assert reconcile(s, ledger.reader).remaining  # nothing the database could rebuild it from


def test_a_cancellation_is_a_cancellation_on_both_sides_and_no_difference(ledger, sessions):
    """A cancellation (hủy bỏ) is recorded by its own event: reconcile must neither call it missing
    nor let --repair delete it."""
    [only] = submit(sessions, 1)
    with sessions() as s:
        run_pass(s, ledger, RULES, force_seal=True)
        service.revoke_document(s, ledger, document_id=only, actor_code="THPT-A", reason=RevocationReason.FRAUD,
                                decision="QĐ 14/QĐ-SGDĐT", cancel=True)
        assert reconcile(s, ledger.reader).differences == []
        assert reconcile(s, ledger.reader, repair=True).changed_documents == []
        [revocation] = s.scalars(select(Revocation)).all()
        assert revocation.cancelled and revocation.document_id == only


def test_reconcile_reads_events_from_the_given_block_on(ledger, sessions):
    """``from_block`` is the contract's deployment (``Settings.deployment_block``): events are
    read from there, so an anchor mined before it is not seen, and one mined after it is."""
    submit(sessions, 1)
    with sessions() as s:
        [batch_id] = anchoring.seal_due(s, RULES, force=True)
        ledger.anchor("THPT-A", Hash32(s.get(Batch, batch_id).root), 1, 1)
        mined = ledger.w3.eth.block_number
        assert kinds(reconcile(s, ledger.reader, from_block=mined)) == ["anchored_on_chain_not_in_db"]
        assert kinds(reconcile(s, ledger.reader, from_block=mined + 1)) == []
