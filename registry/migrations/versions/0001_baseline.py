"""Baseline: the registry's schema as ``create_all`` made it before migrations existed.

A database made then (tables, no ``alembic_version``) is stamped at this revision by
:func:`registry.schema.upgrade`, not created again; its constraints may be unnamed there.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('institutions',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=64), nullable=True),
    sa.Column('chain_address', sa.String(length=42), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['institutions.code'], name=op.f('fk_institutions_parent_code_institutions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_institutions')),
    sa.UniqueConstraint('chain_address', name=op.f('uq_institutions_chain_address'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('batches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('issuer_code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Integer(), nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.Column('leaf_count', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('tx_hash', sa.LargeBinary(length=32), nullable=True),
    sa.Column('block_number', sa.Integer(), nullable=True),
    sa.Column('block_time', sa.Integer(), nullable=True),
    sa.Column('sealed_at', sa.DateTime(), nullable=False),
    sa.Column('anchored_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['issuer_code'], ['institutions.code'], name=op.f('fk_batches_issuer_code_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('root', name=op.f('uq_batches_root'))
    )
    op.create_table('documents',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('kind', sa.Integer(), nullable=False),
    sa.Column('issuer_code', sa.String(length=64), nullable=False),
    sa.Column('credential', sa.LargeBinary(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.LargeBinary(length=32), nullable=False),
    sa.Column('data_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('leaf', sa.LargeBinary(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('proof', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_documents_batch_id_batches')),
    sa.ForeignKeyConstraint(['issuer_code'], ['institutions.code'], name=op.f('fk_documents_issuer_code_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('leaf', name=op.f('uq_documents_leaf'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_state_issuer', ['state', 'issuer_code'], unique=False)

    op.create_table('revocations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('document_id', sa.String(length=26), nullable=False),
    sa.Column('reason', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('decision_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('revoked_by', sa.String(length=64), nullable=False),
    sa.Column('tx_hash', sa.LargeBinary(length=32), nullable=True),
    sa.Column('block_number', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_revocations_document_id_documents')),
    sa.ForeignKeyConstraint(['revoked_by'], ['institutions.code'], name=op.f('fk_revocations_revoked_by_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revocations')),
    sa.UniqueConstraint('document_id', name=op.f('uq_revocations_document_id'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('revocations')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_state_issuer')

    op.drop_table('documents')
    op.drop_table('batches')
    op.drop_table('settings')
    op.drop_table('institutions')
