"""search: the full-text index of posts and of discussions' texts and questions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

SQLite: two FTS5 tables of Snowball stems (accents folded), filled in Python.
PostgreSQL: the `unaccent` extension, one text search configuration per language
(`forum_en`, `forum_es`, `forum_fr`: the language's Snowball stemmer after `unaccent`), two
tables of `tsvector`s behind GIN indexes. Both are filled from what is stored now, with the
statements the services use (`forum.search.indexing`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SNOWBALL = {"en": "english", "es": "spanish", "fr": "french"}
_BATCH = 500


def _postgres() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for code, name in _SNOWBALL.items():
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS forum_{code}")
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION forum_{code} (COPY = pg_catalog.{name})")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION forum_{code} ALTER MAPPING FOR "
            f"hword, hword_part, word WITH unaccent, {name}_stem"
        )
    op.execute(
        "CREATE TABLE post_search (post_id INTEGER PRIMARY KEY REFERENCES posts (id) "
        "ON DELETE CASCADE, language VARCHAR(5) NOT NULL, body TSVECTOR NOT NULL)"
    )
    op.execute("CREATE INDEX ix_post_search_body ON post_search USING GIN (body)")
    op.execute(
        "CREATE TABLE text_search (id SERIAL PRIMARY KEY, discussion_id INTEGER NOT NULL "
        "REFERENCES discussions (id) ON DELETE CASCADE, question_id INTEGER "
        "REFERENCES questions (id) ON DELETE CASCADE, language VARCHAR(5) NOT NULL, "
        "body TSVECTOR NOT NULL)"
    )
    op.execute("CREATE INDEX ix_text_search_body ON text_search USING GIN (body)")
    op.execute("CREATE INDEX ix_text_search_discussion ON text_search (discussion_id)")


def _sqlite() -> None:
    # Stems are made in Python; FTS5 only splits them. `language` is matched as a column.
    tokenizer = "tokenize = 'unicode61 remove_diacritics 0'"
    op.execute(f"CREATE VIRTUAL TABLE post_search USING fts5(language, body, {tokenizer})")
    op.execute(
        "CREATE VIRTUAL TABLE text_search USING fts5(language, body, "
        f"discussion_id UNINDEXED, question_id UNINDEXED, {tokenizer})"
    )


def _fill(dialect: str) -> None:
    from forum.search import indexing

    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, language, html FROM posts WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            break
        connection.execute(
            sa.text(indexing.post_statement(dialect)),
            [indexing.post_params(dialect, *row) for row in rows],
        )
        last = rows[-1][0]
    ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM discussions"))]
    indexing.reindex_discussions(connection, ids)


def upgrade() -> None:
    dialect = "postgresql" if op.get_bind().dialect.name == "postgresql" else "sqlite"
    if dialect == "postgresql":
        _postgres()
    else:
        _sqlite()
    _fill(dialect)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS text_search")
    op.execute("DROP TABLE IF EXISTS post_search")
    if op.get_bind().dialect.name == "postgresql":
        for code in _SNOWBALL:
            op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS forum_{code}")
