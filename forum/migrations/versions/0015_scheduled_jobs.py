"""scheduled jobs: the scheduler's last runs and leases

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import forum.models.types

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'scheduled_jobs',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('last_run_at', forum.models.types.UTCDateTime(), nullable=True),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('lease_until', forum.models.types.UTCDateTime(), nullable=True),
        sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_jobs')),
    )


def downgrade() -> None:
    op.drop_table('scheduled_jobs')
