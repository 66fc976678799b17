"""The studio's pages from the browser's side: who gets in, forms that keep what was typed."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from forum.core.clock import FixedClock
from forum.db import Database
from forum.models import (
    Discussion,
    DiscussionChange,
    DiscussionOrganiser,
    Question,
    QuestionSet,
)
from forum.models.types import Role
from tests.conftest import NOW
from tests.helpers import csrf_token, make_user, sign_in_as
from tests.studio.conftest import SLUG, admin, answer, running, stored

NEW = {
    "slug": "digital-skills-2027",
    "timezone": "America/Bogota",
    "opens_at": "2026-04-06T09:00",
    "closes_at": "2026-04-24T18:00",
    "main_language": "es",
    "moderation": "pre",
}


async def send(
    client: httpx.AsyncClient, url: str, data: dict[str, str | list[str]], page: str | None = None
) -> httpx.Response:
    token = await csrf_token(client, page or url)
    return await client.post(url, data={**data, "csrf_token": token})


async def count_discussions(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Discussion)) or 0)


async def test_a_new_discussion_refused_keeps_what_was_typed(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await admin(db))
    typed = {
        **NEW,
        "slug": "Digital Skills!",
        "closes_at": "2026-04-01T09:00",
        "timezone": "Mars/Olympus",
        "languages": ["es", "en"],
    }
    response = await send(client, "/es/studio/new", typed)
    assert response.status_code == 422
    assert 'value="Digital Skills!"' in response.text
    assert "Mars/Olympus" in response.text
    assert "«Mars/Olympus» no es una zona horaria" in response.text
    assert "La dirección web solo puede" in response.text
    assert await count_discussions(db) == 0


async def test_an_admin_builds_a_draft_readers_cannot_see(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await admin(db))
    response = await send(client, "/en/studio/new", {**NEW, "languages": ["en", "es", "fr"]})
    assert response.status_code == 303
    assert response.headers["location"] == "/en/studio/digital-skills-2027/texts"
    assert (await client.get("/en/discussions/digital-skills-2027")).status_code == 404
    overview = await client.get("/en/studio/digital-skills-2027")
    assert "The title is missing in French." in overview.text
    assert "The discussion has no week yet." in overview.text
    found = await stored(db, "digital-skills-2027")
    assert found.language_list == ["es", "en", "fr"] and found.published_at is None
    # 09:00 in Bogotá is 14:00 UTC.
    assert found.opens_at.isoformat() == "2026-04-06T14:00:00+00:00"


async def test_publishing_is_refused_while_something_is_missing(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await admin(db))
    await send(client, "/en/studio/new", {**NEW, "languages": ["en", "es"]})
    page = "/fr/studio/digital-skills-2027"
    response = await send(client, page + "/publish", {"timing": "now"}, page)
    assert response.status_code == 422
    assert "Le titre manque en anglais." in response.text
    assert (await stored(db, "digital-skills-2027")).published_at is None


async def test_from_nothing_to_open_in_the_browser(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await sign_in_as(client, db, await admin(db))
    await send(client, "/en/studio/new", {**NEW, "languages": ["en", "es"], "main_language": "en"})
    base = "/en/studio/digital-skills-2027"
    texts = {
        "title-en": "Digital skills for everyone",
        "title-es": "Competencias digitales para todos",
        "summary-en": "How training reaches people far from the internet.",
        "summary-es": "Cómo llega la formación a quien vive lejos de internet.",
        "introduction-en": "Tell us **what works** where you live.",
        "introduction-es": "Cuéntenos **qué funciona** donde vive.",
    }
    assert (await send(client, base + "/texts", texts)).status_code == 303
    week = {
        "opens_at": "2026-04-06T09:00",
        "closes_at": "2026-04-17T18:00",
        "title-en": "Week 1: reaching people",
        "title-es": "Semana 1: llegar a la gente",
    }
    assert (await send(client, base + "/weeks", week)).status_code == 303
    async with db.session() as session:
        week_id = await session.scalar(select(func.max(QuestionSet.id)))
    question = {"text-en": "What has worked?", "text-es": "¿Qué ha funcionado?"}
    added = await send(
        client, f"{base}/weeks/{week_id}/questions", question, f"{base}/weeks/{week_id}"
    )
    assert added.status_code == 303
    published = await send(client, base + "/publish", {"timing": "now"}, base)
    assert published.status_code == 303
    public = await client.get("/es/discussions/digital-skills-2027")
    assert public.status_code == 200
    assert "Competencias digitales para todos" in public.text
    history = await client.get(base + "/history")
    for said in ("Published", "Question added", "Week added", "Texts changed", "Created"):
        assert said in history.text
    clock.set(NOW + timedelta(days=34))  # the week has opened
    question_page = await client.get("/es/discussions/digital-skills-2027/questions/1")
    assert "¿Qué ha funcionado?" in question_page.text


async def test_an_organiser_reaches_their_discussion_and_no_other(
    client: httpx.AsyncClient, db: Database
) -> None:
    await running(db)
    await running(db, slug="another-discussion")
    person = await make_user(
        db, email="org@example.org", name="Organiser Ama", role=Role.CONTRIBUTOR
    )
    found = await stored(db)
    async with db.transaction() as session:
        session.add(DiscussionOrganiser(discussion_id=found.id, user_id=person.id))
    await sign_in_as(client, db, person)
    assert 'href="/en/studio/"' in (await client.get("/en/account/profile")).text
    assert (await client.get(f"/en/studio/{SLUG}/weeks")).status_code == 200
    assert (await client.get("/en/studio/another-discussion")).status_code == 403
    assert (await client.get("/en/studio/new")).status_code == 403
    listing = await client.get("/en/studio/")
    assert f"/en/studio/{SLUG}" in listing.text and "another-discussion" not in listing.text
    refused = await send(client, "/en/studio/another-discussion/close", {}, f"/en/studio/{SLUG}")
    assert refused.status_code == 403
    assert (await stored(db, "another-discussion")).closes_at > NOW


async def test_correcting_an_answered_question_keeps_its_history(
    client: httpx.AsyncClient, db: Database
) -> None:
    await running(db)
    await answer(db, number=1)
    await sign_in_as(client, db, await admin(db))
    async with db.session() as session:
        question_id = await session.scalar(select(Question.id).where(Question.number == 1))
    page = f"/fr/studio/{SLUG}/questions/{question_id}"
    form = await client.get(page)
    assert "1 contribution répond à cette question" in form.text
    new = "Question 1 : qu'est-ce qui a réussi aux apprentis de votre région ?"
    texts = {
        "text-en": "Question 1: what worked for learners in your region?",
        "text-es": "Pregunta 1: ¿qué funcionó para el alumnado de su región?",
        "text-fr": new,
    }
    assert (await send(client, page, texts)).status_code == 303
    public = await client.get(f"/fr/discussions/{SLUG}/questions/1")
    assert "qu&#39;est-ce qui a réussi aux apprentis" in public.text
    history = await client.get(f"/fr/studio/{SLUG}/history")
    assert "qu&#39;est-ce qui a marché pour les apprenants" in history.text
    assert "a réussi aux apprentis" in history.text


async def test_removing_an_answered_question_is_a_409_with_the_reason(
    client: httpx.AsyncClient, db: Database
) -> None:
    await running(db)
    await answer(db, number=2)
    await sign_in_as(client, db, await admin(db))
    async with db.session() as session:
        question_id = await session.scalar(select(Question.id).where(Question.number == 2))
    response = await send(
        client, f"/es/studio/{SLUG}/questions/{question_id}/remove", {}, f"/es/studio/{SLUG}/weeks"
    )
    assert response.status_code == 409
    assert "La pregunta 2 tiene contribuciones" in response.text
    async with db.session() as session:
        assert await session.get(Question, question_id) is not None


async def test_an_archived_discussion_does_not_change(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await running(db)
    await sign_in_as(client, db, await admin(db))
    base = f"/en/studio/{SLUG}"
    assert (await send(client, base + "/close", {}, base)).status_code == 303
    assert (await send(client, base + "/archive", {}, base)).status_code == 303
    refused = await send(client, base + "/texts", {"title-en": "Changed"}, base)
    assert refused.status_code == 409
    assert "archived" in refused.text
    async with db.session() as session:
        kinds = list(
            await session.scalars(select(DiscussionChange.what).order_by(col(DiscussionChange.id)))
        )
    assert kinds == ["import", "close", "archive"]


async def test_a_scheduled_discussion_appears_at_its_time(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await sign_in_as(client, db, await admin(db))
    await running(db)
    async with db.transaction() as session:
        found = await session.scalar(select(Discussion).where(Discussion.slug == SLUG))
        assert found is not None
        found.published_at = None
    base = f"/en/studio/{SLUG}"
    scheduled = await send(
        client, base + "/publish", {"timing": "later", "when": "2026-03-05T10:00"}, base
    )
    assert scheduled.status_code == 303
    assert (await client.get(f"/en/discussions/{SLUG}")).status_code == 404
    clock.set(NOW + timedelta(days=1))
    assert (await client.get(f"/en/discussions/{SLUG}")).status_code == 200


async def test_duplicating_starts_a_draft_with_every_date_moved(
    client: httpx.AsyncClient, db: Database
) -> None:
    await running(db)
    await answer(db, number=1)
    await sign_in_as(client, db, await admin(db))
    base = f"/en/studio/{SLUG}"
    taken = await send(
        client, base + "/duplicate", {"new_slug": SLUG, "new_opens_at": "2027-03-01T09:00"}, base
    )
    assert taken.status_code == 422
    assert "Another discussion already uses the web address" in taken.text
    copied = await send(
        client,
        base + "/duplicate",
        {"new_slug": "remote-apprenticeships-2027", "new_opens_at": "2027-03-01T09:00"},
        base,
    )
    assert copied.status_code == 303
    copy = await stored(db, "remote-apprenticeships-2027")
    source = await stored(db)
    assert copy.published_at is None
    assert copy.closes_at - copy.opens_at == source.closes_at - source.opens_at
    assert copy.opens_at.isoformat() == "2027-03-01T08:00:00+00:00"
    page = await client.get("/en/studio/remote-apprenticeships-2027/weeks")
    assert "Question 11" in page.text and "contribution" not in page.text
