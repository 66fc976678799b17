"""The search index, kept in step with what it indexes, in the caller's transaction.

Two tables, the same on both back-ends in what they hold:
- `post_search`: one row per post (its id), the language it is written in and its text;
- `text_search`: one row per discussion text (title, summary and introduction) and per
  question, in each language they are written in.

SQLite holds FTS5 tables of stems (`words.stems`); PostgreSQL holds `tsvector`s made with
the `forum_en`/`forum_es`/`forum_fr` configurations (Snowball after `unaccent`) behind GIN
indexes. The index holds a post's published text whatever its status: who may read it is
decided when searching, from the post's row, so approving, hiding, rejecting or restoring
a post needs no index change. Only a new text does: a new post, an edit in place, an edit
published by a moderator (`index_post`), and any change to a discussion's texts:
every such change is recorded in the discussion's history (`studio/history.record_change`),
and a hook on the session indexes those discussions again just before the transaction
commits (`index_discussion` does it at once, for callers that need it earlier).

The statements and their parameters are plain functions, so migration 0011 fills the index
with exactly what the services write.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, bindparam, event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from forum.core.text import text_of
from forum.models import DiscussionChange, Post
from forum.search.words import STEMMERS, stems

SEARCH_TABLES = ("post_search", "text_search")
# The PostgreSQL text search configuration of each language (made by migration 0011).
CONFIGURATIONS = {language: f"forum_{language}" for language in STEMMERS}

_INSERT_POST = {
    "postgresql": "INSERT INTO post_search (post_id, language, body) VALUES "
    "(:id, :language, to_tsvector(CAST(:config AS regconfig), :body)) "
    "ON CONFLICT (post_id) DO UPDATE SET language = excluded.language, body = excluded.body",
    # FTS5 takes REPLACE on the rowid: the old terms go with the old row, in one statement.
    "sqlite": "INSERT OR REPLACE INTO post_search (rowid, language, body) "
    "VALUES (:id, :language, :body)",
}
_INSERT_TEXT = {
    "postgresql": "INSERT INTO text_search (discussion_id, question_id, language, body) "
    "VALUES (:discussion_id, :question_id, :language, "
    "to_tsvector(CAST(:config AS regconfig), :body))",
    "sqlite": "INSERT INTO text_search (discussion_id, question_id, language, body) "
    "VALUES (:discussion_id, :question_id, :language, :body)",
}


def configuration(language: str) -> str:
    return CONFIGURATIONS.get(language, CONFIGURATIONS["en"])


def dialect_of(session: AsyncSession) -> str:
    return "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"


def _body(dialect: str, words: str, language: str) -> dict[str, str]:
    """The parameters of an indexed text: PostgreSQL stems it, SQLite is given the stems."""
    if dialect == "postgresql":
        return {"config": configuration(language), "body": words}
    return {"body": " ".join(stems(words, language))}


def post_statement(dialect: str) -> str:
    return _INSERT_POST[dialect]


def post_params(dialect: str, post_id: int, language: str, html: str) -> dict[str, Any]:
    return {"id": post_id, "language": language, **_body(dialect, text_of(html), language)}


def text_statement(dialect: str) -> str:
    return _INSERT_TEXT[dialect]


def discussion_body(title: str, summary: str, introduction_html: str) -> str:
    """What is indexed of a discussion's translation: its title, summary and introduction."""
    return " ".join((title, summary, text_of(introduction_html)))


def text_params(
    dialect: str, discussion_id: int, question_id: int | None, language: str, words: str
) -> dict[str, Any]:
    return {
        "discussion_id": discussion_id,
        "question_id": question_id,
        "language": language,
        **_body(dialect, words, language),
    }


async def unindex_posts(session: AsyncSession, post_ids: Collection[int]) -> None:
    """Take posts out of the index (posts deleted for good), in one statement."""
    if not post_ids:
        return
    key = "rowid" if dialect_of(session) == "sqlite" else "post_id"
    statement = text(f"DELETE FROM post_search WHERE {key} IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    await session.execute(statement, {"ids": sorted(post_ids)})


async def index_post(session: AsyncSession, post: Post) -> None:
    """Put the post's published text in the index (replacing what was there)."""
    assert post.id is not None
    dialect = dialect_of(session)
    await session.execute(
        text(post_statement(dialect)), post_params(dialect, post.id, post.language, post.html)
    )


_DISCUSSION_TEXTS = (
    "SELECT discussion_id, language, title, summary, introduction_html "
    "FROM discussion_translations WHERE discussion_id IN :ids"
)
_QUESTION_TEXTS = (
    "SELECT q.discussion_id, q.id, t.language, t.text FROM question_translations t "
    "JOIN questions q ON q.id = t.question_id WHERE q.discussion_id IN :ids"
)


def reindex_discussions(connection: Connection, discussion_ids: Collection[int]) -> None:
    """Index the discussions' texts and questions again, in every language they have.

    Plain statements on a synchronous connection: migration 0011 and the commit hook below
    run it as it is, `index_discussion` through `run_sync`.
    """
    if not discussion_ids:
        return
    dialect = "postgresql" if connection.dialect.name == "postgresql" else "sqlite"
    ids = {"ids": sorted(discussion_ids)}
    texts = [
        text_params(dialect, discussion_id, None, language, discussion_body(*words))
        for discussion_id, language, *words in connection.execute(
            text(_DISCUSSION_TEXTS).bindparams(bindparam("ids", expanding=True)), ids
        )
    ]
    texts += [
        text_params(dialect, discussion_id, question_id, language, wording)
        for discussion_id, question_id, language, wording in connection.execute(
            text(_QUESTION_TEXTS).bindparams(bindparam("ids", expanding=True)), ids
        )
    ]
    connection.execute(
        text("DELETE FROM text_search WHERE discussion_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        ids,
    )
    texts = [params for params in texts if params["body"].strip()]
    if texts:
        connection.execute(text(text_statement(dialect)), texts)


async def index_discussion(session: AsyncSession, discussion_id: int) -> None:
    """Index one discussion's texts again, in the session's transaction."""
    await session.flush()
    await session.run_sync(lambda sync: reindex_discussions(sync.connection(), [discussion_id]))


_CHANGED = "forum.search.changed_discussions"


@event.listens_for(Session, "after_flush")
def _note_changed_discussions(session: Session, _context: object) -> None:
    """Every change to a discussion's texts is recorded in its history (`record_change`)."""
    for item in session.new:
        if isinstance(item, DiscussionChange):
            session.info.setdefault(_CHANGED, set()).add(item.discussion_id)


@event.listens_for(Session, "before_commit")
def _reindex_changed_discussions(session: Session) -> None:
    """Index the changed discussions' texts again, just before their change commits."""
    session.flush()
    changed = session.info.pop(_CHANGED, set())
    reindex_discussions(session.connection(), changed)


@event.listens_for(Session, "after_rollback")
def _forget_changed_discussions(session: Session) -> None:
    session.info.pop(_CHANGED, None)
