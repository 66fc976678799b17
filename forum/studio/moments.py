"""Times as organisers type them: a date and a clock time in the discussion's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


def local_to_utc(text: str, zone: str) -> datetime | None:
    """Read "2027-03-01T09:00" as a time in `zone`; None when it is not one.

    A time skipped by a clock change (02:30 on a spring-forward night) is read with the
    offset before the change, as zoneinfo does; an ambiguous one takes its first occurrence.
    """
    text = text.strip()
    try:
        moment = datetime.strptime(text[:16], LOCAL_FORMAT)
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    if len(text) not in (16, 19) or not 1900 < moment.year < 2200:
        return None
    return moment.replace(tzinfo=tz).astimezone(UTC)


def utc_to_local(moment: datetime, zone: str) -> str:
    """Write a UTC moment as `zone`'s clock shows it, for a datetime-local field."""
    try:
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        tz = ZoneInfo("UTC")
    return moment.astimezone(tz).strftime(LOCAL_FORMAT)


def zone_choices() -> list[str]:
    """Every time zone name we know, sorted; UTC first."""
    return ["UTC", *sorted(z for z in available_timezones() if "/" in z and z != "UTC")]
