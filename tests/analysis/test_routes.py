"""The analysis page over HTTP: who may read it, what it shows, its cost; the queue's groups."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlmodel import select
from starlette.applications import Starlette

from forum.db import Database
from forum.models import DiscussionOrganiser, Post, User
from forum.models.types import PostStatus, Role
from tests.analysis.helpers import SLUG, person, posts, setup_discussion
from tests.helpers import counting, make_user, outbox, post_form, sign_in_as, user_row

PAGE = f"/es/moderation/discussions/{SLUG}/analysis"
CAMPAIGN = "Pedimos que la formación dual llegue también a los pueblos pequeños del interior."


async def _moderator(client: httpx.AsyncClient, db: Database) -> User:
    moderator = await user_row(db, "ana@example.org")  # imported as the discussion's moderator
    assert moderator is not None
    await sign_in_as(client, db, moderator)
    return moderator


async def test_moderator_reads_counts_charts_and_warnings(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await setup_discussion(db)
    union = await person(db, "union@example.org", "workers", "CO")
    school = await person(db, "school@example.org", "training_provider", "PE")
    await posts(db, discussion, union, question=1, count=3, language="es")
    await posts(db, discussion, school, question=1, language="fr")
    await _moderator(client, db)
    page = await client.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert "4 contribuciones publicadas de 2 participantes." in text
    assert 'role="img"' in text and '<title id="chart-group-title">' in text
    assert '<desc id="chart-group-desc">' in text and "<table" in text
    assert "<script" not in text
    # workers gave 3 answers to question 1 (the threshold): no warning; nobody answered 2
    assert "Ninguna respuesta a la pregunta 2 de: Organización de trabajadores." in text
    assert "Ninguna respuesta a la pregunta 1 de: Organización de trabajadores." not in text
    assert "Solo 1 respuesta a la pregunta 1 de: Proveedor de formación." in text


async def test_themes_are_found_when_asked_and_kept(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await setup_discussion(db)
    union = await person(db, "union@example.org", "workers", "CO")
    await posts(db, discussion, union, question=1, count=2, language="es", text=CAMPAIGN)
    await _moderator(client, db)
    before = await client.get(PAGE)
    assert "pueblos pequeños" not in before.text
    found = await post_form(client, PAGE + "/themes", {}, form_page=PAGE)
    assert found.status_code == 303 and found.headers["location"].endswith("/analysis#themes")
    after = await client.get(PAGE)
    assert re.search(r"pueblos pequeños|formación dual", after.text)


async def test_readers_and_other_moderators_may_not(
    client: httpx.AsyncClient, db: Database
) -> None:
    await setup_discussion(db)
    assert (await client.get(PAGE)).status_code in (303, 401, 403)
    outsider = await make_user(db, email="otro@example.org", role=Role.MODERATOR)
    await sign_in_as(client, db, outsider)
    assert (await client.get(PAGE)).status_code == 403
    assert (await client.get("/es/moderation/discussions/no-such/analysis")).status_code == 404


async def test_an_organiser_may(client: httpx.AsyncClient, db: Database) -> None:
    discussion = await setup_discussion(db)
    organiser = await make_user(db, email="org@example.org")
    async with db.transaction() as session:
        assert organiser.id is not None
        session.add(DiscussionOrganiser(discussion_id=discussion, user_id=organiser.id))
    await sign_in_as(client, db, organiser)
    assert (await client.get(PAGE)).status_code == 200
    studio = await client.get(f"/es/studio/{SLUG}")
    assert f'href="{PAGE}"' in studio.text  # the studio's tabs lead there


async def test_page_statements_do_not_grow(
    client: httpx.AsyncClient, db: Database, app: Starlette
) -> None:
    """The same number of statements at 10 and at 1,000 published posts."""
    discussion = await setup_discussion(db)
    author = await person(db, "union@example.org", "workers", "CO")
    await posts(db, discussion, author, question=2, count=10, tag="safety")
    await _moderator(client, db)
    await client.get(PAGE)  # warm up
    seen = []
    for more in (0, 990):
        await posts(db, discussion, author, question=3, count=more, tag="safety")
        with counting(db) as counter:
            assert (await client.get(PAGE)).status_code == 200
        seen.append(len(counter.statements))
    assert seen[0] == seen[1]


async def test_queue_shows_a_group_once_and_approves_it_whole(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await setup_discussion(db)
    authors = [await person(db, f"p{n}@example.org", "workers", "CO") for n in range(3)]
    ids = []
    for n, author in enumerate(authors):
        text = CAMPAIGN + ("" if n else "!")
        ids += await posts(
            db, discussion, author, question=1, language="es", text=text, status=PostStatus.PENDING
        )
    lone = await person(db, "lone@example.org", "government", "ES")
    [other] = await posts(
        db, discussion, lone, question=1, language="es", status=PostStatus.PENDING
    )
    await _moderator(client, db)
    queue = await client.get("/es/moderation/")
    assert queue.status_code == 200
    assert "3 contribuciones similares" in queue.text
    assert "p2</p>" in queue.text  # each member's author and text can be read before acting
    assert queue.text.count(f'id="post-{ids[0]}"') == 1
    assert f'id="post-{ids[1]}"' not in queue.text and f'id="post-{other}"' in queue.text
    data: Any = {"posts": [str(i) for i in ids]}
    response = await post_form(
        client, f"/es/moderation/posts/{ids[0]}/similar/approve", data, form_page="/es/moderation/"
    )
    assert response.status_code == 303
    async with db.session() as session:
        statuses = {p.id: p.status for p in (await session.scalars(select(Post))).all()}
    assert [statuses[i] for i in ids] == ["approved"] * 3 and statuses[other] == "pending"
    for n in range(3):
        assert len(await outbox(db, f"p{n}@example.org")) == 1


async def test_rejecting_a_group_needs_a_section(client: httpx.AsyncClient, db: Database) -> None:
    discussion = await setup_discussion(db)
    a = await person(db, "a@example.org", "workers", "CO")
    b = await person(db, "b@example.org", "workers", "CO")
    ids = await posts(
        db, discussion, a, question=1, language="es", text=CAMPAIGN, status=PostStatus.PENDING
    )
    ids += await posts(
        db, discussion, b, question=1, language="es", text=CAMPAIGN, status=PostStatus.PENDING
    )
    await _moderator(client, db)
    url = f"/es/moderation/posts/{ids[0]}/similar/reject"
    data: Any = {"posts": [str(i) for i in ids], "section": "", "note": ""}
    refused = await post_form(client, url, data, form_page="/es/moderation/")
    assert refused.status_code == 422
    async with db.session() as session:
        assert {p.status for p in (await session.scalars(select(Post))).all()} == {"pending"}
