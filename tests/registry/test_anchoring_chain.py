"""Chain faults injected for real on anvil: re-broadcasts, adoption, dropped and replaced
transactions, a reorganisation, the node stopped and started again, one issuer's failure."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from eth_utils import event_abi_to_log_topic
from sqlalchemy import func, select

from chain_helpers import anvil_and_registry
from core.chain import artifact
from core.errors import ChainError
from core.hashes import Hash32
from core.transcript import cohort_from_json
from registry import anchoring, service
from registry.anchoring import AnchoringRules, run_pass
from registry.db import make_engine, make_sessionmaker
from registry.models import AnchorTransaction, Batch, Document
from registry.worker import anchor_until_settled

pytestmark = pytest.mark.chain

EXAMPLE = Path(__file__).parents[2] / "examples" / "demo-transcripts.json"
PDF = b"%PDF-1.7\n% a signed transcript\n"
SCHOOLS = ["THPT-A", "THPT-B"]
RULES = AnchoringRules()


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    with anvil_and_registry(tmp_path_factory.mktemp("anvil"), "BGDDT", "SGD-79", SCHOOLS) as (anvil, ledger):
        yield anvil, ledger


@pytest.fixture
def ledger(chain):
    anvil, ledger = chain
    rpc(ledger, "evm_setAutomine", [True])
    return ledger


@pytest.fixture
def sessions(database_url, ledger):
    sessions = make_sessionmaker(make_engine(database_url))
    with sessions() as s:
        service.register_institution(s, code="BGDDT", name="Bộ", kind="ministry", parent_code=None,
                                     chain_address=ledger.keyring["BGDDT"].address)
        service.register_institution(s, code="SGD-79", name="Sở", kind="authority", parent_code="BGDDT",
                                     chain_address=ledger.keyring["SGD-79"].address)
        for code in SCHOOLS:
            service.register_institution(s, code=code, name=code, kind="issuer", parent_code="SGD-79",
                                         chain_address=ledger.keyring[code].address)
    return sessions


def rpc(ledger, method, params):
    answer = ledger.w3.provider.make_request(method, params)
    assert "error" not in answer, answer
    return answer.get("result")


def submit(sessions, n, issuer="THPT-A"):
    transcripts = cohort_from_json(json.loads(EXAMPLE.read_text("utf-8")))
    with sessions() as s:
        ids = []
        for i in range(n):
            c = transcripts[i % len(transcripts)].to_credential("2026-06-05")
            c = type(c)(c.id, c.kind, issuer, c.issued_on, c.fields, c.salt)
            ids.append(service.submit_document(s, c, PDF + b"%d" % i).id)
        return ids


def anchors_on_chain(ledger, root: bytes) -> int:
    """RootAnchored events of ``root`` on the current chain."""
    topic = next(event_abi_to_log_topic(e) for e in artifact()["abi"]
                 if e.get("type") == "event" and e["name"] == "RootAnchored")
    logs = ledger.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": ledger.reader.address,
                                   "topics": [topic, None, "0x" + bytes(root).hex()]})
    return len(logs)


def states(sessions):
    with sessions() as s:
        return dict(s.execute(select(Document.state, func.count()).group_by(Document.state)).all())


def only_batch(sessions):
    with sessions() as s:
        [batch] = s.scalars(select(Batch)).all()
        return batch


def transactions(sessions):
    with sessions() as s:
        return [(t.nonce, t.state, t.tx_hash) for t in s.scalars(select(AnchorTransaction).order_by(AnchorTransaction.id))]


def test_a_stored_transaction_broadcast_again_is_recognised_by_its_hash(ledger, sessions):
    submit(sessions, 3)
    rpc(ledger, "evm_setAutomine", [False])
    with sessions() as s:
        run_pass(s, ledger, RULES, force_seal=True)
    [(nonce, state, tx_hash)] = transactions(sessions)
    assert state == "sent" and ledger.is_pending(Hash32(tx_hash))
    with sessions() as s:  # as after a crash between broadcast and recording it: the node has it
        s.get(AnchorTransaction, 1).state = "stored"
        s.commit()
        run_pass(s, ledger, RULES)
    assert transactions(sessions) == [(nonce, "sent", tx_hash)]
    rpc(ledger, "evm_mine", [])
    with sessions() as s:  # mined meanwhile, recorded as stored only: the receipt is found, nothing re-sent
        s.get(AnchorTransaction, 1).state = "stored"
        s.commit()
        assert run_pass(s, ledger, RULES).anchored == [1]
    assert transactions(sessions) == [(nonce, "mined", tx_hash)]
    with pytest.raises(ChainError) as mined:  # the node itself refuses the mined bytes
        ledger.broadcast(ledger.w3.eth.get_raw_transaction(tx_hash))
    assert mined.value.code == "nonce_used"
    assert anchors_on_chain(ledger, only_batch(sessions).root) == 1 and states(sessions) == {"anchored": 3}


def test_a_root_already_anchored_by_the_issuer_is_adopted(ledger, sessions):
    submit(sessions, 2)
    with sessions() as s:
        [batch_id] = anchoring.seal_due(s, RULES, force=True)
    batch = only_batch(sessions)
    direct = ledger.anchor("THPT-A", Hash32(batch.root), 2, 1)  # sent before a crash, never written down
    settled = anchor_until_settled(sessions, ledger, RULES)
    assert settled.anchored == [batch_id] and transactions(sessions) == []
    assert only_batch(sessions).tx_hash == bytes(direct.tx_hash)
    assert anchors_on_chain(ledger, batch.root) == 1 and states(sessions) == {"anchored": 2}


def test_a_dropped_transaction_is_sent_again(ledger, sessions):
    submit(sessions, 2)
    rpc(ledger, "evm_setAutomine", [False])
    with sessions() as s:
        run_pass(s, ledger, RULES, force_seal=True)
        [(nonce, _state, tx_hash)] = transactions(sessions)
        rpc(ledger, "anvil_dropTransaction", ["0x" + tx_hash.hex()])
        assert not ledger.is_pending(Hash32(tx_hash))
        run_pass(s, ledger, RULES)
        assert ledger.is_pending(Hash32(tx_hash))  # the same bytes again
        rpc(ledger, "evm_mine", [])
        assert run_pass(s, ledger, RULES).anchored == [1]
    assert transactions(sessions) == [(nonce, "mined", tx_hash)]
    assert anchors_on_chain(ledger, only_batch(sessions).root) == 1 and states(sessions) == {"anchored": 2}


def test_a_replaced_transaction_leads_to_a_fresh_one_with_the_next_nonce(ledger, sessions):
    submit(sessions, 2)
    rpc(ledger, "evm_setAutomine", [False])
    with sessions() as s:
        run_pass(s, ledger, RULES, force_seal=True)
    [(nonce, _state, tx_hash)] = transactions(sessions)
    rpc(ledger, "anvil_dropTransaction", ["0x" + tx_hash.hex()])
    account = ledger.keyring["THPT-A"]  # another transaction of the school takes the nonce
    other = account.sign_transaction({"to": account.address, "value": 0, "gas": 21_000, "gasPrice": ledger.w3.eth.gas_price,
                                      "nonce": nonce, "chainId": ledger.w3.eth.chain_id})
    ledger.broadcast(bytes(other.raw_transaction))
    rpc(ledger, "evm_mine", [])
    with sessions() as s:
        run_pass(s, ledger, RULES)
        rpc(ledger, "evm_mine", [])
        assert run_pass(s, ledger, RULES).anchored == [1]
    [(n1, state1, hash1), (n2, state2, hash2)] = transactions(sessions)
    assert (n1, state1, hash1) == (nonce, "abandoned", tx_hash) and (n2, state2) == (nonce + 1, "mined")
    assert only_batch(sessions).tx_hash == hash2
    assert anchors_on_chain(ledger, only_batch(sessions).root) == 1 and states(sessions) == {"anchored": 2}


def test_a_reorganisation_that_removes_an_anchor_leads_to_anchoring_it_again(ledger, sessions):
    ids = submit(sessions, 3)
    with sessions() as s:
        assert run_pass(s, ledger, RULES, force_seal=True).anchored == [1]
    before = only_batch(sessions)
    rpc(ledger, "anvil_reorg", [1, []])  # the anchor's block replaced by an empty one
    assert anchors_on_chain(ledger, before.root) == 0
    with sessions() as s:
        result = run_pass(s, ledger, RULES)
    assert result.reorganised == [1] and sorted(result.unanchored_documents) == sorted(ids)
    assert result.anchored == [1]  # the same transaction again, mined in the new chain
    after = only_batch(sessions)
    assert after.state == "anchored" and after.tx_hash == before.tx_hash and after.block_hash != before.block_hash
    assert anchors_on_chain(ledger, after.root) == 1 and states(sessions) == {"anchored": 3}


def test_documents_wait_in_anchoring_while_the_anchor_is_reorganised_away(ledger, sessions):
    submit(sessions, 2)
    rules = AnchoringRules(confirmations=2)
    with sessions() as s:
        run_pass(s, ledger, rules, force_seal=True)
        rpc(ledger, "evm_mine", [])
        assert run_pass(s, ledger, rules).anchored == [1]
        rpc(ledger, "evm_setAutomine", [False])
        rpc(ledger, "anvil_reorg", [2, []])
        result = run_pass(s, ledger, rules)
    assert result.reorganised == [1] and states(sessions) == {"anchoring": 2}
    evidence = service.evidence(next(iter(sessions().scalars(select(Document)))), service.ChainInfo(1337, "0x"))
    assert evidence["root"] is None and evidence["proof"] == []  # hidden again until anchored again
    rpc(ledger, "evm_mine", [])
    rpc(ledger, "evm_mine", [])
    with sessions() as s:
        assert run_pass(s, ledger, rules).anchored == [1]
    assert anchors_on_chain(ledger, only_batch(sessions).root) == 1


def test_the_node_stopped_for_a_while_is_waited_for(chain, ledger, sessions):
    anvil, _ledger = chain
    submit(sessions, 2)
    anvil.stop()
    outcome = {}
    waiting = threading.Thread(target=lambda: outcome.update(
        settled=anchor_until_settled(sessions, ledger, RULES, timeout=60, interval=0.2)))
    waiting.start()
    time.sleep(2)
    assert waiting.is_alive() and states(sessions) == {"anchoring": 2}  # sealed, waiting for the node
    anvil.start()
    waiting.join(60)
    assert outcome["settled"].anchored_documents == 2 and states(sessions) == {"anchored": 2}
    assert anchors_on_chain(ledger, only_batch(sessions).root) == 1


def test_one_issuers_failing_batch_never_blocks_another(ledger, sessions):
    submit(sessions, 2, "THPT-A")
    submit(sessions, 2, "THPT-B")
    with sessions() as s:
        batch_a, batch_b = anchoring.seal_due(s, RULES, force=True)
        root_a = Hash32(s.get(Batch, batch_a).root)
    ledger.anchor("THPT-B", root_a, 2, 1)  # another school holds A's root on chain
    settled = anchor_until_settled(sessions, ledger, RULES, timeout=20)
    assert settled.anchored == [batch_b] and settled.stuck[batch_a].code == "root_taken"
    assert states(sessions) == {"anchored": 2, "anchoring": 2}
