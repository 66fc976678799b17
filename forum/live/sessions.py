"""Live sessions (webinars) announced beside a discussion: written, changed, read back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.core.errors import Conflict, NotFound
from forum.core.localize import Localized, fallback_order, localize
from forum.discussions.listing import is_published
from forum.live.checks import CheckedSession, SessionInput, check_session
from forum.models import Discussion, LiveSession, LiveSessionTranslation
from forum.models.types import ChangeKind
from forum.studio.history import record_change


@dataclass(frozen=True, slots=True)
class SessionView:
    """A session for a reader of one language (or an organiser in the studio)."""

    id: int
    uid: str
    sequence: int
    title: Localized
    description: Localized
    starts_at: datetime
    ends_at: datetime
    timezone: str  # the zone the organiser gave the time in
    duration_minutes: int
    registration_url: str
    language: str
    updated_at: datetime
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def is_past(self, now: datetime) -> bool:
        return self.ends_at <= now

    def form_values(self) -> dict[str, str]:
        """The studio form's fields holding this session as it is."""
        local = self.starts_at.astimezone(ZoneInfo(self.timezone))
        values = {
            "sequence": str(self.sequence),
            "day": local.date().isoformat(),
            "clock": local.strftime("%H:%M"),
            "timezone": self.timezone,
            "duration": str(self.duration_minutes),
            "registration_url": self.registration_url,
            "language": self.language,
        }
        values |= {f"title-{code}": text for code, text in self.titles.items()}
        values |= {f"description-{code}": text for code, text in self.descriptions.items()}
        return values


@dataclass(frozen=True, slots=True)
class LiveSessions:
    """A discussion's sessions: upcoming (soonest first, those under way too) and past."""

    upcoming: list[SessionView]
    past: list[SessionView]

    def __bool__(self) -> bool:
        return bool(self.upcoming or self.past)


def _write_texts(session: AsyncSession, live_id: int, checked: CheckedSession) -> None:
    for code, title in checked.titles.items():
        session.add(
            LiveSessionTranslation(
                live_session_id=live_id,
                language=code,
                title=title,
                description=checked.descriptions.get(code, ""),
            )
        )
    for code in checked.descriptions.keys() - checked.titles.keys():
        # a description without a title in its language is kept beside the fallback title
        session.add(
            LiveSessionTranslation(
                live_session_id=live_id,
                language=code,
                title="",
                description=checked.descriptions[code],
            )
        )


async def create_session(
    session: AsyncSession,
    *,
    discussion: Discussion,
    checked: CheckedSession,
    uid_host: str,
    actor_id: int | None,
    now: datetime,
) -> LiveSession:
    """Write a checked session, record it in the history and tell page caches."""
    assert discussion.id is not None
    live = LiveSession(
        discussion_id=discussion.id,
        starts_at=checked.starts_at,
        duration_minutes=checked.duration_minutes,
        timezone=checked.timezone,
        language=checked.language,
        registration_url=checked.registration_url,
        uid=f"{uuid4()}@{uid_host}",
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(live)
    await session.flush()
    assert live.id is not None
    _write_texts(session, live.id, checked)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor_id,
        what=ChangeKind.SESSION_ADD,
        now=now,
        item=f"session:{live.id}",
        after=checked.summary(),
    )
    await bump_content_version(session, discussion_id=discussion.id)
    await session.flush()
    return live


async def add_session(
    session: AsyncSession,
    *,
    discussion: Discussion,
    data: SessionInput,
    uid_host: str,
    actor_id: int | None,
    now: datetime,
) -> LiveSession:
    """Check and add a session to `discussion`; FormInvalid and nothing written if refused."""
    checked = check_session(data, discussion.language_list)
    return await create_session(
        session,
        discussion=discussion,
        checked=checked,
        uid_host=uid_host,
        actor_id=actor_id,
        now=now,
    )


async def _owned(session: AsyncSession, discussion: Discussion, live_id: int) -> LiveSession:
    live = await session.get(LiveSession, live_id)
    if live is None or live.discussion_id != discussion.id:
        raise NotFound(str(live_id))
    return live


async def edit_session(
    session: AsyncSession,
    *,
    discussion: Discussion,
    live_id: int,
    data: SessionInput,
    actor_id: int | None,
    now: datetime,
    seen_sequence: int | None = None,
) -> LiveSession:
    """Change a session; its UID stays and its SEQUENCE goes up, so calendars update it.

    `seen_sequence` is the SEQUENCE the organiser's form showed: if someone changed the
    session since, Conflict, and their change is not overwritten.
    """
    assert discussion.id is not None
    live = await _owned(session, discussion, live_id)
    if seen_sequence is not None and seen_sequence != live.sequence:
        raise Conflict()
    checked = check_session(data, discussion.language_list)
    before = await _view(session, discussion, live_id)
    live.starts_at = checked.starts_at
    live.duration_minutes = checked.duration_minutes
    live.timezone = checked.timezone
    live.language = checked.language
    live.registration_url = checked.registration_url
    live.sequence += 1
    live.updated_at = now
    session.add(live)
    await session.execute(
        delete(LiveSessionTranslation).where(col(LiveSessionTranslation.live_session_id) == live_id)
    )
    _write_texts(session, live_id, checked)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor_id,
        what=ChangeKind.SESSION_EDIT,
        now=now,
        item=f"session:{live_id}",
        before=_summary(before),
        after=checked.summary(),
    )
    await bump_content_version(session, discussion_id=discussion.id)
    await session.flush()
    return live


async def remove_session(
    session: AsyncSession,
    *,
    discussion: Discussion,
    live_id: int,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Remove a session (its translations go with it) and keep what it was in the history."""
    assert discussion.id is not None
    await _owned(session, discussion, live_id)
    before = await _view(session, discussion, live_id)
    await session.execute(delete(LiveSession).where(col(LiveSession.id) == live_id))
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor_id,
        what=ChangeKind.SESSION_REMOVE,
        now=now,
        item=f"session:{live_id}",
        before=_summary(before),
    )
    await bump_content_version(session, discussion_id=discussion.id)


def _summary(view: SessionView) -> dict[str, Any]:
    return {
        "title": view.titles,
        "description": view.descriptions,
        "starts_at": view.starts_at.isoformat(),
        "timezone": view.timezone,
        "minutes": view.duration_minutes,
        "link": view.registration_url,
        "language": view.language,
    }


async def session_views(
    session: AsyncSession,
    *,
    discussion_id: int,
    languages: Sequence[str],
    language: str,
    ids: Sequence[int] | None = None,
) -> list[SessionView]:
    """The discussion's sessions (or those of `ids`), soonest first, for `language`.

    One statement whatever their number.
    """
    query = (
        select(LiveSession, LiveSessionTranslation)
        .outerjoin(
            LiveSessionTranslation,
            col(LiveSessionTranslation.live_session_id) == col(LiveSession.id),
        )
        .where(LiveSession.discussion_id == discussion_id)
        .order_by(col(LiveSession.starts_at), col(LiveSession.id))
    )
    if ids is not None:
        query = query.where(col(LiveSession.id).in_(list(ids)))
    rows = (await session.execute(query)).all()
    found: dict[int, LiveSession] = {}
    titles: dict[int, dict[str, str]] = {}
    descriptions: dict[int, dict[str, str]] = {}
    for live, text in rows:
        live_id = live.id or 0
        found.setdefault(live_id, live)
        titles.setdefault(live_id, {})
        descriptions.setdefault(live_id, {})
        if text is not None:
            if text.title:
                titles[live_id][text.language] = text.title
            if text.description:
                descriptions[live_id][text.language] = text.description
    order = fallback_order(language, languages)
    return [
        SessionView(
            id=live_id,
            uid=live.uid,
            sequence=live.sequence,
            title=localize(titles[live_id], order),
            description=localize(descriptions[live_id], order),
            starts_at=live.starts_at,
            ends_at=live.starts_at + timedelta(minutes=live.duration_minutes),
            timezone=live.timezone,
            duration_minutes=live.duration_minutes,
            registration_url=live.registration_url,
            language=live.language,
            updated_at=live.updated_at,
            titles=titles[live_id],
            descriptions=descriptions[live_id],
        )
        for live_id, live in found.items()
    ]


def split_sessions(views: list[SessionView], now: datetime) -> LiveSessions:
    """Upcoming (and under way) soonest first; past ones latest first."""
    return LiveSessions(
        upcoming=[view for view in views if not view.is_past(now)],
        past=[view for view in reversed(views) if view.is_past(now)],
    )


async def discussion_sessions(
    session: AsyncSession,
    *,
    discussion_id: int,
    languages: Sequence[str],
    language: str,
    now: datetime,
) -> LiveSessions:
    """What the discussion page lists: one statement."""
    views = await session_views(
        session, discussion_id=discussion_id, languages=languages, language=language
    )
    return split_sessions(views, now)


async def _view(session: AsyncSession, discussion: Discussion, live_id: int) -> SessionView:
    assert discussion.id is not None
    views = await session_views(
        session,
        discussion_id=discussion.id,
        languages=discussion.language_list,
        language=discussion.language_list[0],
        ids=[live_id],
    )
    return views[0]


async def published_discussion(session: AsyncSession, *, slug: str, now: datetime) -> Discussion:
    """The discussion readers may see now, else NotFound (a draft is not there for them)."""
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None or not is_published(discussion, now):
        raise NotFound(slug)
    return discussion
