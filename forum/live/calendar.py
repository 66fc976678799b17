"""Live sessions as iCalendar (RFC 5545): one event to download, or a discussion's feed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from forum.core.errors import N_, NotFound
from forum.core.i18n import I18n
from forum.discussions.listing import discussion_title
from forum.live.sessions import SessionView, published_discussion, session_views

if TYPE_CHECKING:  # imported when a calendar is written: few workers ever write one
    from icalendar import Event

PRODID = "-//forum//live sessions//EN"
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Zulu", "Zulu", "UCT", "Etc/UCT"})
REGISTER = N_("Register: %(url)s")
WORKING_LANGUAGE = N_("Working language: %(language)s")
DISCUSSION = N_("Discussion: %(url)s")


@dataclass(frozen=True)
class CalendarData:
    """What a calendar file is made of: the discussion and the sessions it holds."""

    slug: str
    title: str
    sessions: list[SessionView]


async def calendar_data(
    session: AsyncSession, *, slug: str, language: str, now: datetime, live_id: int | None = None
) -> CalendarData:
    """A published discussion's sessions (or the one `live_id`): NotFound otherwise.

    Three statements whatever the number of sessions.
    """
    discussion = await published_discussion(session, slug=slug, now=now)
    assert discussion.id is not None
    views = await session_views(
        session,
        discussion_id=discussion.id,
        languages=discussion.language_list,
        language=language,
        ids=None if live_id is None else [live_id],
    )
    if live_id is not None and not views:
        raise NotFound(str(live_id))
    title = await discussion_title(session, discussion=discussion, language=language)
    return CalendarData(slug=discussion.slug, title=title, sessions=views)


def _moment(value: datetime, zone: str) -> datetime:
    """The moment in the organiser's zone (written with TZID), or in UTC ("Z")."""
    if zone in UTC_NAMES:
        return value.astimezone(UTC)
    return value.astimezone(ZoneInfo(zone))


def _description(view: SessionView, i18n: I18n, discussion_url: str) -> str:
    parts = [view.description.text] if view.description.text else []
    parts.append(i18n.gettext(WORKING_LANGUAGE) % {"language": i18n.language_label(view.language)})
    if view.registration_url:
        parts.append(i18n.gettext(REGISTER) % {"url": view.registration_url})
    parts.append(i18n.gettext(DISCUSSION) % {"url": discussion_url})
    return "\n\n".join(parts)


def _event(view: SessionView, i18n: I18n, discussion_url: str, now: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", view.uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("last-modified", view.updated_at.astimezone(UTC))
    event.add("sequence", view.sequence)
    event.add("dtstart", _moment(view.starts_at, view.timezone))
    event.add("dtend", _moment(view.ends_at, view.timezone))
    event.add("summary", view.title.text)
    event.add("description", _description(view, i18n, discussion_url))
    event.add("url", discussion_url)
    event.add("status", "CONFIRMED")
    return event


def calendar_bytes(
    data: CalendarData,
    *,
    i18n: I18n,
    discussion_url: str,
    now: datetime,
    name: str | None = None,
) -> bytes:
    """Write the sessions as one VCALENDAR, each zone used given as a VTIMEZONE."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for view in data.sessions:
        calendar.add_component(_event(view, i18n, discussion_url, now))
    if data.sessions:
        first, last = _span(data.sessions)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())


def _span(views: Sequence[SessionView]) -> tuple[date, date]:
    """The years the sessions fall in, so each VTIMEZONE holds only the rules they need."""
    first = min(view.starts_at for view in views) - timedelta(days=366)
    last = max(view.ends_at for view in views) + timedelta(days=366)
    return date(first.year, 1, 1), date(last.year + 1, 1, 1)


def safe_filename(*parts: str) -> str:
    """A file name any system accepts: letters, digits and hyphens, ending in .ics."""
    stem = "-".join(re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in parts)
    return (stem.strip("-")[:100] or "calendar") + ".ics"
