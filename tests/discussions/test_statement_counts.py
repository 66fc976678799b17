"""The three busiest pages, rendered from the database, cost at most 8 SQL statements, and the
same with 10 posts as with 1,000 (issue 15, P2): for an anonymous reader on a page-cache
miss, and for a contributor and a moderator signed in (their session lookup included)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update
from sqlmodel import col
from starlette.applications import Starlette

from forum.db import Database
from forum.models import Discussion, Post, PostTag, Question, Tag
from forum.models.types import PostStatus, Role
from forum.web import cache
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user, sign_in_as

SLUG = "remote-apprenticeships"
PAGES = {
    "question": f"/en/discussions/{SLUG}/questions/1",
    "discussion": f"/en/discussions/{SLUG}",
    "home": "/en/",
}
MOST = 8
THREAD = 4  # posts a thread: a root and three replies


@pytest.fixture
async def discussion(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=2)), now=NOW)


def _row(discussion_id: int, question_id: int, author_id: int, n: int) -> dict[str, Any]:
    return {
        "discussion_id": discussion_id,
        "question_id": question_id,
        "author_id": author_id,
        "language": ("en", "es", "fr")[n % 3],
        "source": f"What worked for us, number {n}.",
        "html": f"<p>What worked for us, number {n}.</p>",
        "status": PostStatus.APPROVED.value,
        "quote_consent": "by_name",
        "created_at": NOW - timedelta(hours=1) + timedelta(milliseconds=n),
        "approved_at": NOW - timedelta(hours=1),
    }


async def _grow(db: Database, author_id: int, target: int) -> None:
    """Bring the discussion's approved posts to `target` (threads of a root and replies, some
    tagged) with bulk inserts, and bump its content version as publishing does."""
    async with db.transaction() as session:
        discussion = await session.scalar(select(Discussion).where(col(Discussion.slug) == SLUG))
        assert discussion is not None and discussion.id is not None
        question_id = await session.scalar(
            select(col(Question.id)).where(
                col(Question.discussion_id) == discussion.id, col(Question.number) == 1
            )
        )
        assert question_id is not None
        have = await session.scalar(select(func.count()).select_from(Post)) or 0
        last = await session.scalar(select(func.max(col(Post.id)))) or 0
        roots = [
            _row(discussion.id, question_id, author_id, n) for n in range(have, target, THREAD)
        ]
        await session.execute(insert(Post), roots)  # thread_id 0 until it is its own id
        await session.execute(
            update(Post).where(col(Post.thread_id) == 0).values(thread_id=col(Post.id))
        )
        root_ids = list(
            await session.scalars(
                select(col(Post.id)).where(col(Post.id) > last).order_by(col(Post.id))
            )
        )
        replies = [
            {
                **_row(discussion.id, question_id, author_id, have + 1 + k),
                "parent_id": root,
                "in_reply_to_id": root,
                "thread_id": root,
                "depth": 1,
            }
            for root in root_ids
            for k in range(THREAD - 1)
        ][: target - have - len(roots)]
        if replies:
            await session.execute(insert(Post), replies)
        tag_id = await session.scalar(select(col(Tag.id)).order_by(col(Tag.id)))
        await session.execute(
            insert(PostTag), [{"post_id": root, "tag_id": tag_id} for root in root_ids[::2]]
        )
        await session.execute(
            update(Discussion)
            .where(col(Discussion.id) == discussion.id)
            .values(content_version=col(Discussion.content_version) + 1)
        )
        assert await session.scalar(select(func.count()).select_from(Post)) == target


async def _statements(
    app: Starlette,
    client: httpx.AsyncClient,
    counter: StatementCounter,
    path: str,
    token: str | None,
) -> int:
    """Request `path` as the holder of `token` (None: anonymous, on a page-cache miss)."""
    client.cookies.clear()
    if token is None:
        # As in a running server, whose content versions are read in the background: a miss
        # asks the database for no version (tests start no background reader).
        async with app.state.db.session() as session:
            await app.state.versions.read(session)
    else:
        client.cookies.set("forum_session", token)
    before = counter.count
    response = await client.get(path)
    spent = counter.count - before
    assert response.status_code == 200
    if token is None:
        assert response.headers.get("x-cache") == "miss"
    if path == PAGES["question"]:
        assert response.text.count('class="post ') >= 10
    return spent


@pytest.mark.usefixtures("discussion")
async def test_busiest_pages_cost_at_most_eight_statements_whatever_the_posts(
    app: Starlette,
    client: httpx.AsyncClient,
    db: Database,
    count_statements: StatementCounter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache, "STALE_FOR", 0.0)  # pages rendered each time, never sent stale
    author = await make_user(db, email="author@example.org", name="Author")
    reader = await make_user(db, email="reader@example.org", name="Reader")
    moderator = await make_user(db, email="mod@example.org", name="Mod", role=Role.MODERATOR)
    tokens: dict[str, str | None] = {"anonymous": None}
    for who, user in (("contributor", reader), ("moderator", moderator)):
        tokens[who] = await sign_in_as(client, db, user)
    assert author.id is not None
    async with db.transaction() as session:  # the contributor's own answer, waiting
        found = await session.execute(
            select(col(Question.discussion_id), col(Question.id)).where(col(Question.number) == 1)
        )
        discussion_id, question_id = found.one()
        own = {
            **_row(discussion_id, question_id or 0, reader.id or 0, 0),
            "status": PostStatus.PENDING.value,
        }
        await session.execute(insert(Post), [own])
        await session.execute(
            update(Post).where(col(Post.thread_id) == 0).values(thread_id=col(Post.id))
        )
    counts: dict[tuple[str, str], list[int]] = {}
    for target in (10, 1_000):
        await _grow(db, author.id, target + 1)
        for page, path in PAGES.items():
            for who, token in tokens.items():
                spent = await _statements(app, client, count_statements, path, token)
                counts.setdefault((page, who), []).append(spent)
    unequal = {key: spent for key, spent in counts.items() if spent[0] != spent[1]}
    assert not unequal, f"the count grows with the posts: {unequal}"
    over = {key: spent[1] for key, spent in counts.items() if spent[1] > MOST}
    assert not over, f"more than {MOST} statements: {over}"
