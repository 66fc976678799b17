"""analysis: key phrases per question and language, computed once and kept

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import forum.models.types

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'analysis_themes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('discussion_id', sa.Integer(), nullable=False),
        sa.Column('question_number', sa.Integer(), nullable=True),
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column('phrase', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('posts', sa.Integer(), nullable=False),
        sa.Column('computed_at', forum.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['discussion_id'],
            ['discussions.id'],
            name=op.f('fk_analysis_themes_discussion_id_discussions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_themes')),
    )
    op.create_index(
        'ix_analysis_themes_discussion',
        'analysis_themes',
        ['discussion_id', 'question_number'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_analysis_themes_discussion', table_name='analysis_themes')
    op.drop_table('analysis_themes')
