"""link requests, how an account was linked, members who left, why a tombstone was left

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 07:09:16.250730
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('left_members',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('removed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_left_members'))
    )
    op.create_table('link_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('requester_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('telegram_name', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_link_requests_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requester_id'], ['members.id'], name=op.f('fk_link_requests_requester_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_requests'))
    )
    with op.batch_alter_table('link_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_requests_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_requests_requester_id'), ['requester_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('linked_by', sa.String(length=10), nullable=True))
    with op.batch_alter_table('tombstones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=10), server_default='erased', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('tombstones', schema=None) as batch_op:
        batch_op.drop_column('reason')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('linked_by')

    with op.batch_alter_table('link_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_requests_requester_id'))
        batch_op.drop_index(batch_op.f('ix_link_requests_member_id'))

    op.drop_table('link_requests')
    op.drop_table('left_members')
