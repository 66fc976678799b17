"""Edits: earlier texts kept as revisions, and edits of published posts waiting for a moderator.

An edit that a moderator must read before readers see it is kept beside the published text (the
post's pending_* columns): the post stays published, in its place in its thread, until a
moderator approves the edit (publish_edit) or refuses it (refuse_edit).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.text import render_markdown
from forum.guidelines.rules import Finding
from forum.models import Post, PostRevision
from forum.models.types import PostStatus
from forum.search.indexing import index_post

_NOTHING_WAITS: dict[str, Any] = {
    "pending_source": None,
    "pending_html": None,
    "pending_language": None,
    "pending_at": None,
}


def has_pending_edit(post: Post) -> bool:
    """Say whether an edit of this post waits for a moderator."""
    return post.pending_source is not None


def awaiting_moderation() -> ColumnElement[bool]:
    """Match what moderators must read: pending posts, and published posts with an edit waiting."""
    return or_(
        col(Post.status) == PostStatus.PENDING.value,
        and_(col(Post.status) == PostStatus.APPROVED.value, col(Post.pending_source).is_not(None)),
    )


def editable_text(post: Post) -> tuple[str, str]:
    """Return the text and language its author goes on from: the edit waiting, else the post's."""
    if post.pending_source is not None:
        return post.pending_source, post.pending_language or post.language
    return post.source, post.language


async def _last_revision_number(session: AsyncSession, post_id: int) -> int:
    number = await session.scalar(
        select(func.max(PostRevision.number)).where(PostRevision.post_id == post_id)
    )
    return number or 0


async def _keep(
    session: AsyncSession,
    post_id: int,
    text: tuple[str, str, str],
    status: str,
    written_at: datetime,
    now: datetime,
) -> None:
    """Keep a text (language, source, html) that is being replaced as the next revision."""
    language, source, html = text
    session.add(
        PostRevision(
            post_id=post_id,
            number=await _last_revision_number(session, post_id) + 1,
            language=language,
            source=source,
            html=html,
            status=status,
            written_at=written_at,
            replaced_at=now,
        )
    )


async def keep_text(session: AsyncSession, post: Post, now: datetime) -> None:
    """Keep the post's own text, about to be replaced, as a revision."""
    assert post.id is not None
    text = (post.language, post.source, post.html)
    await _keep(session, post.id, text, post.status, post.edited_at or post.created_at, now)


async def _keep_pending(session: AsyncSession, post: Post, status: str, now: datetime) -> None:
    """Keep the edit waiting, about to be replaced, withdrawn or refused, as a revision."""
    assert post.id is not None and post.pending_source is not None
    text = (post.pending_language or post.language, post.pending_source, post.pending_html or "")
    await _keep(session, post.id, text, status, post.pending_at or now, now)


async def hold_edit(
    session: AsyncSession,
    post: Post,
    *,
    source: str,
    language: str,
    held: list[Finding],
    now: datetime,
) -> None:
    """Keep an edit of a published post for a moderator; readers go on seeing the post."""
    if has_pending_edit(post):  # a newer edit replaces the one waiting
        await _keep_pending(session, post, PostStatus.PENDING.value, now)
    post.pending_source, post.pending_html = source, render_markdown(source)
    post.pending_language, post.pending_at = language, now
    post.held_for = ",".join(finding.rule_id for finding in held)[:200]


async def withdraw_edit(session: AsyncSession, post: Post, now: datetime) -> None:
    """Drop the edit waiting (kept as a revision): its author went back to the published text."""
    if has_pending_edit(post):
        await _keep_pending(session, post, PostStatus.PENDING.value, now)
        for name, value in _NOTHING_WAITS.items():
            setattr(post, name, value)


async def _settle(session: AsyncSession, post: Post, values: dict[str, Any]) -> bool:
    """Write `values` if the post is still published with an edit waiting; say whether it was.

    The condition sits in the UPDATE, so of two moderators acting at once only one settles it.
    """
    statement = (
        update(Post)
        .where(
            col(Post.id) == post.id,
            col(Post.status) == PostStatus.APPROVED.value,
            col(Post.pending_source).is_not(None),
        )
        .values({**values, **_NOTHING_WAITS})
        .execution_options(synchronize_session=False)
    )
    result = cast("CursorResult[Any]", await session.execute(statement))
    return result.rowcount == 1


async def publish_edit(session: AsyncSession, post: Post, now: datetime) -> bool:
    """Show the edit waiting in place of the published text (kept as a revision).

    Say whether it was done; False when no edit waits any more (settled by someone else).
    """
    published = (post.language, post.source, post.html)
    written_at = post.edited_at or post.created_at
    values = {
        "source": col(Post.pending_source),
        "html": col(Post.pending_html),
        "language": func.coalesce(col(Post.pending_language), col(Post.language)),
        "edited_at": col(Post.pending_at),
    }
    done = await _settle(session, post, values)
    if done:
        assert post.id is not None
        await _keep(session, post.id, published, PostStatus.APPROVED.value, written_at, now)
    await session.refresh(post)
    if done:
        await index_post(session, post)
    return done


async def refuse_edit(
    session: AsyncSession, post: Post, *, section: str, note: str, now: datetime
) -> bool:
    """Drop the edit waiting, keeping it as a rejected revision: the published text stays.

    Say whether it was done; False when no edit waits any more (settled by someone else).
    """
    waiting = (post.pending_language or post.language, post.pending_source, post.pending_html)
    written_at = post.pending_at or now
    done = await _settle(session, post, {"rejection_section": section, "rejection_note": note})
    if done:
        assert post.id is not None
        text = (waiting[0], waiting[1] or "", waiting[2] or "")
        await _keep(session, post.id, text, PostStatus.REJECTED.value, written_at, now)
    await session.refresh(post)
    return done


async def revisions(session: AsyncSession, *, post_id: int) -> list[PostRevision]:
    """Return a post's earlier texts, oldest first."""
    rows = await session.scalars(
        select(PostRevision)
        .where(PostRevision.post_id == post_id)
        .order_by(col(PostRevision.number))
    )
    return list(rows)
