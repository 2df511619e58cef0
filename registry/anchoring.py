"""Durable anchoring: every accepted document ends up anchored exactly once.

A document goes ``pending`` -> ``anchoring`` (sealed into a batch) -> ``anchored``. Each step
is committed before the next one can start, so a crash at any point resumes from the last
commit (docs/anchoring.md has the whole story):

1. **seal**: an issuer's pending documents of one kind become a batch; root and proofs are
   committed with the documents' move to ``anchoring`` in one transaction, before any chain
   transaction exists.
2. **sign and store**: the batch's ``anchor`` transaction is signed and committed
   (:class:`registry.models.AnchorTransaction`: hash, nonce, raw bytes), and only then broadcast.
3. **track**: the stored transaction is followed until its block has ``confirmations``
   blocks on top; a dropped one is re-broadcast (same bytes, same hash); one whose nonce went
   to another transaction is abandoned and, after checking that the root is still not on
   chain, the batch gets a fresh transaction.
4. **confirm**: batch and documents become ``anchored`` in one commit; only then do proofs show.
5. **watch**: recently confirmed anchors are re-checked; one that a reorganisation removed puts
   its batch back to ``anchoring`` and its documents back to ``anchoring``.

An anchor already on chain by the same issuer (a crash after the broadcast, or a revert
because the root was taken by our own earlier transaction) is adopted, never sent twice; the
contract refuses a root anchored twice in any case. One transaction is in flight per issuer
at a time (its nonces never leave a gap), and one issuer's failing batch is recorded and
skipped, never holding back another's.

Only one process may run these steps on a database at a time: :mod:`registry.worklock`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from core.errors import ChainError, SogocError
from core.hashes import Hash32
from core.merkle import MerkleTree
from core.status import AnchorState
from registry.ledger import Ledger, TxReceipt
from registry.models import AnchorTransaction, Batch, Document, utcnow

log = logging.getLogger("sogoc.anchoring")

PENDING, ANCHORING, ANCHORED = AnchorState.PENDING.value, AnchorState.ANCHORING.value, AnchorState.ANCHORED.value
SEALED = "sealed"  # batch state: root stored, no live transaction
LIVE_TX = ("stored", "sent", "mined")
#: Errors that another pass will not cure: the contract refuses, or another issuer holds the root.
PERMANENT = ("root_taken", "contract_revert")
#: Send-and-track rounds in one pass at most (one batch per issuer each).
MAX_ROUNDS = 100

#: Test seam: with ``SOGOC_ANCHORING_PAUSE_AT=<checkpoint>`` the process stops at that point
#: (after the preceding commit) and waits to be killed. Checkpoints, in order: ``sealed``,
#: ``tx_stored``, ``broadcast``, ``receipt_recorded``, ``confirmed``. Nothing else reads it.
PAUSE_ENV = "SOGOC_ANCHORING_PAUSE_AT"


def checkpoint(name: str) -> None:
    """Pause for ever at ``name`` if the test seam asks for it (see :data:`PAUSE_ENV`)."""
    if os.environ.get(PAUSE_ENV) == name:
        sys.stderr.write(f"sogoc: paused at anchoring checkpoint {name}\n")
        sys.stderr.flush()
        while True:
            time.sleep(3600)


@dataclass(frozen=True)
class AnchoringRules:
    """The settings of anchoring (core.config.Settings has the same names)."""

    batch_max_size: int = 10_000
    batch_max_age_seconds: int = 60
    confirmations: int = 1
    reorg_watch_blocks: int = 64

    @classmethod
    def from_settings(cls, settings: Any) -> "AnchoringRules":
        return cls(settings.batch_max_size, settings.batch_max_age_seconds, settings.confirmations,
                   settings.reorg_watch_blocks)


@dataclass
class PassResult:
    """What one pass did, and which documents changed their public state (for the reports)."""

    sealed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    anchored: list[int] = field(default_factory=list)
    #: Batches that a reorganisation took off the chain again.
    reorganised: list[int] = field(default_factory=list)
    #: Batch id (0: the pass as a whole) -> the error that stopped it this pass.
    failed: dict[int, SogocError] = field(default_factory=dict)
    anchored_documents: list[str] = field(default_factory=list)
    unanchored_documents: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.anchored_documents or self.unanchored_documents)


# -- 1. sealing


def seal_due(session: Session, rules: AnchoringRules, *, force: bool = False,
             now: datetime | None = None) -> list[int]:
    """Seal every group (issuer, kind) of pending documents that is due: full batches of
    ``batch_max_size``, and the rest once its oldest document has waited ``batch_max_age_seconds``
    (or at once with ``force``). Returns the new batch ids."""
    now = now or utcnow()
    too_old = now - timedelta(seconds=rules.batch_max_age_seconds)
    groups = session.execute(
        select(Document.issuer_code, Document.kind, func.count(), func.min(Document.created_at))
        .where(Document.state == PENDING).group_by(Document.issuer_code, Document.kind)
        .order_by(Document.issuer_code, Document.kind)).all()
    sealed = []
    for issuer_code, kind, count, oldest in groups:
        take_rest = force or oldest <= too_old
        while count >= rules.batch_max_size or (count > 0 and take_rest):
            batch_id = seal_one(session, issuer_code, kind, rules.batch_max_size)
            sealed.append(batch_id)
            count -= rules.batch_max_size
    return sealed


def seal_one(session: Session, issuer_code: str, kind: int, max_size: int) -> int:
    """One batch of the oldest pending documents of ``issuer_code`` and ``kind``, committed.

    Rows, not ORM objects: 100,000 documents are (id, leaf) pairs, one executemany of proofs.
    The update is guarded by ``state = 'pending'``; a count afterwards proves that no document
    went into two batches (the worker lock makes that impossible; this check makes it loud).
    """
    rows = session.execute(
        select(Document.id, Document.leaf)
        .where(Document.state == PENDING, Document.issuer_code == issuer_code, Document.kind == kind)
        .order_by(Document.created_at, Document.id).limit(max_size)).all()
    tree = MerkleTree.build([leaf for _id, leaf in rows])
    proofs = tree.all_proofs()
    batch = Batch(issuer_code=issuer_code, kind=kind, root=bytes(tree.root), leaf_count=len(rows), state=SEALED)
    session.add(batch)
    session.flush()
    table = Document.__table__
    session.execute(
        update(table).where(table.c.id == bindparam("doc_id"), table.c.state == PENDING)
        .values(batch_id=batch.id, proof=bindparam("doc_proof"), state=ANCHORING),
        [{"doc_id": doc_id, "doc_proof": proofs[leaf]} for doc_id, leaf in rows])
    moved = session.scalar(select(func.count()).select_from(Document).where(Document.batch_id == batch.id))
    if moved != len(rows):
        session.rollback()
        raise SogocError(f"sealing {issuer_code}: {len(rows) - moved} documents changed meanwhile; nothing sealed",
                         code="concurrent_sealing")
    session.commit()
    session.expire_all()  # ORM objects loaded earlier do not know of the bulk update
    log.info("sealed batch %s of %s: %s documents", batch.id, issuer_code, len(rows))
    checkpoint("sealed")
    return batch.id


# -- 2. signing, storing, broadcasting


def send_sealed(session: Session, ledger: Ledger, rules: AnchoringRules, result: PassResult) -> None:
    """Give each sealed batch a stored, then broadcast, transaction (one in flight per issuer)."""
    busy = set(session.scalars(select(Batch.issuer_code).where(Batch.state == ANCHORING)))
    for batch in session.scalars(select(Batch).where(Batch.state == SEALED).order_by(Batch.id)).all():
        if batch.issuer_code in busy:
            continue
        _per_batch(session, batch, result, lambda: _send_one(session, ledger, rules, batch, result))
        if batch.state == ANCHORING:  # a stuck batch (nothing in flight) does not hold back the next one
            busy.add(batch.issuer_code)


def _send_one(session: Session, ledger: Ledger, rules: AnchoringRules, batch: Batch, result: PassResult) -> None:
    root = Hash32(batch.root)
    found = ledger.find_anchor(batch.issuer_code, root)  # anchored before a crash, or by hand
    if found is not None:
        _adopt(session, ledger, rules, batch, found, result)
        return
    signed = ledger.sign_anchor(batch.issuer_code, root, batch.leaf_count, batch.kind)
    tx = AnchorTransaction(batch_id=batch.id, sender=signed.sender, nonce=signed.nonce,
                           tx_hash=bytes(signed.tx_hash), raw=signed.raw, state="stored")
    session.add(tx)
    batch.state, batch.last_error = ANCHORING, None
    session.commit()  # stored before it exists anywhere else
    checkpoint("tx_stored")
    _broadcast(session, ledger, tx)
    result.sent.append(batch.id)


def _broadcast(session: Session, ledger: Ledger, tx: AnchorTransaction) -> None:
    ledger.broadcast(tx.raw)
    checkpoint("broadcast")
    tx.state, tx.sent_at = "sent", utcnow()
    session.commit()


# -- 3./4. tracking and confirming


def track_in_flight(session: Session, ledger: Ledger, rules: AnchoringRules, result: PassResult) -> None:
    """Follow each batch's live transaction one step: re-broadcast, replace, record, confirm."""
    head = None
    for batch in session.scalars(select(Batch).where(Batch.state == ANCHORING).order_by(Batch.id)).all():
        if head is None:
            head = ledger.head()
        _per_batch(session, batch, result, lambda: _track_one(session, ledger, rules, batch, head, result))


def live_transaction(session: Session, batch: Batch) -> AnchorTransaction | None:
    return session.scalars(select(AnchorTransaction).where(AnchorTransaction.batch_id == batch.id,
                                                           AnchorTransaction.state.in_(LIVE_TX))
                           .order_by(AnchorTransaction.id.desc()).limit(1)).first()


def _track_one(session: Session, ledger: Ledger, rules: AnchoringRules, batch: Batch, head: int,
               result: PassResult) -> None:
    tx = live_transaction(session, batch)
    if tx is None:  # cannot happen through this module; heal it rather than stall
        batch.state = SEALED
        session.commit()
        return
    tx_hash = Hash32(tx.tx_hash)
    included = ledger.inclusion(tx_hash)
    if included is None:
        if tx.state == "mined":  # its block is gone before it was confirmed (a reorganisation)
            tx.state, tx.block_number, tx.block_hash = "sent", None, None
            session.commit()
        if ledger.is_pending(tx_hash):
            if tx.state == "stored":  # broadcast just before a crash
                tx.state = "sent"
                session.commit()
            return  # waiting for a block
        if ledger.mined_nonce(tx.sender) > tx.nonce:
            _replaced(session, ledger, rules, batch, tx, result)
        else:  # never reached the node, or dropped from its pool: the same bytes again
            log.info("batch %s: transaction %s not known to the node, broadcast again", batch.id, tx_hash.hex0x)
            _broadcast(session, ledger, tx)
        return
    if (tx.state, tx.block_number, tx.block_hash) != ("mined", included.block_number, bytes(included.block_hash)):
        tx.state, tx.block_number, tx.block_hash = "mined", included.block_number, bytes(included.block_hash)
        session.commit()
        checkpoint("receipt_recorded")
    if not included.succeeded:  # reverted: our own earlier anchor of this root, or a refusal
        tx.state = "abandoned"
        batch.state = SEALED
        session.commit()
        found = ledger.find_anchor(batch.issuer_code, Hash32(batch.root))
        if found is None:
            raise ChainError(f"the anchor transaction {tx_hash.hex0x} of batch {batch.id} reverted",
                             code="contract_revert")
        _adopt(session, ledger, rules, batch, found, result)
        return
    _confirm_if_deep(session, ledger, rules, batch,
                     TxReceipt(tx_hash, included.block_number, 0, included.block_hash), head, result)


def _replaced(session: Session, ledger: Ledger, rules: AnchoringRules, batch: Batch, tx: AnchorTransaction,
              result: PassResult) -> None:
    """Another transaction took this one's nonce: adopt the root if it is on chain, else start over."""
    found = ledger.find_anchor(batch.issuer_code, Hash32(batch.root))
    tx.state, batch.state = "abandoned", SEALED
    session.commit()
    if found is not None:
        _adopt(session, ledger, rules, batch, found, result)
        return
    log.warning("batch %s: nonce %s of %s went to another transaction; a new one follows",
                batch.id, tx.nonce, tx.sender)


def _adopt(session: Session, ledger: Ledger, rules: AnchoringRules, batch: Batch, found: TxReceipt,
           result: PassResult) -> None:
    """The root is on chain by this issuer already: take that anchor, send nothing. The batch
    stays ``sealed`` until the anchor is deep enough; each pass finds it again."""
    log.info("batch %s: root already anchored in block %s, adopted", batch.id, found.block_number)
    _confirm_if_deep(session, ledger, rules, batch, found, None, result)


def _confirm_if_deep(session: Session, ledger: Ledger, rules: AnchoringRules, batch: Batch,
                     at: TxReceipt, head: int | None, result: PassResult) -> None:
    """Mark batch and documents anchored if ``at`` has enough confirmations and its block is
    still the chain's block at that height; otherwise leave it for a later pass."""
    head = ledger.head() if head is None else head
    if head - at.block_number + 1 < rules.confirmations:
        return
    block = ledger.block(at.block_number)
    if block is None or (at.block_hash is not None and block.hash != at.block_hash):
        return  # reorganised meanwhile: the next pass sees where the transaction went
    checkpoint("confirmed")
    batch.state, batch.anchored_at, batch.last_error = ANCHORED, utcnow(), None
    batch.tx_hash = bytes(at.tx_hash) if at.tx_hash is not None else None
    batch.block_number, batch.block_time, batch.block_hash = at.block_number, block.time, bytes(block.hash)
    session.execute(update(Document).where(Document.batch_id == batch.id).values(state=ANCHORED)
                    .execution_options(synchronize_session=False))
    session.commit()
    result.anchored.append(batch.id)
    result.anchored_documents.extend(session.scalars(select(Document.id).where(Document.batch_id == batch.id)))
    log.info("batch %s of %s anchored in block %s", batch.id, batch.issuer_code, block.number)


# -- 5. reorganisations


def watch_reorganisations(session: Session, ledger: Ledger, rules: AnchoringRules, result: PassResult) -> None:
    """Re-check anchors confirmed in the last ``reorg_watch_blocks`` blocks: a block hash that
    changed means a reorganisation; if the root is gone from the chain, the batch goes back to
    ``anchoring`` (its transaction is tracked again: re-broadcast if its nonce is free again,
    replaced otherwise) and its documents back to ``anchoring``."""
    since = max(0, ledger.head() - rules.reorg_watch_blocks + 1)
    recent = session.scalars(select(Batch).where(Batch.state == ANCHORED, Batch.block_number >= since,
                                                 Batch.block_hash.is_not(None)).order_by(Batch.id)).all()
    blocks: dict[int, Any] = {}
    for batch in recent:
        number = batch.block_number
        if number not in blocks:
            blocks[number] = ledger.block(number)
        current = blocks[number]
        if current is not None and bytes(current.hash) == batch.block_hash:
            continue
        _per_batch(session, batch, result, lambda: _after_reorganisation(session, ledger, batch, result))


def _after_reorganisation(session: Session, ledger: Ledger, batch: Batch, result: PassResult) -> None:
    found = ledger.find_anchor(batch.issuer_code, Hash32(batch.root))
    if found is not None and found.block_hash is not None:  # re-included in another block: still anchored
        batch.block_number, batch.block_hash, batch.block_time = found.block_number, bytes(found.block_hash), \
            found.block_time
        batch.tx_hash = bytes(found.tx_hash) if found.tx_hash else batch.tx_hash
        session.commit()
        return
    log.warning("batch %s: its anchor in block %s is gone (reorganisation); anchoring again",
                batch.id, batch.block_number)
    tx = session.scalars(select(AnchorTransaction).where(AnchorTransaction.batch_id == batch.id)
                         .order_by(AnchorTransaction.id.desc()).limit(1)).first()
    if tx is not None and tx.tx_hash == batch.tx_hash:
        tx.state, tx.block_number, tx.block_hash = "sent", None, None  # tracked again
        batch.state = ANCHORING
    else:
        batch.state = SEALED
    batch.tx_hash = batch.block_number = batch.block_time = batch.block_hash = batch.anchored_at = None
    session.execute(update(Document).where(Document.batch_id == batch.id).values(state=ANCHORING)
                    .execution_options(synchronize_session=False))
    session.commit()
    result.reorganised.append(batch.id)
    result.unanchored_documents.extend(session.scalars(select(Document.id).where(Document.batch_id == batch.id)))


# -- one pass


def _per_batch(session: Session, batch: Batch, result: PassResult, step) -> None:
    """Run one batch's step; a failure is recorded on the batch and the pass goes on."""
    batch_id, issuer = batch.id, batch.issuer_code
    try:
        step()
    except SogocError as e:
        session.rollback()
        log.warning("batch %s of %s: %s", batch_id, issuer, e)
        result.failed[batch_id] = e
        stored = session.get(Batch, batch_id)
        if stored is not None:
            stored.last_error = str(e)[:2000]
            session.commit()


def run_pass(session: Session, ledger: Ledger, rules: AnchoringRules, *, force_seal: bool = False,
             now: datetime | None = None) -> PassResult:
    """One pass: watch reorganisations, seal what is due, track what is in flight, then send
    what is sealed and track it, again while that frees issuers for their next batch (a dev
    chain mines at once)."""
    result = PassResult()
    try:
        watch_reorganisations(session, ledger, rules, result)
    except SogocError as e:  # the node is down: sealing needs only the database
        session.rollback()
        result.failed[0] = e
    result.sealed = seal_due(session, rules, force=force_seal, now=now)
    if 0 in result.failed:
        return result
    try:
        track_in_flight(session, ledger, rules, result)
        for _round in range(MAX_ROUNDS):  # an issuer's next batch goes out once its previous one is confirmed
            sent = len(result.sent)
            send_sealed(session, ledger, rules, result)
            track_in_flight(session, ledger, rules, result)
            if len(result.sent) == sent:
                break
    except SogocError as e:  # head() itself failed
        session.rollback()
        result.failed[0] = e
    return result


def unsettled(session: Session) -> int:
    """Documents not yet anchored (pending or in a batch on its way)."""
    return session.scalar(select(func.count()).select_from(Document).where(Document.state != ANCHORED)) or 0


def stuck_batches(result: PassResult) -> list[int]:
    """Batches on their way whose last failure another pass will not cure."""
    return [b for b, e in result.failed.items() if b and e.code in PERMANENT]
