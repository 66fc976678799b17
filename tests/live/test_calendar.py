"""Sessions as iCalendar: what calendar programs read, checked by parsing it back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from forum.core.errors import NotFound
from forum.core.i18n import load_catalogs
from forum.core.localize import Localized
from forum.db import Database
from forum.live.calendar import CalendarData, calendar_bytes, calendar_data, safe_filename
from forum.live.sessions import SessionView
from tests.analysis.helpers import loaded_with_the_app
from tests.conftest import NOW
from tests.helpers import counting, selects
from tests.live.conftest import SLUG, seed_discussion, seed_session, session_input

CATALOGS = load_catalogs(("en", "es", "fr"))
PAGE = "https://forum.example.org/es/discussions/remote-apprenticeships"
START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _view(**changes: object) -> SessionView:
    values: dict[str, object] = {
        "id": 7,
        "uid": "0b7c@forum.example.org",
        "sequence": 2,
        "title": Localized("Pregunte a los formadores", "es"),
        "description": Localized("Una hora de preguntas.", "es"),
        "starts_at": START,
        "ends_at": START + timedelta(minutes=90),
        "timezone": "Europe/Madrid",
        "duration_minutes": 90,
        "registration_url": "https://events.example.org/register?id=7",
        "language": "fr",
        "updated_at": NOW,
    }
    return SessionView(**(values | changes))  # type: ignore[arg-type]


def _parse(*views: SessionView, name: str | None = None) -> Calendar:
    data = CalendarData(slug=SLUG, title="Aprendizaje a distancia", sessions=list(views))
    body = calendar_bytes(data, i18n=CATALOGS["es"], discussion_url=PAGE, now=NOW, name=name)
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    return Calendar.from_ical(body)


def test_event_has_every_field_a_calendar_needs() -> None:
    calendar = _parse(_view())
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "0b7c@forum.example.org"
    assert event.decoded("DTSTAMP") == NOW
    assert event["SEQUENCE"] == 2
    assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert event.decoded("DTSTART") == START  # the same moment, written in Madrid's time
    assert event.decoded("DTSTART").strftime("%H:%M") == "15:00"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    assert str(event["SUMMARY"]) == "Pregunte a los formadores"
    assert str(event["URL"]) == PAGE
    description = str(event["DESCRIPTION"])
    assert description.startswith("Una hora de preguntas.")
    assert "Idioma de trabajo: francés" in description
    assert "Inscripción: https://events.example.org/register?id=7" in description
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Madrid"


def test_session_given_in_utc_is_written_in_utc_without_a_zone() -> None:
    calendar = _parse(_view(timezone="UTC", registration_url=""))
    (event,) = calendar.walk("VEVENT")
    assert "TZID" not in event["DTSTART"].params
    assert event["DTSTART"].to_ical() == b"20260310T140000Z"
    assert calendar.walk("VTIMEZONE") == []
    assert "Inscripción" not in str(event["DESCRIPTION"])


def test_feed_names_itself_and_gives_each_zone_once() -> None:
    calendar = _parse(
        _view(),
        _view(id=8, uid="1@forum.example.org"),
        _view(id=9, uid="2@forum.example.org", timezone="America/Bogota"),
        name="Aprendizaje a distancia",
    )
    assert str(calendar["X-WR-CALNAME"]) == "Aprendizaje a distancia"
    assert len(calendar.walk("VEVENT")) == 3
    assert sorted(str(z["TZID"]) for z in calendar.walk("VTIMEZONE")) == [
        "America/Bogota",
        "Europe/Madrid",
    ]


def test_empty_feed_is_still_a_calendar() -> None:
    calendar = _parse()
    assert calendar.walk("VEVENT") == [] and str(calendar["VERSION"]) == "2.0"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("remote-apprenticeships", "session", "7"), "remote-apprenticeships-session-7.ics"),
        (('a"b\r\nc/../d', "sessions"), "a-b-c-d-sessions.ics"),
        (("", ""), "calendar.ics"),
    ],
)
def test_file_name_is_safe(parts: tuple[str, ...], expected: str) -> None:
    assert safe_filename(*parts) == expected


async def test_calendar_data_costs_the_same_statements_for_any_number(db: Database) -> None:
    discussion = await seed_discussion(db)
    first = await seed_session(db, discussion)
    with counting(db) as one:
        async with db.session() as session:
            single = await calendar_data(session, slug=SLUG, language="es", now=NOW, live_id=first)
    for day in range(11, 15):
        await seed_session(db, discussion, session_input(day=f"2026-03-{day}"))
    with counting(db) as many:
        async with db.session() as session:
            feed = await calendar_data(session, slug=SLUG, language="es", now=NOW)
    assert [view.id for view in single.sessions] == [first]
    assert len(feed.sessions) == 5 and feed.title == "Aprendizaje a distancia"
    assert selects(one) == selects(many) == 3


async def test_calendar_data_refuses_drafts_and_unknown_sessions(db: Database) -> None:
    draft = await seed_discussion(db, published=False)
    live_id = await seed_session(db, draft)
    async with db.session() as session:
        with pytest.raises(NotFound):
            await calendar_data(session, slug=SLUG, language="en", now=NOW)
        with pytest.raises(NotFound):
            await calendar_data(session, slug=SLUG, language="en", now=NOW, live_id=live_id)


def test_the_app_loads_icalendar_only_when_a_calendar_is_asked_for() -> None:
    assert loaded_with_the_app("icalendar", "forum.live.calendar") == ["forum.live.calendar"]
