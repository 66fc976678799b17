"""The studio's list of discussions, and one at a glance: state, what blocks it, its people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.localize import Localized, fallback_order, localize
from forum.core.permissions import check_signed_in, is_admin
from forum.discussions.checks import Problem
from forum.models import Discussion, DiscussionModerator, DiscussionOrganiser, Post, User
from forum.models.types import DiscussionState
from forum.studio.access import discussion_state, organised_ids
from forum.studio.drafts import StudioDiscussion, load_drafts


@dataclass(frozen=True, slots=True)
class StudioRow:
    slug: str
    title: Localized
    state: DiscussionState
    opens_at: datetime
    closes_at: datetime
    published_at: datetime | None
    timezone: str
    problems: list[Problem]


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    name: str
    email: str
    organisation: str


@dataclass(frozen=True, slots=True)
class Overview:
    row: StudioRow
    draft: StudioDiscussion
    posts: int
    moderators: list[Member]
    organisers: list[Member]


def _row(one: StudioDiscussion, language: str, now: datetime, offered: Sequence[str]) -> StudioRow:
    d = one.discussion
    titles = {code: text for code, text in one.title.items() if text.strip()}
    return StudioRow(
        slug=d.slug,
        title=localize(titles, fallback_order(language, d.language_list))
        if titles
        else Localized(d.slug, language),
        state=discussion_state(d, now),
        opens_at=d.opens_at,
        closes_at=d.closes_at,
        published_at=d.published_at,
        timezone=d.timezone,
        problems=one.problems(offered),
    )


async def studio_list(
    session: AsyncSession,
    *,
    user: User | None,
    language: str,
    now: datetime,
    offered: Sequence[str],
) -> list[StudioRow]:
    """The discussions this person sets up (every one, for an admin), newest first."""
    person = check_signed_in(user)
    query = select(Discussion).order_by(col(Discussion.opens_at).desc(), col(Discussion.id))
    if not is_admin(person):
        query = query.where(col(Discussion.id).in_(await organised_ids(session, person)))
    discussions = list(await session.scalars(query))
    drafts = await load_drafts(session, discussions)
    return [_row(drafts[d.id or 0], language, now, offered) for d in discussions]


async def _members(
    session: AsyncSession,
    table: type[DiscussionModerator] | type[DiscussionOrganiser],
    discussion_id: int,
) -> list[Member]:
    rows = await session.execute(
        select(col(User.id), col(User.display_name), col(User.email), col(User.organisation))
        .join(table, col(table.user_id) == col(User.id))
        .where(col(table.discussion_id) == discussion_id)
        .order_by(col(User.display_name))
    )
    return [Member(int(i or 0), name, email, org) for i, name, email, org in rows.all()]


async def overview(
    session: AsyncSession,
    *,
    discussion: Discussion,
    language: str,
    now: datetime,
    offered: Sequence[str],
) -> Overview:
    """One discussion at a glance, in a fixed number of statements."""
    assert discussion.id is not None
    draft = (await load_drafts(session, [discussion]))[discussion.id]
    posts = await session.scalar(
        select(func.count()).select_from(Post).where(Post.discussion_id == discussion.id)
    )
    return Overview(
        row=_row(draft, language, now, offered),
        draft=draft,
        posts=int(posts or 0),
        moderators=await _members(session, DiscussionModerator, discussion.id),
        organisers=await _members(session, DiscussionOrganiser, discussion.id),
    )
