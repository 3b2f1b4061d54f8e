"""leader training as records: the offer when a member reaches the rounds threshold, and their yes

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-28 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('leader_training',
    sa.Column('id', ID, nullable=False),
    sa.Column('member_id', ID, nullable=False),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('offered_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_leader_training_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leader_training')),
    sa.UniqueConstraint('member_id', name=op.f('uq_leader_training_member_id'))
    )
    op.create_index(op.f('ix_leader_training_offered_at'), 'leader_training', ['offered_at'], unique=False)
    op.create_index(op.f('ix_leader_training_accepted_at'), 'leader_training', ['accepted_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_leader_training_accepted_at'), table_name='leader_training')
    op.drop_index(op.f('ix_leader_training_offered_at'), table_name='leader_training')
    op.drop_table('leader_training')
