"""Use cases of the registry. Each takes its collaborators (a session, a ledger) as arguments,
and each commits its own unit of work: HTTP routes and CLI commands never commit.

Sealing and anchoring live in :mod:`registry.anchoring` (a durable pipeline of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session, object_session

from core.canonical import canonical_json
from core.credential import Credential
from core.errors import InvalidInput, UnknownDocument
from core.hashes import Hash32, sha256
from core.merkle import unpack_proof
from core.status import AnchorState, RevocationReason
from core.status import RegisterAct as RegisterActKind
from registry import intake
from registry.audit import Acting
from registry.errors import AlreadyRevoked, AlreadySuperseded, NotAnchoredYet, NotYourDocument, PayloadTooLarge, UnknownInstitution
from registry.ledger import Ledger
from registry.permissions import may_act_on_documents_of
from registry.models import Batch, Document, Institution, RegisterAct, RegisterEntry, Revocation


def register_institution(session: Session, *, code: str, name: str, kind: str,
                         parent_code: str | None, chain_address: str) -> Institution:
    """Record an institution (idempotent: the same facts twice change nothing)."""
    found = session.get(Institution, code)
    if found is None:
        found = Institution(code=code, name=name, kind=kind, parent_code=parent_code, chain_address=chain_address)
        session.add(found)
    else:
        found.name, found.kind, found.parent_code, found.chain_address = name, kind, parent_code, chain_address
    session.commit()
    return found


def institution(session: Session, code: str) -> Institution:
    found = session.get(Institution, code)
    if found is None:
        raise UnknownInstitution(f"no institution with code {code!r}")
    return found


def submit_document(session: Session, credential: Credential, pdf: bytes) -> Document:
    """Accept one signed document in process, as its issuer (``sogoc transcripts issue``, the demo):
    the same intake as the API (registry.intake), without the chain check of the issuer.

    Submitting the same document again returns the stored one; another content under the same
    id is refused, never overwritten.
    """
    if len(pdf) > intake.MAX_PDF_BYTES:
        raise PayloadTooLarge(f"the PDF is larger than {intake.MAX_PDF_BYTES // (1024 * 1024)} MiB")
    if not pdf.startswith(b"%PDF-"):
        raise InvalidInput("the file is not a PDF", code="not_a_pdf")
    issuer = institution(session, credential.issuer)
    submission = intake.Submission(credential, pdf, sha256(pdf))
    intake.submit(session, issuer, [submission], Acting.cli(issuer.code), issuers=None)
    return document(session, credential.id)


def document(session: Session, document_id: str) -> Document:
    found = session.get(Document, document_id)
    if found is None:
        raise UnknownDocument("no document with this id")
    return found


def decision_hash(decision: str) -> Hash32:
    """On-chain reference of a decision: SHA-256 of its canonical text (NFC)."""
    text = decision.strip()
    if not text:
        raise InvalidInput("a revocation needs the reference of its decision", code="missing_decision")
    return sha256(canonical_json(text))


def revoke_document(session: Session, ledger: Ledger, *, document_id: str, actor_code: str,
                    reason: RevocationReason, decision: str, acting: Acting | None = None,
                    cancel: bool = False) -> Revocation:
    """Revoke (thu hồi) or, with ``cancel``, cancel (hủy bỏ) one anchored document by a decision.
    The contract enforces the same rule. A document in a master register gets the act in its
    register too (the public disclosure's line), in the same transaction.

    ``acting`` names the request in the audit line written with the revocation (default: a
    command on the registry's host acting as ``actor_code``).
    """
    doc = document(session, document_id)
    actor = institution(session, actor_code)
    verb = "cancel" if cancel else "revoke"
    if not may_act_on_documents_of(actor, institution(session, doc.issuer_code)):
        raise NotYourDocument(f"{actor_code} may not {verb} documents issued by {doc.issuer_code}")
    if doc.revocation is not None:
        done = "cancelled" if doc.revocation.cancelled else "revoked"
        raise AlreadyRevoked(f"document {document_id} is already {done}")
    entry = session.scalar(select(RegisterEntry).where(RegisterEntry.document_id == document_id))
    if entry is not None and replacement_of(session, entry) is not None:
        raise AlreadySuperseded(f"document {document_id} was replaced by a correction or re-issue; act on the current one")
    if doc.state != AnchorState.ANCHORED.value or doc.batch is None:
        raise NotAnchoredYet(f"document {document_id} is not anchored yet; revoke it once it is")
    ref = decision_hash(decision)
    root, leaf = Hash32(doc.batch.root), Hash32(doc.leaf)
    recorded = ledger.find_revocation(root, leaf)  # sent before a crash, never written down here?
    if recorded is None:
        receipt = ledger.revoke(actor_code, root, leaf, proof_of(doc), int(reason), ref, cancel=cancel)
        tx_hash, block_number = receipt.tx_hash, receipt.block_number
    elif recorded.decision == ref and recorded.cancelled == cancel:
        tx_hash, block_number = None, None  # the chain has exactly this act: record it, send nothing
    else:
        raise AlreadyRevoked(f"document {document_id} is already revoked or cancelled on chain by another decision")
    revocation = Revocation(document=doc, reason=int(reason), decision=decision.strip(), decision_hash=ref,
                            revoked_by=actor_code, cancelled=cancel, tx_hash=tx_hash, block_number=block_number)
    session.add(revocation)
    if entry is not None:
        session.add(RegisterAct(authority_code=entry.authority_code, entry_id=entry.id,
                                act=(RegisterActKind.CANCELLED if cancel else RegisterActKind.REVOKED).value,
                                reason=int(reason), decision=decision.strip(), decision_hash=bytes(ref),
                                actor_code=actor_code, tx_hash=bytes(tx_hash) if tx_hash else None,
                                block_number=block_number))
    session.add((acting or Acting.cli(actor_code)).line(f"document.{verb}", target=document_id,
                                                         subject=doc.issuer_code))
    session.commit()
    return revocation


def replacement_of(session: Session, entry: RegisterEntry) -> RegisterEntry | None:
    """The entry that replaces ``entry`` (its correction or re-issue), if any."""
    return session.scalar(select(RegisterEntry).where(
        RegisterEntry.refers_to_id == entry.id,
        RegisterEntry.kind.in_(("correction", "reissue"))).limit(1))


def proof_of(doc: Document) -> list[Hash32]:
    return unpack_proof(doc.proof or b"")


@dataclass(frozen=True)
class ChainInfo:
    chain_id: int
    contract_address: str


def _accreditation_names(doc: Document) -> list[dict[str, str]]:
    """The issuer, its authority and the Ministry, as recorded here: code, name and kind."""
    out: list[dict[str, str]] = []
    session = object_session(doc)
    institution = session.get(Institution, doc.issuer_code) if session is not None else None
    while institution is not None and len(out) < 4:
        out.append({"code": institution.code, "name": institution.name, "kind": institution.kind})
        institution = institution.parent
    return out


def evidence(doc: Document, chain: ChainInfo) -> dict[str, Any]:
    """What a verifier needs to check one document against the chain by itself.

    Nothing here needs to be trusted: the proof leads to a root that the verifier reads from
    the chain, and the leaf is recomputed from the file. (:func:`evidence_by_id` reads the same
    answer with one query, for the verifier's every upload.)
    """
    batch, revocation = doc.batch, doc.revocation
    return _evidence(doc.id, doc.state, doc.issuer_code, doc.data_hash, doc.pdf_sha256, doc.leaf, doc.proof,
                     batch if batch is not None and batch.state == "anchored" else None,
                     revocation, _accreditation_names(doc), chain)


def _evidence(document_id: str, state: str, issuer: str, data_hash: bytes, pdf_sha256: bytes, leaf: bytes,
              proof: bytes | None, anchored: Any, revocation: Any, institutions: list[dict[str, str]],
              chain: ChainInfo) -> dict[str, Any]:
    """The evidence from a document's columns, its batch if anchored and its revocation (ORM
    objects or rows with the models' column names: :func:`evidence` and :func:`evidence_by_id`)."""
    return {
        "document_id": document_id,
        "state": state,
        "issuer": issuer,
        "data_hash": Hash32(data_hash).hex0x,
        "pdf_sha256": Hash32(pdf_sha256).hex0x,
        "leaf": Hash32(leaf).hex0x,
        # root and proof only once anchored: a sealed root is nobody's business before it is on chain
        "proof": [p.hex0x for p in unpack_proof(proof or b"")] if anchored is not None else [],
        "root": Hash32(anchored.root).hex0x if anchored is not None else None,
        "anchor": None if anchored is None else {
            "chain_id": chain.chain_id,
            "contract": chain.contract_address,
            "tx_hash": Hash32(anchored.tx_hash).hex0x if anchored.tx_hash else None,
            "block_number": anchored.block_number,
            "block_time": anchored.block_time,
            "leaf_count": anchored.leaf_count,
        },
        # names for the accreditation chain shown by verifiers; each is matched there to the
        # on-chain id by the hash of its code, so a wrong name cannot attach to another institution
        "institutions": institutions,
        "revocation": None if revocation is None else {
            "reason": revocation.reason,
            "decision": revocation.decision,
            "decision_hash": Hash32(revocation.decision_hash).hex0x,
            "revoked_by": revocation.revoked_by,
            "cancelled": revocation.cancelled,
        },
    }


# -- the same evidence in one query (the verifier reads it on every upload)

_DOC, _BATCH, _REVOCATION = Document.__table__, Batch.__table__, Revocation.__table__
#: The issuer and its parents: :func:`_accreditation_names` follows at most four levels.
_LEVELS = tuple(Institution.__table__.alias(f"level{i}") for i in range(4))
_REGISTER = RegisterEntry.__table__


def _evidence_query() -> Select:
    d, b, r = _DOC, _BATCH, _REVOCATION
    columns = [d.c.id, d.c.state, d.c.issuer_code, d.c.data_hash, d.c.pdf_sha256, d.c.leaf, d.c.proof,
               b.c.state.label("batch_state"), b.c.root, b.c.tx_hash, b.c.block_number, b.c.block_time,
               b.c.leaf_count, r.c.id.label("revocation_id"), r.c.reason, r.c.decision, r.c.decision_hash,
               r.c.revoked_by, r.c.cancelled]
    joined = d.outerjoin(b, b.c.id == d.c.batch_id).outerjoin(r, r.c.document_id == d.c.id)
    previous = d.c.issuer_code
    for i, level in enumerate(_LEVELS):
        columns += [level.c.code.label(f"code{i}"), level.c.name.label(f"name{i}"), level.c.kind.label(f"kind{i}")]
        joined = joined.outerjoin(level, level.c.code == previous)
        previous = level.c.parent_code
    in_register = exists().where(_REGISTER.c.document_id == d.c.id).label("in_register")
    return select(*columns, in_register).select_from(joined).where(d.c.id == bindparam("document_id"))


_EVIDENCE_QUERY = _evidence_query()


def evidence_by_id(session: Session, document_id: str, chain: ChainInfo) -> tuple[dict[str, Any], bool] | None:
    """:func:`evidence` of the document ``document_id`` read with one query (documents joined to
    their batch, revocation and the issuer's institutions), without loading ORM objects; and
    whether the document has a master-register entry (whose history the caller then reads).
    None for an unknown id. The same answer as :func:`evidence` (tests/registry/test_evidence_query.py)."""
    row = session.connection().execute(_EVIDENCE_QUERY, {"document_id": document_id}).first()
    if row is None:
        return None
    columns, institutions = row._mapping, []
    for i in range(len(_LEVELS)):  # the issuer, then its parents, up to the first missing one
        if columns[f"code{i}"] is None:
            break
        institutions.append({"code": columns[f"code{i}"], "name": columns[f"name{i}"], "kind": columns[f"kind{i}"]})
    anchored = row if row.batch_state == "anchored" else None
    revocation = row if row.revocation_id is not None else None
    return _evidence(row.id, row.state, row.issuer_code, row.data_hash, row.pdf_sha256, row.leaf, row.proof,
                     anchored, revocation, institutions, chain), bool(row.in_register)
