"""keyed hash of Telegram ids: a secret made on first start; old refusals marked sha256

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 04:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'secrets',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_secrets')),
    )
    with op.batch_alter_table('consent_refusals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hash_kind', sa.String(length=10), server_default='sha256', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('consent_refusals', schema=None) as batch_op:
        batch_op.drop_column('hash_kind')
    op.drop_table('secrets')
