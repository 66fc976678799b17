"""The moderation log: who did what, where and to whom, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from forum.core.localize import fallback_order, localize
from forum.models import Discussion, ModerationAction, Post, Tag, TagTranslation, User
from forum.models.types import ModerationVerb
from forum.moderation.places import Place, discussion_places

_Actor = aliased(User, name="actor")
_Subject = aliased(User, name="subject")
# Entries whose note lists the slugs of the topics a post was filed under.
_TAGGING = (ModerationVerb.APPROVE.value, ModerationVerb.TAG.value)
# A log entry with the names of who acted, where and upon whom, in LogEntry's order.
_LOG_COLUMNS = (
    select(
        col(ModerationAction.id),
        col(ModerationAction.created_at),
        col(_Actor.display_name),
        col(ModerationAction.action),
        col(Discussion.slug),
        col(ModerationAction.post_id),
        col(ModerationAction.user_id),
        col(_Subject.display_name),
        col(ModerationAction.section),
        col(ModerationAction.note),
        col(ModerationAction.discussion_id),
    )
    .outerjoin(_Actor, col(_Actor.id) == col(ModerationAction.actor_id))
    .outerjoin(Discussion, col(Discussion.id) == col(ModerationAction.discussion_id))
    .outerjoin(_Subject, col(_Subject.id) == col(ModerationAction.user_id))
)


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    created_at: datetime
    actor_name: str | None  # None: the system did it (e.g. hid a post enough readers reported)
    action: str
    discussion_slug: str | None
    post_id: int | None
    user_id: int | None
    subject_name: str | None  # the person acted upon, if any
    section: str
    note: str
    place: Place | None = None  # the discussion, titled for the reader, with its time zone
    topics: tuple[str, ...] = ()  # the labels of the topics an approval or tagging named


@dataclass(frozen=True, slots=True)
class LogPage:
    entries: list[LogEntry]
    total: int  # entries matching the filters, on every page
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class LogScope:
    """Which entries a moderator reads: their discussions', and those about their people.

    `discussion_ids` None is everything (admins). Otherwise the entries in those discussions,
    and the entries about a person (trust, suspend, ban...) that the viewer wrote or whose
    person took part in one of those discussions.
    """

    discussion_ids: Collection[int] | None
    viewer_id: int | None = None

    def condition(self) -> ColumnElement[bool]:
        if self.discussion_ids is None:
            return true()
        ids = list(self.discussion_ids)
        took_part = select(col(Post.author_id)).where(col(Post.discussion_id).in_(ids))
        people: list[ColumnElement[bool]] = [col(ModerationAction.user_id).in_(took_part)]
        if self.viewer_id is not None:
            people.append(col(ModerationAction.actor_id) == self.viewer_id)
        about_people = and_(col(ModerationAction.discussion_id).is_(None), or_(*people))
        return or_(col(ModerationAction.discussion_id).in_(ids), about_people)


def _log_filters(
    scope: LogScope, action: str | None, actor_id: int | None
) -> list[ColumnElement[bool]]:
    where = [scope.condition()]
    if action:
        where.append(col(ModerationAction.action) == action)
    if actor_id is not None:
        where.append(col(ModerationAction.actor_id) == actor_id)
    return where


def _entry(row: Sequence[Any]) -> LogEntry:
    id_, created_at, actor, action, slug, post_id, user_id, subject, section, note, _ = row
    return LogEntry(
        id=id_,
        created_at=created_at,
        actor_name=actor,
        action=action,
        discussion_slug=slug,
        post_id=post_id,
        user_id=user_id,
        subject_name=subject,
        section=section,
        note=note,
    )


async def moderation_log(
    session: AsyncSession,
    *,
    scope: LogScope,
    action: str | None = None,
    actor_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
    language: str = "en",
) -> LogPage:
    """Return one page of the log, newest first, and how many entries match in all.

    Discussions are titled and topics labelled for a reader of `language`.
    """
    where = _log_filters(scope, action, actor_id)
    total = int(
        await session.scalar(select(func.count()).select_from(ModerationAction).where(*where)) or 0
    )
    if not total:
        return LogPage([], 0, 1, 1)
    per_page = max(per_page, 1)
    pages = -(-total // per_page)
    page = min(max(page, 1), pages)
    rows = (
        await session.execute(
            _LOG_COLUMNS.where(*where)
            .order_by(col(ModerationAction.created_at).desc(), col(ModerationAction.id).desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    ).all()
    where_ids: list[int | None] = [row.discussion_id for row in rows]
    places = await discussion_places(session, where_ids, language)
    entries = [replace(_entry(row), place=places.get(row.discussion_id or 0)) for row in rows]
    return LogPage(await _with_topics(session, entries, language), total, page, pages)


def _slugs(entry: LogEntry) -> list[str]:
    if entry.action not in _TAGGING or not entry.note:
        return []
    return [slug.strip() for slug in entry.note.split(",") if slug.strip()]


async def _with_topics(
    session: AsyncSession, entries: list[LogEntry], language: str
) -> list[LogEntry]:
    """Name the topics approvals and taggings list by slug, in one statement for the page."""
    wanted = {slug for entry in entries for slug in _slugs(entry)}
    if not wanted:
        return entries
    labels: dict[str, dict[str, str]] = {}
    for slug, label_language, label in (
        await session.execute(
            select(col(Tag.slug), col(TagTranslation.language), col(TagTranslation.label))
            .join(TagTranslation, col(TagTranslation.tag_id) == col(Tag.id))
            .where(col(Tag.slug).in_(sorted(wanted)))
        )
    ).all():
        labels.setdefault(slug, {})[label_language] = label
    order = fallback_order(language, ())
    return [
        replace(entry, topics=tuple(localize(labels[s], order).text for s in slugs if s in labels))
        if (slugs := _slugs(entry))
        else entry
        for entry in entries
    ]


async def log_actors(session: AsyncSession, *, scope: LogScope) -> list[tuple[int, str]]:
    """Return who wrote the entries in scope (people, not the system), by name."""
    rows = await session.execute(
        select(col(User.id), col(User.display_name)).where(
            col(User.id).in_(
                select(col(ModerationAction.actor_id)).where(
                    scope.condition(), col(ModerationAction.actor_id).is_not(None)
                )
            )
        )
    )
    found = [(int(user_id or 0), name) for user_id, name in rows.all()]
    return sorted(found, key=lambda actor: (actor[1].casefold(), actor[0]))
