"""posts export index: a discussion's posts by id, for exports read in keyset batches

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_discussion_export', ['discussion_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_discussion_export')
