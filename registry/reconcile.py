"""``sogoc registry reconcile``: the contract's events against the database.

The chain is the public record; the database is the registry's memory of it. This rebuilds,
from the contract's events alone (``RootAnchored``, ``CredentialRevoked``,
``CredentialCancelled``, ``CredentialSuperseded``), what the chain says about this registry's institutions, and names
every difference. With ``repair`` it changes the database side only, and never sends a
transaction: a batch anchored on chain is marked anchored, a batch whose anchor is not on
chain goes back to ``sealed`` (the worker anchors it again), a revocation the chain has is
recorded, one it lacks is deleted (its decision is printed, to be revoked again).

A revocation and a cancellation are compared alike (reason, decision hash, and which of the two).
Corrections (supersessions) are counted, not compared: the register's ``corrected`` acts hold them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_utils import event_abi_to_log_topic
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from web3.exceptions import Web3Exception

from core.chain import RegistryReader, artifact
from core.errors import ChainError
from core.hashes import Hash32, institution_id
from core.status import AnchorState
from registry.models import AnchorTransaction, Batch, Document, Institution, Revocation, utcnow

EVENTS = ("RootAnchored", "CredentialRevoked", "CredentialCancelled", "CredentialSuperseded")
#: Blocks per eth_getLogs request (nodes cap the range of one request).
CHUNK = 5_000


@dataclass(frozen=True)
class ChainAnchor:
    issuer_id: Hash32
    root: Hash32
    block_number: int
    block_hash: Hash32
    tx_hash: Hash32


@dataclass(frozen=True)
class ChainRevocation:
    root: Hash32
    leaf: Hash32
    revoked_by: Hash32
    reason: int
    decision: Hash32
    block_number: int
    tx_hash: Hash32
    cancelled: bool = False  # hủy bỏ (CredentialCancelled) rather than thu hồi (CredentialRevoked)


@dataclass
class ChainRecord:
    """What the contract's events say, keyed as the database keys it."""

    anchors: dict[bytes, ChainAnchor] = field(default_factory=dict)  # root ->
    revocations: dict[bytes, ChainRevocation] = field(default_factory=dict)  # leaf ->
    supersessions: int = 0


@dataclass(frozen=True)
class Difference:
    """One disagreement. ``kind`` is stable (scripts match on it); ``repair`` says what was done."""

    kind: str
    detail: str
    repair: str | None = None


@dataclass
class Reconciliation:
    chain: ChainRecord
    differences: list[Difference] = field(default_factory=list)
    #: Documents whose public state this run changed in the database (their reports are stale).
    changed_documents: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> list[Difference]:
        return [d for d in self.differences if d.repair is None]

    def lines(self) -> list[str]:
        out = [f"chain: {len(self.chain.anchors)} anchors, {len(self.chain.revocations)} revocations, "
               f"{self.chain.supersessions} corrections of this registry's institutions"]
        for d in self.differences:
            out.append(f"{d.kind}: {d.detail}" + (f" -> repaired: {d.repair}" if d.repair else ""))
        out.append("no differences" if not self.differences else
                   f"{len(self.differences)} difference(s), {len(self.remaining)} not repaired")
        return out


def read_chain(reader: RegistryReader, issuer_ids: set[bytes], from_block: int = 0) -> ChainRecord:
    """Every anchor, revocation and correction event of the contract concerning ``issuer_ids``
    (from ``from_block``, the contract's deployment: there is none before)."""
    abi = {e["name"]: e for e in artifact()["abi"] if e.get("type") == "event" and e["name"] in EVENTS}
    topic_names = {event_abi_to_log_topic(e): name for name, e in abi.items()}
    events = {name: getattr(reader.contract.events, name)() for name in EVENTS}
    record = ChainRecord()
    revocations: list[ChainRevocation] = []
    try:
        head = reader.w3.eth.block_number
        for start in range(from_block, head + 1, CHUNK):
            logs = reader.w3.eth.get_logs({"fromBlock": start, "toBlock": min(head, start + CHUNK - 1),
                                           "address": reader.address, "topics": [list(topic_names)]})
            for entry in logs:
                name = topic_names[bytes(entry["topics"][0])]
                args = events[name].process_log(entry)["args"]
                if name == "RootAnchored":
                    if bytes(args["issuerId"]) in issuer_ids:
                        record.anchors[bytes(args["root"])] = ChainAnchor(
                            Hash32(bytes(args["issuerId"])), Hash32(bytes(args["root"])), int(entry["blockNumber"]),
                            Hash32(bytes(entry["blockHash"])), Hash32(bytes(entry["transactionHash"])))
                elif name in ("CredentialRevoked", "CredentialCancelled"):
                    cancelled = name == "CredentialCancelled"
                    revocations.append(ChainRevocation(
                        Hash32(bytes(args["root"])), Hash32(bytes(args["leaf"])),
                        Hash32(bytes(args["cancelledBy" if cancelled else "revokedBy"])),
                        int(args["reason"]), Hash32(bytes(args["decision"])), int(entry["blockNumber"]),
                        Hash32(bytes(entry["transactionHash"])), cancelled))
                elif bytes(args["root"]) in record.anchors:
                    record.supersessions += 1
    except (Web3Exception, OSError, ValueError) as e:
        raise ChainError(f"cannot read the contract's events: {e}") from e
    record.revocations = {bytes(r.leaf): r for r in revocations if bytes(r.root) in record.anchors}
    return record


def reconcile(session: Session, reader: RegistryReader, *, repair: bool = False,
              from_block: int = 0) -> Reconciliation:
    """Compare; with ``repair``, make the database agree with the chain (one commit at the end)."""
    codes = {bytes(institution_id(code)): code for code in session.scalars(select(Institution.code))}
    result = Reconciliation(read_chain(reader, set(codes), from_block))
    _anchors(session, reader, result, codes, repair)
    _revocations(session, result, codes, repair)
    if repair:
        session.commit()
    else:
        session.rollback()
    return result


def _anchors(session: Session, reader: RegistryReader, result: Reconciliation, codes: dict[bytes, str],
             repair: bool) -> None:
    chain = result.chain.anchors
    batches = {b.root: b for b in session.scalars(select(Batch))}
    for root, anchor in chain.items():
        batch = batches.get(root)
        where = f"root {anchor.root.hex0x} of {codes[bytes(anchor.issuer_id)]} in block {anchor.block_number}"
        if batch is None:
            result.differences.append(Difference("unknown_root_on_chain", f"{where}: no batch in the database"))
        elif batch.state != "anchored" or batch.block_number != anchor.block_number:
            kind = "anchored_on_chain_not_in_db" if batch.state != "anchored" else "anchor_block_differs"
            detail = f"batch {batch.id} ({batch.state}, block {batch.block_number}): {where}"
            done = None
            if repair:
                _mark_anchored(session, reader, batch, anchor, result)
                done = f"batch {batch.id} and its {batch.leaf_count} documents marked anchored"
            result.differences.append(Difference(kind, detail, done))
    for root, batch in batches.items():
        if batch.state != "anchored" or root in chain:
            continue
        detail = f"batch {batch.id} of {batch.issuer_code}, root 0x{root.hex()}, block {batch.block_number}"
        done = None
        if repair:
            _unanchor(session, batch, result)
            done = f"batch {batch.id} back to sealed, its documents to anchoring (the worker anchors it again)"
        result.differences.append(Difference("anchored_in_db_not_on_chain", detail, done))


def _mark_anchored(session: Session, reader: RegistryReader, batch: Batch, anchor: ChainAnchor,
                   result: Reconciliation) -> None:
    block = reader.w3.eth.get_block(anchor.block_number)
    session.execute(update(AnchorTransaction).where(AnchorTransaction.batch_id == batch.id,
                                                    AnchorTransaction.state.in_(("stored", "sent", "mined")),
                                                    AnchorTransaction.tx_hash != bytes(anchor.tx_hash))
                    .values(state="abandoned"))
    batch.state, batch.last_error = "anchored", None
    batch.tx_hash, batch.block_number = bytes(anchor.tx_hash), anchor.block_number
    batch.block_hash, batch.block_time = bytes(anchor.block_hash), int(block["timestamp"])
    batch.anchored_at = batch.anchored_at or utcnow()
    session.execute(update(Document).where(Document.batch_id == batch.id)
                    .values(state=AnchorState.ANCHORED.value).execution_options(synchronize_session=False))
    result.changed_documents.extend(session.scalars(select(Document.id).where(Document.batch_id == batch.id)))


def _unanchor(session: Session, batch: Batch, result: Reconciliation) -> None:
    session.execute(update(AnchorTransaction).where(AnchorTransaction.batch_id == batch.id,
                                                    AnchorTransaction.state != "abandoned")
                    .values(state="abandoned"))
    batch.state = "sealed"
    batch.tx_hash = batch.block_number = batch.block_time = batch.block_hash = batch.anchored_at = None
    session.execute(update(Document).where(Document.batch_id == batch.id)
                    .values(state=AnchorState.ANCHORING.value).execution_options(synchronize_session=False))
    result.changed_documents.extend(session.scalars(select(Document.id).where(Document.batch_id == batch.id)))


def _revocations(session: Session, result: Reconciliation, codes: dict[bytes, str], repair: bool) -> None:
    chain = result.chain.revocations
    stored = {r.document.leaf: r for r in session.scalars(select(Revocation))}
    for leaf, event in chain.items():
        revocation = stored.get(leaf)
        doc = session.scalars(select(Document).where(Document.leaf == leaf)).first()
        who = codes.get(bytes(event.revoked_by))
        where = f"leaf {event.leaf.hex0x} (document {doc.id if doc else '?'}) revoked in block {event.block_number}"
        if revocation is None:
            done = None
            if repair and doc is not None and who is not None:
                session.add(Revocation(document=doc, reason=event.reason, decision="", decision_hash=bytes(event.decision),
                                       revoked_by=who, tx_hash=bytes(event.tx_hash), block_number=event.block_number,
                                       cancelled=event.cancelled))
                result.changed_documents.append(doc.id)
                done = "recorded (the decision's text is not on chain: only its hash)"
            result.differences.append(Difference("revoked_on_chain_not_in_db", where, done))
        elif (revocation.decision_hash != bytes(event.decision) or revocation.reason != event.reason
              or bool(revocation.cancelled) != event.cancelled):
            done = None
            if repair:
                revocation.reason, revocation.decision_hash = event.reason, bytes(event.decision)
                revocation.cancelled = event.cancelled
                revocation.decision, revocation.block_number = "", event.block_number
                revocation.tx_hash = bytes(event.tx_hash)
                result.changed_documents.append(revocation.document_id)
                done = "reason, decision hash and kind (revoked or cancelled) taken from the chain"
            result.differences.append(Difference("revocation_differs", where, done))
    for leaf, revocation in stored.items():
        if leaf in chain:
            continue
        detail = (f"document {revocation.document_id}, decision {revocation.decision!r}, "
                  f"block {revocation.block_number}")
        done = None
        if repair:
            session.delete(revocation)
            result.changed_documents.append(revocation.document_id)
            done = "deleted from the database; revoke again with the same decision"
        result.differences.append(Difference("revoked_in_db_not_on_chain", detail, done))
