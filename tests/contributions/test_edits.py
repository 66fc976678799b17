"""Edits of published posts waiting beside the published text: published, refused, once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from forum.contributions.edits import (
    awaiting_moderation,
    editable_text,
    publish_edit,
    refuse_edit,
    revisions,
)
from forum.contributions.posting import Draft, PostLimits, create_post, edit_post
from forum.db import Database
from forum.models import Post, User
from forum.models.types import Role
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user

SLUG = "remote-apprenticeships"
FIRST = "Our apprentices kept learning at home with weekly calls and a mentor at work."
SECOND = "Nuestros aprendices siguieron formándose en casa con llamadas semanales y un tutor."


async def _waiting_edit(db: Database) -> tuple[User, Post]:
    """A published answer by a newcomer, then their edit, which waits for a moderator."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    author = await make_user(db)
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=author,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft(FIRST, "", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
        post.status, post.approved_at = "approved", NOW
    async with db.transaction() as session:
        await edit_post(
            session,
            editor=author,
            post_id=post.id or 0,
            draft=Draft(SECOND, "", "by_name"),
            limits=PostLimits(),
            now=NOW + timedelta(hours=1),
        )
    return author, post


async def _waiting_ids(db: Database) -> list[int | None]:
    async with db.session() as session:
        return list(await session.scalars(select(col(Post.id)).where(awaiting_moderation())))


async def test_edit_waiting_is_in_the_queue_and_the_authors_form(db: Database) -> None:
    _author, post = await _waiting_edit(db)
    assert await _waiting_ids(db) == [post.id]
    async with db.session() as session:
        stored = await session.get(Post, post.id)
        assert stored is not None and editable_text(stored) == (SECOND, "es")


async def test_edit_is_published_once(db: Database) -> None:
    _author, post = await _waiting_edit(db)
    later = NOW + timedelta(hours=2)
    async with db.transaction() as session:
        first = await session.get(Post, post.id)
        assert first is not None and await publish_edit(session, first, later)
        assert (first.source, first.language, first.pending_source) == (SECOND, "es", None)
        assert first.edited_at == NOW + timedelta(hours=1) and first.approved_at == NOW
    async with db.transaction() as session:
        again = await session.get(Post, post.id)
        assert again is not None and not await publish_edit(session, again, later)
        assert not await refuse_edit(session, again, section="on-topic", note="", now=later)
    async with db.session() as session:
        kept = await revisions(session, post_id=post.id or 0)
    assert [(r.source, r.status, r.replaced_at) for r in kept] == [(FIRST, "approved", later)]
    assert await _waiting_ids(db) == []


async def test_refused_edit_leaves_the_published_text_and_is_kept(db: Database) -> None:
    _author, post = await _waiting_edit(db)
    async with db.transaction() as session:
        stored = await session.get(Post, post.id)
        assert stored is not None
        assert await refuse_edit(session, stored, section="on-topic", note="Stay close.", now=NOW)
        assert (stored.status, stored.source, stored.pending_source) == ("approved", FIRST, None)
        assert (stored.rejection_section, stored.rejection_note) == ("on-topic", "Stay close.")
    async with db.session() as session:
        kept = await revisions(session, post_id=post.id or 0)
    assert [(r.source, r.language, r.status) for r in kept] == [(SECOND, "es", "rejected")]
    assert await _waiting_ids(db) == []


async def test_moderators_edit_is_published_at_once(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    moderator = await make_user(db, email="tutor@example.org", role=Role.MODERATOR)
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=moderator,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft(FIRST, "", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
        await edit_post(
            session,
            editor=moderator,
            post_id=post.id or 0,
            draft=Draft(SECOND, "", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
        assert (post.status, post.source, post.pending_source) == ("approved", SECOND, None)
