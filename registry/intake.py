"""Document intake: one document or many, all or nothing, idempotent, refused before any anchor
would be wasted.

Per document the work is small on purpose (a bulk submission of 100,000 documents must be
accepted in seconds): decode the PDF, hash it, compare with the hash the client states, build the
credential's canonical form and its leaf. No PDF parsing and no signature validation here: the
verifier does that, and an anchor of a bad PDF proves only that this PDF was submitted. Then, per
request, one SELECT of the ids already stored, one INSERT executemany and one audit line, in one
transaction.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.chain import InstitutionRecord
from core.credential import Credential
from core.diploma import CertifiedCopy, Diploma
from core.errors import InvalidInput, SogocError
from core.hashes import Hash32, sha256
from core.merkle import leaf_hash
from core.status import AnchorState, DocumentKind
from registry.audit import Acting
from registry.errors import (BulkRejected, DocumentConflict, IssuerInactive, NotAnAuthority, NotYourIssuer,
                             PayloadTooLarge, UnknownIssuer)
from registry.models import Document, Institution, utcnow
from registry.permissions import AUTHORITY, ISSUER, may_submit_for

MAX_PDF_BYTES = 20 * 1024 * 1024
_ITEM_KEYS = {"credential", "pdf_base64", "pdf_sha256"}
_SELECT_CHUNK = 500

#: The issuer as the contract holds it, by institution code (core.chain.RegistryReader.institution).
IssuerLookup = Callable[[str], InstitutionRecord]


@dataclass(frozen=True)
class Submission:
    """One document as a client sends it: the credential, the signed PDF, and the PDF's SHA-256."""

    credential: Credential
    pdf: bytes
    pdf_sha256: Hash32


@dataclass(frozen=True)
class Accepted:
    document_id: str
    state: str
    #: False when the same document was already stored (a replay): nothing new was written.
    created: bool


def parse_submission(item: Any, max_pdf_bytes: int = MAX_PDF_BYTES) -> Submission:
    """One item of a request body, checked: ``{"credential": {...}, "pdf_base64": "...", "pdf_sha256": "hex"}``."""
    if not isinstance(item, dict) or item.keys() != _ITEM_KEYS:
        raise InvalidInput("a document is an object with exactly credential, pdf_base64 and pdf_sha256",
                           code="bad_document")
    encoded, stated = item["pdf_base64"], item["pdf_sha256"]
    if not isinstance(encoded, str) or not isinstance(stated, str):
        raise InvalidInput("pdf_base64 and pdf_sha256 are strings", code="bad_document")
    if len(encoded) > (max_pdf_bytes + 2) // 3 * 4:
        raise PayloadTooLarge(f"the PDF is larger than {max_pdf_bytes} bytes")
    try:
        pdf = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("pdf_base64 is not base64", code="bad_base64") from None
    if not pdf.startswith(b"%PDF-"):
        raise InvalidInput("the file is not a PDF", code="not_a_pdf")
    stated_hash = Hash32.from_hex(stated)
    actual = sha256(pdf)
    if actual != stated_hash:
        raise InvalidInput(f"the PDF's SHA-256 is {actual.hex()}, not the stated {stated_hash.hex()}",
                           code="hash_mismatch")
    return Submission(Credential.from_obj(item["credential"]), pdf, actual)


def parse_items(items: Any, max_items: int, max_pdf_bytes: int = MAX_PDF_BYTES) -> list[Submission | SogocError]:
    """Every item of a bulk body, checked: a Submission, or the error of a bad item (kept in its
    place, so that :func:`submit` reports it with its index beside any other problem)."""
    if not isinstance(items, list) or not items:
        raise InvalidInput("documents is a non-empty list", code="bad_document")
    if len(items) > max_items:
        raise PayloadTooLarge(f"at most {max_items} documents per request, not {len(items)}")
    parsed: list[Submission | SogocError] = []
    for item in items:
        try:
            parsed.append(parse_submission(item, max_pdf_bytes))
        except SogocError as e:
            parsed.append(e)
    return parsed


def _rejected(errors: list[tuple[int, SogocError]]) -> BulkRejected:
    return BulkRejected(f"{len(errors)} document(s) refused; nothing was stored",
                        [{"index": i, "code": e.code, "detail": e.detail} for i, e in errors])


def check_issuer_on_chain(code: str, issuers: IssuerLookup, now: int | None = None) -> None:
    """Refuse what the contract would refuse at anchoring time: an issuer unknown to it, suspended,
    or outside its period. Checked at intake so that no anchor is wasted on it."""
    record = issuers(code)
    now = int(time.time()) if now is None else now
    if not record.registered:
        raise IssuerInactive(f"{code} is not registered on the chain", code="issuer_not_on_chain")
    if record.suspended:
        raise IssuerInactive(f"{code} is suspended on the chain", code="issuer_suspended")
    if now < record.valid_from:
        raise IssuerInactive(f"{code} may anchor from {record.valid_from} (unix time) on", code="issuer_not_yet_valid")
    if record.valid_until and now > record.valid_until:
        raise IssuerInactive(f"{code}'s period ended at {record.valid_until} (unix time)", code="issuer_expired")


def submit(session: Session, actor: Institution, submissions: Sequence[Submission | SogocError], acting: Acting, *,
           issuers: IssuerLookup | None, action: str = "document.submit") -> list[Accepted]:
    """Store every submission (state ``pending``) or none, in one transaction with its audit line.

    Raises the one error of a single submission, or BulkRejected listing every bad item of many
    (an item may arrive as the error found when parsing it). A document stored before with the
    same content is returned, not written again; the same id with other content is
    ``document_conflict``. ``issuers`` reads the contract (None: not checked, for in-process
    callers beside the registry; the contract still refuses at anchoring time).
    """
    if actor.kind not in (ISSUER, AUTHORITY):
        raise InvalidInput(f"{actor.code} does not issue documents", code="not_an_issuer")
    errors: list[tuple[int, SogocError]] = []
    valid: list[tuple[int, Submission]] = []
    named = {s.credential.issuer for s in submissions if isinstance(s, Submission)}
    known = set(session.scalars(select(Institution.code).where(Institution.code.in_(named))))
    for index, s in enumerate(submissions):
        if isinstance(s, SogocError):
            errors.append((index, s))
        elif s.credential.issuer not in known:
            errors.append((index, UnknownIssuer(f"no issuer with code {s.credential.issuer!r}")))
        elif not may_submit_for(actor, s.credential.issuer):
            errors.append((index, NotYourIssuer(f"{actor.code} may not submit documents of {s.credential.issuer}")))
        elif (problem := _content_problem(actor, s.credential)) is not None:
            errors.append((index, problem))
        else:
            valid.append((index, s))
    if issuers is not None:
        check_issuer_on_chain(actor.code, issuers)
    for attempt in (1, 2):
        rows, accepted, conflicts = _rows(session, valid)
        if errors or conflicts:
            raise _one_or_all(sorted(errors + conflicts, key=lambda e: e[0]), len(submissions))
        if rows:
            session.execute(insert(Document.__table__), rows)
        single = len(submissions) == 1
        session.add(acting.line(action, target=accepted[0].document_id if single else actor.code,
                                subject=actor.code, count=None if single else len(submissions)))
        try:
            session.commit()
            return accepted
        except IntegrityError:  # a concurrent request stored one of these ids meanwhile: look again
            session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _content_problem(actor: Institution, credential: Credential) -> SogocError | None:
    """Diplomas and certified copies come from an authority's master register, and their fields
    must be a diploma's (core.diploma): refused here rather than found wrong when entered."""
    if credential.kind not in (DocumentKind.DIPLOMA, DocumentKind.CERTIFIED_COPY):
        return None
    if actor.kind != AUTHORITY:
        return NotAnAuthority(f"{actor.code} is a school: diplomas and certified copies are issued by authorities")
    try:
        (Diploma if credential.kind is DocumentKind.DIPLOMA else CertifiedCopy).from_fields(credential.fields)
    except InvalidInput as e:
        return e
    return None


def _one_or_all(errors: list[tuple[int, SogocError]], total: int) -> SogocError:
    return errors[0][1] if total == 1 else _rejected(errors)


def _rows(session: Session, submissions: Sequence[tuple[int, Submission]]) -> tuple[list[dict], list[Accepted], list]:
    """The rows to insert, the answer per submission, and the conflicts."""
    ids = [s.credential.id for _i, s in submissions]
    stored: dict[str, bytes] = {}
    states: dict[str, str] = {}
    for start in range(0, len(ids), _SELECT_CHUNK):
        chunk = ids[start:start + _SELECT_CHUNK]
        for doc_id, leaf, state in session.execute(select(Document.id, Document.leaf, Document.state)
                                                   .where(Document.id.in_(chunk))):
            stored[doc_id], states[doc_id] = leaf, state
    now, pending = utcnow(), AnchorState.PENDING.value
    rows: list[dict] = []
    accepted: list[Accepted] = []
    errors: list[tuple[int, SogocError]] = []
    for index, s in submissions:
        c = s.credential
        data_hash = sha256(c.to_json())
        leaf = bytes(leaf_hash(data_hash, s.pdf_sha256))
        before = stored.get(c.id)
        if before is not None:
            if before != leaf:
                errors.append((index, DocumentConflict(f"document {c.id} was already submitted with other content")))
            else:
                accepted.append(Accepted(c.id, states.get(c.id, pending), False))
            continue
        stored[c.id] = leaf  # the same id twice in one request: the second is a replay or a conflict
        rows.append({"id": c.id, "kind": int(c.kind), "issuer_code": c.issuer, "credential": c.to_json(),
                     "pdf": s.pdf, "pdf_sha256": bytes(s.pdf_sha256), "data_hash": bytes(data_hash), "leaf": leaf,
                     "state": pending, "created_at": now})
        accepted.append(Accepted(c.id, pending, True))
    return rows, accepted, errors
