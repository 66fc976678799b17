"""Live sessions over HTTP: the studio page and its actions, the calendars, the discussion page."""

from __future__ import annotations

from datetime import timedelta

import httpx
from icalendar import Calendar
from sqlmodel import func, select

from forum.db import Database
from forum.models import (
    DiscussionChange,
    DiscussionOrganiser,
    LiveSession,
    LiveSessionTranslation,
    Subscriber,
)
from forum.models.types import Role, SubscriberStatus
from tests.conftest import NOW, StatementCounter
from tests.helpers import csrf_token, make_user, outbox, sign_in_as
from tests.live.conftest import SLUG, seed_discussion, seed_session, session_input

STUDIO = f"/en/studio/{SLUG}/sessions"
FORM = {
    "title-en": "Ask the trainers",
    "title-es": "Pregunte a los formadores",
    "title-fr": "Questions aux formateurs",
    "description-en": "An hour of questions.",
    "day": "2026-03-10",
    "clock": "15:00",
    "timezone": "Europe/Madrid",
    "duration": "120",
    "registration_url": "https://events.example.org/register?id=7",
    "language": "es",
}


async def _admin(client: httpx.AsyncClient, db: Database) -> None:
    admin = await make_user(db, email="admin@example.org", role=Role.ADMIN)
    await sign_in_as(client, db, admin)


async def _post(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    token = await csrf_token(client, STUDIO)
    return await client.post(path, data={**data, "csrf_token": token})


async def _count(db: Database) -> tuple[int, int, int]:
    async with db.session() as session:
        sessions = await session.scalar(select(func.count()).select_from(LiveSession))
        texts = await session.scalar(select(func.count()).select_from(LiveSessionTranslation))
        changes = await session.scalar(
            select(func.count())
            .select_from(DiscussionChange)
            .where(DiscussionChange.what != "import")
        )
    return sessions or 0, texts or 0, changes or 0


async def test_studio_page_offers_the_form_with_the_discussions_zone(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed_discussion(db)
    await _admin(client, db)
    response = await client.get(STUDIO)
    assert response.status_code == 200
    assert "No live session is announced yet." in response.text
    assert '<option value="Europe/Madrid" selected>' in response.text
    assert 'name="duration" type="number"' in response.text and 'value="120"' in response.text
    assert 'aria-current="page">Live sessions</a>' in response.text


async def test_organiser_of_the_discussion_may_add_others_may_not(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await seed_discussion(db)
    stranger = await make_user(db, email="stranger@example.org", role=Role.MODERATOR)
    await sign_in_as(client, db, stranger)
    assert (await client.get(STUDIO)).status_code == 403
    token = await csrf_token(client, "/en/account/profile")
    refused = await client.post(STUDIO + "/add", data={**FORM, "csrf_token": token})
    assert refused.status_code == 403
    assert await _count(db) == (0, 0, 0)

    organiser = await make_user(db, email="organiser@example.org")
    async with db.transaction() as session:
        assert discussion.id is not None and organiser.id is not None
        session.add(DiscussionOrganiser(discussion_id=discussion.id, user_id=organiser.id))
    await sign_in_as(client, db, organiser)
    response = await _post(client, STUDIO + "/add", FORM)
    assert response.status_code == 303
    assert response.headers["location"] == STUDIO + "?done=added"
    assert (await _count(db))[0] == 1


async def test_anonymous_visitor_is_sent_to_sign_in(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed_discussion(db)
    response = await client.get(STUDIO)
    assert response.status_code == 303
    assert "/en/account/sign-in" in response.headers["location"]


async def test_added_session_shows_on_the_discussion_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed_discussion(db)
    await _admin(client, db)
    assert (await _post(client, STUDIO + "/add", FORM)).status_code == 303
    listed = await client.get(STUDIO + "?done=added")
    assert "The session was added." in listed.text and "Ask the trainers" in listed.text

    page = await client.get(f"/es/discussions/{SLUG}")
    assert page.status_code == 200
    text = page.text
    assert "Sesiones en directo" in text and "Pregunte a los formadores" in text
    assert "10 de marzo de 2026, 15:00 GMT+01:00" in text  # the discussion's zone, Madrid
    assert "10 de marzo de 2026, 14:00 GMT" in text  # UTC
    assert 'datetime="2026-03-10T14:00:00+00:00"' in text
    assert "español" in text  # the working language
    assert 'href="https://events.example.org/register?id=7"' in text
    assert f'href="/es/discussions/{SLUG}/sessions.ics"' in text
    async with db.session() as session:
        live = await session.scalar(select(LiveSession))
    assert live is not None and live.uid.endswith("@127.0.0.1")  # the host of the base URL
    assert f'href="/es/discussions/{SLUG}/sessions/{live.id}.ics"' in text
    assert 'src="/static/live-time.js' in text


async def test_refused_form_keeps_what_was_typed_and_writes_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed_discussion(db)
    await _admin(client, db)
    bad = {
        **FORM,
        "title-en": "",
        "title-es": "",
        "title-fr": "",
        "day": "10/03/2026",
        "timezone": "Mars/Olympus",
        "duration": "9000",
        "registration_url": "javascript:alert(1)",
        "language": "de",
        "description-en": "Kept <b>as typed</b>",
    }
    response = await _post(client, STUDIO + "/add", bad)
    assert response.status_code == 422
    text = response.text
    for message in (
        "Give the session a title in at least one language.",
        "Give the date as year, month and day, for example 2026-03-10.",
        "Pick a time zone from the list.",
        "Give the length in minutes, from 15 to 480.",
        "Give a full web address starting with https:// or http://.",
        "Pick one of the discussion&#39;s languages.",
    ):
        assert message in text, message
    assert 'value="10/03/2026"' in text and 'value="9000"' in text
    assert "Kept &lt;b&gt;as typed&lt;/b&gt;" in text
    assert 'id="e-day"' in text and 'aria-invalid="true"' in text
    assert await _count(db) == (0, 0, 0)


async def test_edit_keeps_the_uid_and_raises_the_sequence(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await seed_discussion(db)
    live_id = await seed_session(db, discussion)
    await _admin(client, db)
    form = await client.get(f"{STUDIO}?edit={live_id}")
    assert 'value="Pregunte a los formadores"' in form.text and 'value="15:00"' in form.text
    assert f'action="/en/studio/{SLUG}/sessions/{live_id}/edit"' in form.text

    refused = await _post(
        client, f"{STUDIO}/{live_id}/edit", {**FORM, "clock": "25:00", "sequence": "0"}
    )
    assert refused.status_code == 422
    assert "Give the time as hours and minutes, for example 15:00." in refused.text
    assert f'action="/en/studio/{SLUG}/sessions/{live_id}/edit"' in refused.text

    assert 'name="sequence" value="0"' in refused.text
    changed = await _post(
        client, f"{STUDIO}/{live_id}/edit", {**FORM, "clock": "16:30", "sequence": "0"}
    )
    assert changed.status_code == 303
    # a form opened before that change would overwrite it: refused, and nothing changes
    stale = await _post(
        client, f"{STUDIO}/{live_id}/edit", {**FORM, "clock": "09:00", "sequence": "0"}
    )
    assert stale.status_code == 409
    async with db.session() as session:
        live = await session.get(LiveSession, live_id)
    assert live is not None and live.sequence == 1
    assert live.starts_at == NOW.replace(day=10, hour=15, minute=30)
    assert live.uid.endswith("@forum.example.org")  # as it was given when added


async def test_remove_takes_the_session_off_the_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await seed_discussion(db)
    live_id = await seed_session(db, discussion)
    await _admin(client, db)
    response = await _post(client, f"{STUDIO}/{live_id}/remove", {})
    assert response.status_code == 303
    assert (await _count(db))[:2] == (0, 0)
    page = await client.get(f"/en/discussions/{SLUG}")
    assert "Ask the trainers" not in page.text
    again = await _post(client, f"{STUDIO}/{live_id}/remove", {})
    assert again.status_code == 404


async def test_session_download_is_an_rfc5545_event(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await seed_discussion(db)
    live_id = await seed_session(db, discussion)
    response = await client.get(f"/fr/discussions/{SLUG}/sessions/{live_id}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{SLUG}-session-{live_id}.ics"'
    )
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    # no French title: it falls back to the discussion's first language, English
    assert str(event["SUMMARY"]) == "Ask the trainers"
    assert str(event["URL"]) == f"http://127.0.0.1:8000/fr/discussions/{SLUG}"
    assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert "Langue de travail\u00a0: espagnol" in str(event["DESCRIPTION"])
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Madrid"]


async def test_feed_holds_every_session_and_unknown_ones_are_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await seed_discussion(db)
    first = await seed_session(db, discussion)
    await seed_session(db, discussion, session_input(day="2026-03-01", timezone="UTC"))
    response = await client.get(f"/en/discussions/{SLUG}/sessions.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert len(calendar.walk("VEVENT")) == 2
    assert str(calendar["X-WR-CALNAME"]) == "Apprenticeships at a distance"
    assert (
        await client.get(f"/en/discussions/{SLUG}/sessions/{first + 99}.ics")
    ).status_code == 404
    assert (await client.get("/en/discussions/nowhere/sessions.ics")).status_code == 404


async def test_sessions_of_a_draft_are_not_there_for_readers(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await seed_discussion(db, published=False)
    live_id = await seed_session(db, discussion)
    assert (await client.get(f"/en/discussions/{SLUG}/sessions.ics")).status_code == 404
    ics = await client.get(f"/en/discussions/{SLUG}/sessions/{live_id}.ics")
    assert ics.status_code == 404


async def test_past_session_is_listed_without_registration(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await seed_discussion(db)
    await seed_session(db, discussion, session_input(day="2026-03-01"))
    page = await client.get(f"/en/discussions/{SLUG}")
    assert "Past sessions" in page.text and "Upcoming sessions" not in page.text
    assert "events.example.org" not in page.text
    assert "Add to your calendar (.ics)" in page.text


async def test_adding_tells_subscribers_in_their_language(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed_discussion(db)
    async with db.transaction() as session:
        session.add(
            Subscriber(
                email="lucia@example.org",
                language="es",
                all_discussions=True,
                status=SubscriberStatus.CONFIRMED.value,
                created_at=NOW,
                confirmed_at=NOW,
            )
        )
    await _admin(client, db)
    assert (await _post(client, STUDIO + "/add", FORM)).status_code == 303
    (mail,) = await outbox(db, "lucia@example.org")
    assert mail.subject == "Sesión en directo: Pregunte a los formadores"
    assert "https://events.example.org/register?id=7" in mail.text_body


async def test_discussion_page_costs_the_same_statements_whatever_its_sessions(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    discussion = await seed_discussion(db)
    await seed_session(db, discussion)
    before = count_statements.count
    assert (await client.get(f"/en/discussions/{SLUG}?a=1")).status_code == 200
    one = count_statements.count - before
    for day in range(11, 16):
        await seed_session(db, discussion, session_input(day=f"2026-03-{day}"))
    before = count_statements.count
    page = await client.get(f"/en/discussions/{SLUG}?a=2")
    assert page.text.count('class="live-session"') == 6
    assert count_statements.count - before == one
