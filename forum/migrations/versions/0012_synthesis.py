"""synthesis: a discussion's synthesis per language, drafted then published, and its history

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import forum.models.types


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('syntheses',
    sa.Column('discussion_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', forum.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('published_at', forum.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['discussion_id'], ['discussions.id'], name=op.f('fk_syntheses_discussion_id_discussions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_syntheses_updated_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_syntheses_published_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('discussion_id', name=op.f('pk_syntheses'))
    )
    op.create_table('synthesis_texts',
    sa.Column('discussion_id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('published_source', sa.Text(), nullable=False),
    sa.Column('published_html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['discussion_id'], ['discussions.id'], name=op.f('fk_synthesis_texts_discussion_id_discussions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('discussion_id', 'language', name=op.f('pk_synthesis_texts'))
    )
    op.create_table('synthesis_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('discussion_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=16), nullable=False),
    sa.Column('created_at', forum.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_synthesis_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['discussion_id'], ['discussions.id'], name=op.f('fk_synthesis_events_discussion_id_discussions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synthesis_events'))
    )
    with op.batch_alter_table('synthesis_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_synthesis_events_discussion_id'), ['discussion_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('synthesis_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_synthesis_events_discussion_id'))
    op.drop_table('synthesis_events')
    op.drop_table('synthesis_texts')
    op.drop_table('syntheses')
