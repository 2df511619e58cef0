"""The digital master register (sổ gốc cấp văn bằng): entries and the acts on them.

Each authority keeps one register per year. An entry records one *anchored* document (a diploma,
a legacy paper diploma, a corrected or re-issued diploma, a certified copy), numbered 1, 2, 3...
without gaps; the database refuses any other number and any change or deletion (triggers, see
docs/master-register.md). What happens to an entry later is an appended :class:`RegisterAct`
(corrected, revoked, cancelled, reissued, copied), each by a decision and, where the act is a
chain transaction of its own (supersede, revoke, cancel), with that transaction.

Revocation and cancellation go through :func:`registry.service.revoke_document`, which writes
the act here when the document has an entry. Every use case commits its own unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, object_session

from core.credential import Credential
from core.errors import InvalidInput
from core.hashes import Hash32
from core.status import AnchorState, DocumentKind, EntryKind, RevocationReason
from core.status import RegisterAct as Act
from registry import service
from registry.audit import Acting
from registry.errors import (AlreadyRevoked, AlreadySuperseded, DocumentConflict, NotAnchoredYet, NotYourDocument,
                             RegisterError)
from registry.ledger import Ledger
from registry.models import Batch, Document, RegisterAct, RegisterEntry
from registry.permissions import may_act_on_documents_of

#: Acts whose entry is no longer the current version of its diploma.
REPLACING_KINDS = (EntryKind.CORRECTION.value, EntryKind.REISSUE.value)


@dataclass(frozen=True)
class EntryContent:
    """What an entry repeats of its document (the register's columns)."""

    kind: EntryKind
    year: int
    serial_number: str
    register_number: str
    holder_name: str
    holder_birth_date: str
    copied_document_id: str | None = None  # a copy of a digitally issued entry
    copied_serial: str | None = None  # a copy of a legacy entry (no document id): found by serial


def content_of(doc: Document) -> EntryContent:
    """The register's columns from a diploma's or a copy's credential; other documents have no entry."""
    credential = Credential.from_json(doc.credential)
    fields = credential.fields
    if credential.kind == DocumentKind.DIPLOMA:
        diploma, kind = fields, EntryKind.LEGACY if fields.get("legacy") else EntryKind.ORIGINAL
        year = int(fields["graduation_year"])
        number = fields["register_number"]
    elif credential.kind == DocumentKind.CERTIFIED_COPY:
        diploma, kind = fields["diploma"], EntryKind.COPY
        year, number = int(credential.issued_on[:4]), fields["copy_number"]
    else:
        raise InvalidInput(f"document {doc.id} is not a diploma or a certified copy: it has no register entry",
                           code="not_a_register_document")
    holder = diploma["holder"]
    return EntryContent(kind, year, diploma["serial_number"], number, holder["full_name"], holder["date_of_birth"],
                        fields.get("original_document_id") if kind is EntryKind.COPY else None,
                        diploma["serial_number"] if kind is EntryKind.COPY else None)


def entry_of(session: Session, document_id: str) -> RegisterEntry | None:
    return session.scalar(select(RegisterEntry).where(RegisterEntry.document_id == document_id))


def _anchored(session: Session, document_id: str) -> Document:
    doc = service.document(session, document_id)
    if doc.state != AnchorState.ANCHORED.value or doc.batch is None:
        raise NotAnchoredYet(f"document {document_id} is not anchored yet; enter it in the register once it is")
    return doc


def _check_actor(session: Session, actor_code: str, doc: Document, verb: str) -> None:
    actor = service.institution(session, actor_code)
    if not may_act_on_documents_of(actor, service.institution(session, doc.issuer_code)):
        raise NotYourDocument(f"{actor_code} may not {verb} documents issued by {doc.issuer_code}")


def _next_number(session: Session, authority_code: str, year: int) -> int:
    last = session.scalar(select(func.max(RegisterEntry.number)).where(
        RegisterEntry.authority_code == authority_code, RegisterEntry.year == year))
    return (last or 0) + 1


def _new_entry(session: Session, doc: Document, content: EntryContent, kind: EntryKind,
               refers_to: RegisterEntry | None, decision: str | None) -> RegisterEntry:
    entry = RegisterEntry(authority_code=doc.issuer_code, year=content.year,
                          number=_next_number(session, doc.issuer_code, content.year), kind=kind.value,
                          document_id=doc.id, refers_to_id=refers_to.id if refers_to else None,
                          serial_number=content.serial_number, register_number=content.register_number,
                          holder_name=content.holder_name, holder_birth_date=content.holder_birth_date,
                          decision=decision)
    session.add(entry)
    try:
        session.flush()  # the trigger checks the number now; the id is needed by the act
    except DBAPIError as e:  # a concurrent writer took the number (unique constraint or trigger)
        session.rollback()
        raise RegisterError("another entry was written into this register at the same moment; try again") from e
    return entry


def _act(session: Session, entry: RegisterEntry, act: Act, actor_code: str, *, related: RegisterEntry | None = None,
         reason: int | None = None, decision: str | None = None, tx: Any = None) -> RegisterAct:
    line = RegisterAct(authority_code=entry.authority_code, entry_id=entry.id, act=act.value,
                       related_id=related.id if related else None, reason=reason, decision=decision,
                       decision_hash=bytes(service.decision_hash(decision)) if decision else None,
                       actor_code=actor_code, tx_hash=bytes(tx.tx_hash) if tx is not None and tx.tx_hash else None,
                       block_number=tx.block_number if tx is not None else None)
    session.add(line)
    return line


def current_problem(session: Session, entry: RegisterEntry) -> str | None:
    """Why ``entry`` is not the current, valid version of its diploma (None when it is)."""
    if service.replacement_of(session, entry) is not None:
        return "replaced by a correction or a re-issue"
    revocation = entry.document.revocation
    if revocation is not None:
        return "cancelled" if revocation.cancelled else "revoked"
    return None


def _commit(session: Session) -> None:
    try:
        session.commit()
    except DBAPIError as e:  # a concurrent entry took the number: nothing of this call is kept
        session.rollback()
        raise RegisterError("another entry was written into this register at the same moment; try again") from e


def enter(session: Session, document_ids: Sequence[str], *, actor_code: str,
          acting: Acting | None = None) -> list[RegisterEntry]:
    """Enter anchored diplomas (original or legacy, by their content) and certified copies into
    their authority's register of the year, numbered in the order given; all or nothing.

    Documents already entered are returned as they are (a re-run adds nothing). A copy must copy
    an entry that is current (neither replaced, revoked nor cancelled)."""
    entries: list[RegisterEntry] = []
    for document_id in document_ids:
        found = entry_of(session, document_id)
        if found is not None:
            entries.append(found)
            continue
        doc = _anchored(session, document_id)
        _check_actor(session, actor_code, doc, "enter")
        content = content_of(doc)
        if content.kind is EntryKind.COPY:
            copied = _copied_entry(session, doc.issuer_code, content)
            problem = current_problem(session, copied)
            if problem:
                raise RegisterError(f"entry {copied.year}/{copied.number} is {problem}: no copy is issued from it",
                                    code="not_current")
            entry = _new_entry(session, doc, content, EntryKind.COPY, copied, None)
            _act(session, copied, Act.COPIED, actor_code, related=entry)
        else:
            entry = _new_entry(session, doc, content, content.kind, None, None)
            _act(session, entry, Act.LEGACY_ENTERED if content.kind is EntryKind.LEGACY else Act.ISSUED, actor_code)
        entries.append(entry)
    if session.new:  # something was entered: one audit line for the call
        session.add((acting or Acting.cli(actor_code)).line("register.enter", target=actor_code, subject=actor_code,
                                                             count=len(document_ids)))
    _commit(session)
    return entries


def _copied_entry(session: Session, authority_code: str, content: EntryContent) -> RegisterEntry:
    if content.copied_document_id:
        copied = entry_of(session, content.copied_document_id)
    else:  # a legacy entry copied by its serial number: the one legacy entry with it
        copied = session.scalar(select(RegisterEntry).where(
            RegisterEntry.authority_code == authority_code, RegisterEntry.serial_number == content.copied_serial,
            RegisterEntry.kind == EntryKind.LEGACY.value).order_by(RegisterEntry.id.desc()).limit(1))
    if copied is None or copied.authority_code != authority_code:
        raise RegisterError("the copy names no entry of this authority's register", code="unknown_entry")
    return copied


def _replacement(session: Session, old_id: str, new_id: str, actor_code: str,
                 verb: str) -> tuple[RegisterEntry, Document, EntryContent]:
    """The old entry and the new anchored diploma, checked for a correction or a re-issue."""
    old = entry_of(session, old_id)
    if old is None:
        raise RegisterError(f"document {old_id} has no register entry", code="unknown_entry")
    _check_actor(session, actor_code, old.document, verb)
    if entry_of(session, new_id) is not None:
        raise DocumentConflict(f"document {new_id} is already in the register")
    new = _anchored(session, new_id)
    content = content_of(new)
    if content.kind is not EntryKind.ORIGINAL:
        raise InvalidInput(f"document {new_id} is not a diploma issued digitally", code="not_a_diploma")
    if new.issuer_code != old.authority_code:
        raise NotYourDocument(f"a {verb} is issued by the authority of the entry it replaces, {old.authority_code}")
    if service.replacement_of(session, old) is not None:
        raise AlreadySuperseded(f"document {old_id} was already replaced; act on the current one")
    return old, new, content


def correct(session: Session, ledger: Ledger, *, old_id: str, new_id: str, decision: str, actor_code: str,
            acting: Acting | None = None) -> RegisterEntry:
    """A corrected diploma (chỉnh sửa) replaces an entry: ``supersede`` on chain, a new entry naming
    the old one, and the act ``corrected`` on the old one. The old entry stays as it was."""
    old, new, content = _replacement(session, old_id, new_id, actor_code, "correct")
    if old.document.revocation is not None:
        raise AlreadyRevoked(f"document {old_id} is revoked or cancelled: re-issue it instead of correcting it")
    ref = service.decision_hash(decision)
    old_doc = old.document
    root, leaf = Hash32(old_doc.batch.root), Hash32(old_doc.leaf)
    new_root, new_leaf = Hash32(new.batch.root), Hash32(new.leaf)
    recorded = ledger.find_supersession(root, leaf)  # sent before a crash, never written down here?
    if recorded is None:
        tx = ledger.supersede(actor_code, root, leaf, service.proof_of(old_doc), new_root, new_leaf,
                              service.proof_of(new), ref)
    elif recorded.new_leaf == new_leaf and recorded.decision == ref:
        tx = None  # the chain has exactly this act: record it, send nothing
    else:
        raise AlreadySuperseded(f"document {old_id} is already superseded on chain by another document")
    entry = _new_entry(session, new, content, EntryKind.CORRECTION, old, decision.strip())
    _act(session, old, Act.CORRECTED, actor_code, related=entry, decision=decision.strip(), tx=tx)
    session.add((acting or Acting.cli(actor_code)).line("register.correct", target=old_id,
                                                         subject=old.authority_code))
    _commit(session)
    return entry


def reissue(session: Session, *, old_id: str, new_id: str, decision: str, actor_code: str,
            acting: Acting | None = None) -> RegisterEntry:
    """Re-issue (cấp lại) a diploma revoked or cancelled for the authority's own error (ground 6):
    a new entry naming the old one, and the act ``reissued``. On chain: the old one's revocation
    and the new one's anchor, both already there."""
    old, new, content = _replacement(session, old_id, new_id, actor_code, "re-issue")
    revocation = old.document.revocation
    if revocation is None or revocation.reason != RevocationReason.ISSUER_ERROR:
        raise RegisterError(f"document {old_id} is re-issued only once revoked or cancelled for the issuing "
                            "body's error (reason 6, issuer_error)", code="not_reissuable")
    service.decision_hash(decision)  # refuses an empty decision
    entry = _new_entry(session, new, content, EntryKind.REISSUE, old, decision.strip())
    _act(session, old, Act.REISSUED, actor_code, related=entry, decision=decision.strip())
    session.add((acting or Acting.cli(actor_code)).line("register.reissue", target=old_id,
                                                         subject=old.authority_code))
    _commit(session)
    return entry


# -- reading


def entries(session: Session, authority_code: str, year: int) -> list[RegisterEntry]:
    """One year's register of one authority, in number order."""
    return list(session.scalars(select(RegisterEntry).where(
        RegisterEntry.authority_code == authority_code, RegisterEntry.year == year).order_by(RegisterEntry.number)))


def acts_of(session: Session, entry_ids: Iterable[int]) -> dict[int, list[RegisterAct]]:
    """The acts on each of ``entry_ids``, oldest first."""
    out: dict[int, list[RegisterAct]] = {}
    ids = list(entry_ids)
    if ids:
        for line in session.scalars(select(RegisterAct).where(RegisterAct.entry_id.in_(ids)).order_by(RegisterAct.id)):
            out.setdefault(line.entry_id, []).append(line)
    return out


def disclosure_feed(session: Session, authority_code: str, *, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """The authority's acts (issued, legacy_entered, corrected, revoked, cancelled, reissued, copied)
    oldest first from ``after``, each with its entry and its on-chain evidence: one query.

    The evidence of an act is its own transaction where it has one, else the anchor of the
    document the act brought in (the related entry's, or the entry's own)."""
    related = RegisterEntry.__table__.alias("related")
    related_doc = Document.__table__.alias("related_doc")
    own_doc = Document.__table__.alias("own_doc")
    related_batch = Batch.__table__.alias("related_batch")
    own_batch = Batch.__table__.alias("own_batch")
    entry = RegisterEntry.__table__
    query = (select(RegisterAct.id, RegisterAct.act, RegisterAct.at, RegisterAct.reason, RegisterAct.decision,
                    RegisterAct.tx_hash, RegisterAct.block_number, entry.c.year, entry.c.number,
                    entry.c.serial_number, entry.c.register_number, entry.c.holder_name, entry.c.holder_birth_date,
                    entry.c.document_id, own_doc.c.leaf, own_batch.c.root, own_batch.c.tx_hash.label("anchor_tx"),
                    own_batch.c.block_number.label("anchor_block"),
                    related.c.document_id.label("related_document_id"), related.c.number.label("related_number"),
                    related.c.year.label("related_year"), related_doc.c.leaf.label("related_leaf"),
                    related_batch.c.root.label("related_root"), related_batch.c.tx_hash.label("related_anchor_tx"),
                    related_batch.c.block_number.label("related_anchor_block"))
             .select_from(RegisterAct.__table__)
             .join(entry, entry.c.id == RegisterAct.entry_id)
             .join(own_doc, own_doc.c.id == entry.c.document_id)
             .outerjoin(own_batch, own_batch.c.id == own_doc.c.batch_id)
             .outerjoin(related, related.c.id == RegisterAct.related_id)
             .outerjoin(related_doc, related_doc.c.id == related.c.document_id)
             .outerjoin(related_batch, related_batch.c.id == related_doc.c.batch_id)
             .where(RegisterAct.authority_code == authority_code, RegisterAct.id > after)
             .order_by(RegisterAct.id).limit(limit))
    hexed = lambda v: Hash32(v).hex0x if v else None  # noqa: E731
    out = []
    for r in session.execute(query).mappings():
        own_tx = r["tx_hash"]
        by_related = r["related_document_id"] is not None
        evidence_tx = own_tx or (r["related_anchor_tx"] if by_related else r["anchor_tx"])
        evidence_block = r["block_number"] if own_tx else (r["related_anchor_block"] if by_related
                                                           else r["anchor_block"])
        out.append({
            "id": r["id"], "act": r["act"], "at": r["at"].isoformat() + "Z", "reason": r["reason"],
            "decision": r["decision"],
            "entry": {"year": r["year"], "number": r["number"], "serial_number": r["serial_number"],
                      "register_number": r["register_number"], "holder_name": r["holder_name"],
                      "holder_birth_date": r["holder_birth_date"], "document_id": r["document_id"],
                      "leaf": hexed(r["leaf"]), "root": hexed(r["root"])},
            "related": None if r["related_document_id"] is None else {
                "year": r["related_year"], "number": r["related_number"], "document_id": r["related_document_id"],
                "leaf": hexed(r["related_leaf"]), "root": hexed(r["related_root"])},
            "evidence": {"tx_hash": hexed(evidence_tx), "block_number": evidence_block,
                         "kind": "act" if own_tx else "anchor"},
        })
    return out


def lineage(session: Session, document_id: str) -> list[dict[str, Any]] | None:
    """A diploma's whole history for verifiers: every version from the first entry to the current
    one, each with its copies, as ``{document_id, kind, year, number, register_number, leaf, root,
    refers_to, acts: [{act, reason, decision, at}]}``. None when the document has no entry.

    Nothing here needs to be trusted: a verifier reads each version's status from the chain by its
    leaf and root, and matches an on-chain supersession to the version whose leaf it names."""
    start = entry_of(session, document_id)
    if start is None:
        return None
    if start.kind == EntryKind.COPY.value and start.refers_to is not None:
        start = start.refers_to  # a copy's history is the history of the entry it copies
    first = start
    while first.kind in REPLACING_KINDS and first.refers_to is not None:
        first = first.refers_to
    versions, current = [], first
    while current is not None:
        versions.append(current)
        current = service.replacement_of(session, current)
    copies = list(session.scalars(select(RegisterEntry).where(
        RegisterEntry.refers_to_id.in_([v.id for v in versions]), RegisterEntry.kind == EntryKind.COPY.value)
        .order_by(RegisterEntry.id)))
    every = versions + copies
    acts = acts_of(session, [e.id for e in every])
    return [_version(e, acts.get(e.id, [])) for e in every]


def _version(e: RegisterEntry, acts: list[RegisterAct]) -> dict[str, Any]:
    doc = e.document
    anchored = doc.batch is not None and doc.batch.state == "anchored"
    return {
        "document_id": e.document_id, "kind": e.kind, "authority": e.authority_code, "year": e.year,
        "number": e.number, "register_number": e.register_number, "serial_number": e.serial_number,
        "leaf": Hash32(doc.leaf).hex0x, "root": Hash32(doc.batch.root).hex0x if anchored else None,
        "refers_to": e.refers_to.document_id if e.refers_to is not None else None,
        "decision": e.decision,
        "acts": [{"act": a.act, "reason": a.reason, "decision": a.decision, "at": a.at.isoformat() + "Z",
                  "related": a.related.document_id if a.related is not None else None} for a in acts],
    }


def document_evidence(doc: Document, chain: service.ChainInfo) -> dict[str, Any]:
    """:func:`registry.service.evidence` and, for a document in a master register, its diploma's
    ``history`` (:func:`lineage`): what ``GET /api/v1/documents/{id}/evidence`` answers."""
    session = object_session(doc)
    history = lineage(session, doc.id) if session is not None else None
    return {**service.evidence(doc, chain), "history": history or []}


def evidence_by_id(session: Session, document_id: str, chain: service.ChainInfo) -> dict[str, Any] | None:
    """:func:`document_evidence` of ``document_id`` (None if unknown), read with one query
    (:func:`registry.service.evidence_by_id`); the history's queries only for a document in a
    master register. What the verifier reads on every upload and the evidence API answers."""
    found = service.evidence_by_id(session, document_id, chain)
    if found is None:
        return None
    evidence, in_register = found
    history = lineage(session, document_id) if in_register else None
    return {**evidence, "history": history or []}
