"""posts pending edits: an edit of a published post waits beside the published text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import forum.models.types


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_source', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('pending_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('pending_language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True))
        batch_op.add_column(sa.Column('pending_at', forum.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('pending_at')
        batch_op.drop_column('pending_language')
        batch_op.drop_column('pending_html')
        batch_op.drop_column('pending_source')
