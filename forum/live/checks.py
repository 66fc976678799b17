"""What an organiser types for a live session, checked: every refused field named at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from forum.core.errors import N_, FormInvalid
from forum.discussions.checks import zone_problems
from forum.models import Discussion

DEFAULT_MINUTES = 120
MIN_MINUTES = 15
MAX_MINUTES = 480
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
LINK_MAX = 500

NO_TITLE = N_("Give the session a title in at least one language.")
TITLE_TOO_LONG = N_("Keep the title under 200 characters.")
DESCRIPTION_TOO_LONG = N_("Keep the description under 2,000 characters.")
BAD_DATE = N_("Give the date as year, month and day, for example 2026-03-10.")
BAD_TIME = N_("Give the time as hours and minutes, for example 15:00.")
NO_SUCH_TIME = N_("This time does not exist in that zone: the clocks change then.")
BAD_ZONE = N_("Pick a time zone from the list.")
BAD_DURATION = N_("Give the length in minutes, from 15 to 480.")
BAD_LINK = N_("Give a full web address starting with https:// or http://.")
BAD_LANGUAGE = N_("Pick one of the discussion's languages.")


@dataclass(frozen=True)
class SessionInput:
    """A session as the studio form gives it: text as typed, titles by language."""

    titles: Mapping[str, str]
    descriptions: Mapping[str, str]
    day: str  # YYYY-MM-DD
    clock: str  # HH:MM
    timezone: str
    duration: str  # minutes
    registration_url: str
    language: str


@dataclass(frozen=True)
class CheckedSession:
    titles: dict[str, str]
    descriptions: dict[str, str]
    starts_at: datetime
    timezone: str
    duration_minutes: int
    registration_url: str
    language: str

    def summary(self) -> dict[str, Any]:
        """The values the history keeps of a session."""
        return {
            "title": self.titles,
            "description": self.descriptions,
            "starts_at": self.starts_at.isoformat(),
            "timezone": self.timezone,
            "minutes": self.duration_minutes,
            "link": self.registration_url,
            "language": self.language,
        }


def blank_form(discussion: Discussion) -> dict[str, str]:
    """What the add form holds before anything is typed."""
    return {
        "timezone": discussion.timezone,
        "duration": str(DEFAULT_MINUTES),
        "language": discussion.language_list[0],
    }


def _moment(day: str, clock: str, zone: str, errors: dict[str, str]) -> datetime | None:
    try:
        parsed_day = date.fromisoformat(day.strip()) if len(day.strip()) == 10 else None
    except ValueError:
        parsed_day = None
    if parsed_day is None:
        errors["day"] = BAD_DATE
    try:
        parsed_time = time.fromisoformat(clock.strip()) if len(clock.strip()) in (5, 8) else None
    except ValueError:
        parsed_time = None
    if parsed_time is None:
        errors["clock"] = BAD_TIME
    if parsed_day is None or parsed_time is None or "timezone" in errors:
        return None
    local = datetime.combine(parsed_day, parsed_time.replace(second=0), ZoneInfo(zone))
    moment = local.astimezone(UTC)
    if moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local.replace(tzinfo=None):
        errors["clock"] = NO_SUCH_TIME  # a wall time skipped when the clocks go forward
        return None
    return moment


def _link(text: str) -> bool:
    if len(text) > LINK_MAX or not text.isprintable() or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname) and port_ok


def check_session(data: SessionInput, languages: Sequence[str]) -> CheckedSession:
    """Check what an organiser typed; raise FormInvalid naming every refused field."""
    errors: dict[str, str] = {}
    titles = {code: data.titles.get(code, "").strip() for code in languages}
    descriptions = {code: data.descriptions.get(code, "").strip() for code in languages}
    for code in languages:
        if len(titles[code]) > TITLE_MAX:
            errors[f"title-{code}"] = TITLE_TOO_LONG
        if len(descriptions[code]) > DESCRIPTION_MAX:
            errors[f"description-{code}"] = DESCRIPTION_TOO_LONG
    if not any(titles.values()):
        errors[f"title-{languages[0]}"] = NO_TITLE
    zone = data.timezone.strip()
    if not zone or len(zone) > 64 or zone_problems(zone):
        errors["timezone"] = BAD_ZONE
    starts_at = _moment(data.day, data.clock, zone, errors)
    duration = data.duration.strip()
    minutes = (
        int(duration) if duration.isascii() and duration.isdigit() and len(duration) < 4 else 0
    )
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors["duration"] = BAD_DURATION
    link = data.registration_url.strip()
    if link and not _link(link):
        errors["registration_url"] = BAD_LINK
    if data.language not in languages:
        errors["language"] = BAD_LANGUAGE
    if errors or starts_at is None:
        raise FormInvalid(errors)
    return CheckedSession(
        titles={code: text for code, text in titles.items() if text},
        descriptions={code: text for code, text in descriptions.items() if text},
        starts_at=starts_at,
        timezone=zone,
        duration_minutes=minutes,
        registration_url=link,
        language=data.language,
    )
