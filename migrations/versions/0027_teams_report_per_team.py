"""each team of a round files its own report: round_reports gets team_id (unique per round and team);
an existing report becomes the round's first team's report

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-28 19:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('round_reports') as batch_op:
        batch_op.add_column(sa.Column('team_id', models.base.ID, nullable=True))
        batch_op.drop_constraint('uq_round_reports_round_id', type_='unique')
        batch_op.create_foreign_key(op.f('fk_round_reports_team_id_round_teams'), 'round_teams', ['team_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_unique_constraint('uq_round_reports_round_id_team_id', ['round_id', 'team_id'])
        batch_op.create_index(op.f('ix_round_reports_round_id'), ['round_id'], unique=False)
        batch_op.create_index(op.f('ix_round_reports_team_id'), ['team_id'], unique=False)
    op.execute("UPDATE round_reports SET team_id = (SELECT min(round_teams.id) FROM round_teams "
               "WHERE round_teams.round_id = round_reports.round_id)")


def downgrade() -> None:
    # Only the first report of a round is kept (the one filed first).
    op.execute("DELETE FROM round_reports WHERE id NOT IN (SELECT min(id) FROM round_reports GROUP BY round_id)")
    with op.batch_alter_table('round_reports') as batch_op:
        batch_op.drop_index(op.f('ix_round_reports_team_id'))
        batch_op.drop_index(op.f('ix_round_reports_round_id'))
        batch_op.drop_constraint('uq_round_reports_round_id_team_id', type_='unique')
        batch_op.drop_constraint(op.f('fk_round_reports_team_id_round_teams'), type_='foreignkey')
        batch_op.create_unique_constraint('uq_round_reports_round_id', ['round_id'])
        batch_op.drop_column('team_id')
