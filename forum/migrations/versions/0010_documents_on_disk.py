"""documents on disk: each document's bytes move from the database to the data directory

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

The data directory is the one `forum migrate` was given (`data_dir` in the Alembic config's
attributes), else FORUM_DATA_DIR. Files go to documents/<discussion id>/<token>.<extension>
and are written before the rows name them; if the upgrade fails, the files it wrote are
removed again. The downgrade reads the files back into the rows (and leaves them on disk).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

documents = sa.table(
    'documents',
    sa.column('id', sa.Integer()),
    sa.column('discussion_id', sa.Integer()),
    sa.column('filename', sa.String()),
    sa.column('content', sa.LargeBinary()),
    sa.column('stored_path', sa.String()),
    sa.column('sha256', sa.String()),
)
_EXTENSION = re.compile(r'\.([A-Za-z0-9]{1,8})$')


def _data_dir() -> Path:
    given = context.config.attributes.get('data_dir')
    if given:
        return Path(given)
    from forum.settings import Settings

    return Settings.from_environ().data_dir


def _write(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix='.upload-', suffix='.part')
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_path', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    connection = op.get_bind()
    ids = connection.execute(sa.select(documents.c.id).order_by(documents.c.id)).scalars().all()
    written: list[Path] = []
    try:
        data_dir = _data_dir() if ids else Path('.')
        for document_id in ids:
            row = connection.execute(
                sa.select(documents.c.discussion_id, documents.c.filename, documents.c.content)
                .where(documents.c.id == document_id)
            ).one()
            content = bytes(row.content)
            match = _EXTENSION.search(row.filename or '')
            extension = match.group(1).lower() if match else 'bin'
            relative = f'documents/{row.discussion_id}/{secrets.token_urlsafe(18)}.{extension}'
            _write(data_dir / relative, content)
            written.append(data_dir / relative)
            connection.execute(
                documents.update()
                .where(documents.c.id == document_id)
                .values(stored_path=relative, sha256=hashlib.sha256(content).hexdigest())
            )
        with op.batch_alter_table('documents', schema=None) as batch_op:
            batch_op.alter_column('stored_path', existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False)
            batch_op.alter_column('sha256', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
            batch_op.drop_column('content')
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(documents.c.id, documents.c.stored_path).order_by(documents.c.id)
    ).all()
    data_dir = _data_dir() if rows else Path('.')
    for document_id, stored_path in rows:
        path = data_dir / stored_path
        content = path.read_bytes() if path.is_file() else b''
        connection.execute(
            documents.update().where(documents.c.id == document_id).values(content=content)
        )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('content', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('sha256')
        batch_op.drop_column('stored_path')
