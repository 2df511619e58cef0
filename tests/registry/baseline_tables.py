"""The registry's tables as ``create_all`` made them before migrations (commit 5b36610), frozen.

Tests build "a database made by the old code" from these, fill it, upgrade it and check every
row survived. Never edit them to follow registry/models.py: they are history.
"""

from sqlalchemy import (JSON, Column, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table,
                        Text, UniqueConstraint)

metadata = MetaData()

institutions = Table(
    "institutions", metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_code", ForeignKey("institutions.code")),
    Column("chain_address", String(42), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)

batches = Table(
    "batches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issuer_code", ForeignKey("institutions.code"), nullable=False),
    Column("kind", Integer, nullable=False),
    Column("root", LargeBinary(32), nullable=False, unique=True),
    Column("leaf_count", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("tx_hash", LargeBinary(32)),
    Column("block_number", Integer),
    Column("block_time", Integer),
    Column("sealed_at", DateTime, nullable=False),
    Column("anchored_at", DateTime),
)

documents = Table(
    "documents", metadata,
    Column("id", String(26), primary_key=True),
    Column("kind", Integer, nullable=False),
    Column("issuer_code", ForeignKey("institutions.code"), nullable=False),
    Column("credential", LargeBinary, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("pdf_sha256", LargeBinary(32), nullable=False),
    Column("data_hash", LargeBinary(32), nullable=False),
    Column("leaf", LargeBinary(32), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("batch_id", ForeignKey("batches.id")),
    Column("proof", LargeBinary),
    Column("created_at", DateTime, nullable=False),
    Index("ix_documents_state_issuer", "state", "issuer_code"),
)

revocations = Table(
    "revocations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("reason", Integer, nullable=False),
    Column("decision", Text, nullable=False),
    Column("decision_hash", LargeBinary(32), nullable=False),
    Column("revoked_by", ForeignKey("institutions.code"), nullable=False),
    Column("tx_hash", LargeBinary(32)),
    Column("block_number", Integer),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("document_id"),
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
)
