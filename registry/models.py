"""Database tables of the registry (SQLAlchemy 2). SQLite by default, PostgreSQL in production.

The registry is the system of record between schools and the chain: a document is stored
first (state ``pending``), sealed into a batch whose Merkle root is stored before any
transaction is sent (``anchoring``), and marked ``anchored`` once the root is on chain with
enough confirmations. Each transaction is stored (:class:`AnchorTransaction`) before it is
broadcast. See docs/anchoring.md.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


#: Block numbers, block times (unix seconds) and nonces: BIGINT on PostgreSQL (INTEGER ends in 2038
#: for times); SQLite's INTEGER is 64-bit already (migration 0005).
Int64 = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


#: Every constraint and index gets a predictable name, the same on SQLite and PostgreSQL, so that a
#: migration can name what it alters or drops (SQLite's batch mode rebuilds a table and needs the names).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The registry's tables. The schema itself is made by the migrations (:mod:`registry.schema`),
    never by ``create_all``; a test checks that the two agree."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Institution(Base):
    """The Ministry, an authority (Sở/Phòng GDĐT, exam office) or an issuer (school)."""

    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # "ministry" | "authority" | "issuer"
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("institutions.code"))
    chain_address: Mapped[str] = mapped_column(String(42), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped["Institution | None"] = relationship(remote_side=[code])


class Batch(Base):
    """One Merkle tree of one issuer's documents, anchored by one transaction.

    States: ``sealed`` (root and proofs stored, no live transaction), ``anchoring`` (a stored
    transaction is being broadcast and tracked), ``anchored`` (confirmed; proofs published).
    """

    __tablename__ = "batches"
    __table_args__ = (Index("ix_batches_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    kind: Mapped[int] = mapped_column(Integer)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    leaf_count: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="sealed")  # sealed | anchoring | anchored
    tx_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    block_number: Mapped[int | None] = mapped_column(Int64)
    block_time: Mapped[int | None] = mapped_column(Int64)  # unix seconds, from the block (past 2038)
    #: Hash of the anchoring block: a different hash at that height later means a reorganisation.
    block_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    #: Why the last attempt failed (a stable error code and message), for operators; None once it works.
    last_error: Mapped[str | None] = mapped_column(Text)
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)
    anchored_at: Mapped[datetime | None] = mapped_column()

    documents: Mapped[list["Document"]] = relationship(back_populates="batch")


class AnchorTransaction(Base):
    """One signed ``anchor`` transaction of a batch, stored (and committed) before it is broadcast.

    A crash at any point leaves either no transaction (the batch is ``sealed``: a new one is
    built) or this row, whose raw bytes are re-broadcast as they are: same hash, same nonce, so
    the node and the chain recognise it. States: ``stored`` (maybe not broadcast), ``sent``
    (the node accepted it), ``mined`` (a receipt names a block), ``abandoned`` (its nonce went
    to another transaction, or it reverted: the batch needs a new one).
    """

    __tablename__ = "anchor_transactions"
    __table_args__ = (Index("ix_anchor_transactions_batch", "batch_id"),
                      Index("ix_anchor_transactions_state", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    sender: Mapped[str] = mapped_column(String(42))
    nonce: Mapped[int] = mapped_column(Int64)
    tx_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default="stored")
    block_number: Mapped[int | None] = mapped_column(Int64)
    block_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class Document(Base):
    """A signed document as received: its credential, its PDF and where it stands."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_state_issuer", "state", "issuer_code"),
                      Index("ix_documents_batch", "batch_id"))

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    kind: Mapped[int] = mapped_column(Integer)
    issuer_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    credential: Mapped[bytes] = mapped_column(LargeBinary)  # canonical JSON, with salts
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when asked for
    pdf_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    data_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    #: Merkle proof: the siblings, concatenated 32-byte words.
    proof: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch | None] = relationship(back_populates="documents")
    revocation: Mapped["Revocation | None"] = relationship(back_populates="document")


class Revocation(Base):
    """A revocation (thu hồi) or cancellation (hủy bỏ) of one document, by a decision, recorded on chain."""

    __tablename__ = "revocations"
    __table_args__ = (UniqueConstraint("document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    reason: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(Text)  # the decision reference as written
    decision_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    revoked_by: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    #: A cancellation (hủy bỏ, ``cancel`` on chain) rather than a revocation (thu hồi).
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    tx_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    block_number: Mapped[int | None] = mapped_column(Int64)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="revocation")


class RegisterEntry(Base):
    """One line of an authority's master register (sổ gốc cấp văn bằng) of one year.

    Numbered 1, 2, 3... per authority and year without gaps, and append-only: database triggers
    refuse an UPDATE, a DELETE and an INSERT whose number is not the next one (the migration
    that makes the table). Every entry records one anchored document; what later happens to it
    (a correction, a revocation, a copy) is a :class:`RegisterAct`, never a change of the entry.
    The holder's name and birth date are repeated here, as the paper register does, for the
    disclosure search (never on chain, never in logs). See docs/master-register.md.
    """

    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("authority_code", "year", "number"),
                      Index("ix_register_entries_serial", "authority_code", "serial_number"),
                      Index("ix_register_entries_holder", "authority_code", "holder_name", "holder_birth_date"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # core.status.EntryKind
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), unique=True)
    #: The entry this one replaces (correction, re-issue) or copies (copy).
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("register_entries.id"))
    serial_number: Mapped[str] = mapped_column(String(64))  # số hiệu
    #: What the document prints as its register number: the diploma's số vào sổ gốc, a copy's số bản sao.
    register_number: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_birth_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    #: The decision of a correction or re-issue; None for an original, a legacy entry or a copy.
    decision: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship()
    refers_to: Mapped["RegisterEntry | None"] = relationship(remote_side=[id])


class RegisterAct(Base):
    """One act on a register entry, the public disclosure's line: issued, legacy_entered,
    corrected, revoked, cancelled, reissued, copied (core.status.RegisterAct).

    Append-only (triggers, as for the audit log). ``tx_hash``/``block_number`` are the chain
    transaction of the act itself (supersede, revoke, cancel); for ``issued``, ``legacy_entered``,
    ``reissued`` and ``copied`` the evidence is the anchor of the (new) entry's document, one join
    away (``related`` or ``entry`` -> document -> batch).
    """

    __tablename__ = "register_acts"
    __table_args__ = (Index("ix_register_acts_authority", "authority_code", "id"),
                      Index("ix_register_acts_entry", "entry_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("register_entries.id"))
    act: Mapped[str] = mapped_column(String(16))
    #: The other entry of the act: the correction or re-issue that replaces ``entry``, the copy made of it.
    related_id: Mapped[int | None] = mapped_column(ForeignKey("register_entries.id"))
    reason: Mapped[int | None] = mapped_column(Integer)  # core.status.RevocationReason
    decision: Mapped[str | None] = mapped_column(Text)
    decision_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    actor_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    tx_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    block_number: Mapped[int | None] = mapped_column(Int64)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[RegisterEntry] = relationship(foreign_keys=[entry_id])
    related: Mapped[RegisterEntry | None] = relationship(foreign_keys=[related_id])


class Setting(Base):
    """Small key/value facts of this registry (e.g. the contract it anchors to)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)


class ApiKey(Base):
    """An institution's API key. The token is shown once; only the SHA-256 of its secret is kept.

    ``key_id`` is the public half of the token (``sgk_<key_id>_<secret>``): the key is found by it,
    then the secret's hash is compared in constant time. Why a fast hash: docs/registry-api.md.
    A key works while it is neither revoked nor past ``expires_at`` (set on the old key when a
    rotation gives it an overlap).
    """

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_institution", "institution_code"),)

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    secret_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    #: The key that replaced this one in a rotation.
    replaced_by: Mapped[str | None] = mapped_column(String(16))


class AuditEntry(Base):
    """One line of the append-only audit log: who did what to which target, when, and how it ended.

    Ids and codes only, never names or document content. ``subject_code`` is the institution the
    target belongs to (the document's issuer, the key's institution): an authority reads the
    entries whose actor or subject is itself or one of its issuers. Refusals are written too,
    with their error code, in a transaction of their own after the refused work is rolled back.
    UPDATE and DELETE are refused by database triggers, made by the migration that made the table
    (registry/migrations/versions/0002_api_keys_audit_log.py).
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_actor", "actor_code", "id"), Index("ix_audit_subject", "subject_code", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    request_id: Mapped[str] = mapped_column(String(64))
    #: The institution acting; None when the request could not be authenticated.
    actor_code: Mapped[str | None] = mapped_column(String(64))
    #: The API key used, or "cli" for a command run on the registry's host.
    key_id: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))  # document.submit, document.revoke, key.rotate...
    target: Mapped[str | None] = mapped_column(String(64))  # a document id, a key id, an institution code
    subject_code: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(8))  # ok | refused
    code: Mapped[str | None] = mapped_column(String(48))  # the error code of a refusal
    #: How many documents a bulk submission carried.
    count: Mapped[int | None] = mapped_column(Integer)
