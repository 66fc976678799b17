"""A new post's row and its author's choice of consent, in as few statements as they take.

The post goes in with a Core INSERT rather than the session's unit of work (whose flush
costs more CPU than the statement), and a post that starts its thread takes its own id as
its thread's in the same statement.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from forum.models import Post, User
from forum.models.base import table_of
from forum.search.indexing import dialect_of

_POSTS = table_of(Post)
_USERS = table_of(User)


def _next_post_id(dialect: str) -> ColumnElement[int]:
    """The id the next post takes: SQLite's own choice for a rowid (one past the largest,
    read under the write lock the transaction holds), PostgreSQL's sequence."""
    if dialect == "postgresql":
        return func.nextval(func.pg_get_serial_sequence(_POSTS.name, _POSTS.c.id.name))
    return func.coalesce(func.max(_POSTS.c.id), 0) + 1


async def insert_post(session: AsyncSession, post: Post, *, starts_thread: bool) -> None:
    """Insert the post in one statement, without the unit of work's flush, then put it in
    the session as if it had been read: later changes to it are flushed as usual.

    A post that starts its thread is its own thread's id: the id is taken in the same
    statement (a CTE) and written to both columns, instead of an UPDATE after the INSERT.
    """
    values = {column.name: getattr(post, column.name) for column in _POSTS.columns}
    del values["id"]
    if starts_thread:
        del values["thread_id"]
        new = select(_next_post_id(dialect_of(session)).label("id")).cte("new_post")
        names = ["id", "thread_id", *values]
        row = select(
            new.c.id,
            new.c.id,
            *(literal(value, _POSTS.c[name].type) for name, value in values.items()),
        )
        statement = insert(_POSTS).from_select(names, row)
    else:
        statement = insert(_POSTS).values(values)
    post.id = await session.scalar(statement.returning(_POSTS.c.id))
    if starts_thread:
        assert post.id is not None
        post.thread_id = post.id
    make_transient_to_detached(post)
    session.add(post)


async def remember_consent(session: AsyncSession, author: User, consent: str) -> None:
    """Keep the author's latest choice for the next form; no statement when it is the same."""
    if author.quote_consent != consent:
        await session.execute(
            update(_USERS).where(_USERS.c.id == author.id).values(quote_consent=consent)
        )
