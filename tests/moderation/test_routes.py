"""Moderators at work over HTTP: the queue, approving with tags, rejecting, reports, records."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.models import User
from forum.models.types import Role
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user, outbox, post_form, sign_in_as, user_row

ANSWER = "Nuestro centro llevó la formación práctica a pequeños talleres de barrio."


@pytest.fixture
async def pending_post(db: Database, app: Starlette) -> tuple[User, int]:
    """A pre-moderated discussion with one answer from María waiting for a moderator."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    author = await make_user(db)
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=author,
            discussion_slug="remote-apprenticeships",
            question_number=1,
            parent_id=None,
            draft=Draft(ANSWER, "es", "by_name"),
            limits=PostLimits(),
            now=NOW,
            rules=app.state.rules,
        )
    assert post.id is not None
    return author, post.id


async def _moderator(client: httpx.AsyncClient, db: Database) -> User:
    moderator = await user_row(db, "ana@example.org")  # imported as the discussion's moderator
    assert moderator is not None
    await sign_in_as(client, db, moderator)
    return moderator


async def test_moderator_approves_with_two_tags_and_readers_see_them(
    client: httpx.AsyncClient, db: Database, pending_post: tuple[User, int]
) -> None:
    _author, post_id = pending_post
    await _moderator(client, db)
    queue = await client.get("/es/moderation/")
    assert queue.status_code == 200 and ANSWER in queue.text
    # the rule is named by the guideline section it cites, in the moderator's language
    assert "Retenida según la sección 8 de las normas: Cómo funciona la moderación" in queue.text
    token_page = "/es/moderation/"
    response = await post_form(
        client,
        f"/es/moderation/posts/{post_id}/approve",
        {"tags": "access-to-training"},
        form_page=token_page,
    )
    assert response.status_code == 303
    reader = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    page = (await reader.get("/es/discussions/remote-apprenticeships/questions/1")).text
    assert ANSWER in page and "Acceso a la formación" in page
    again = await post_form(
        client, f"/es/moderation/posts/{post_id}/approve", {}, form_page=token_page
    )
    assert again.status_code == 409
    assert "Esta contribución ya se ha aprobado." in again.text
    [mail] = await outbox(db, "maria@example.org")
    assert mail.language == "es" and f"/posts/{post_id}" in mail.text_body
    await reader.aclose()


async def test_two_tags_are_stored_and_shown(
    client: httpx.AsyncClient, db: Database, pending_post: tuple[User, int]
) -> None:
    _author, post_id = pending_post
    await _moderator(client, db)
    token = await client.get("/en/moderation/")
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', token.text)
    assert csrf
    response = await client.post(
        f"/en/moderation/posts/{post_id}/approve",
        data={"csrf_token": csrf.group(1), "tags": ["access-to-training", "apprenticeships"]},
    )
    assert response.status_code == 303
    page = (await client.get(f"/en/discussions/remote-apprenticeships/posts/{post_id}")).text
    assert "Access to training" in page and "Apprenticeships" in page


async def test_rejected_author_sees_reason_and_guideline_link(
    client: httpx.AsyncClient, db: Database, pending_post: tuple[User, int]
) -> None:
    author, post_id = pending_post
    await _moderator(client, db)
    response = await post_form(
        client,
        f"/fr/moderation/posts/{post_id}/reject",
        {"section": "on-topic", "note": "Merci de répondre à la question 1."},
        form_page="/fr/moderation/",
    )
    assert response.status_code == 303
    writer = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(writer, db, author)
    page = (await writer.get(f"/es/discussions/remote-apprenticeships/posts/{post_id}")).text
    assert "Un moderador no publicó esta contribución" in page
    assert 'href="/es/guidelines#on-topic"' in page and "Merci de répondre" in page
    mail = (await outbox(db, "maria@example.org"))[-1]
    assert "/es/guidelines#on-topic" in mail.text_body and "/edit" in mail.text_body
    stranger = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    assert (
        await stranger.get(f"/es/discussions/remote-apprenticeships/posts/{post_id}")
    ).status_code == 404
    await writer.aclose()
    await stranger.aclose()


async def test_moderator_of_another_discussion_gets_403(
    client: httpx.AsyncClient, db: Database, pending_post: tuple[User, int]
) -> None:
    _author, post_id = pending_post
    async with db.transaction() as session:
        other = discussion_data(slug="elsewhere", start=NOW - timedelta(days=1))
        other["moderators"] = [{"name": "Otro", "organisation": "", "email": "otro@example.org"}]
        await add_discussion(session, other, now=NOW)
    outsider = await user_row(db, "otro@example.org")
    assert outsider is not None
    await sign_in_as(client, db, outsider)
    queue = (await client.get("/en/moderation/")).text
    assert ANSWER not in queue
    response = await post_form(
        client, f"/en/moderation/posts/{post_id}/approve", {}, form_page="/en/moderation/"
    )
    assert response.status_code == 403


async def test_three_reports_hide_a_post_until_a_moderator_decides(
    client: httpx.AsyncClient, db: Database, pending_post: tuple[User, int]
) -> None:
    _author, post_id = pending_post
    await _moderator(client, db)
    await post_form(
        client, f"/en/moderation/posts/{post_id}/approve", {}, form_page="/en/moderation/"
    )
    url = f"/en/discussions/remote-apprenticeships/posts/{post_id}"
    for index in range(3):
        reader = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
        await sign_in_as(reader, db, await make_user(db, email=f"r{index}@example.org"))
        response = await post_form(
            reader,
            url + "/report",
            {"section": "respect", "note": "Tono poco amable."},
            form_page=url,
        )
        assert response.status_code == 303
        if index == 0:
            twice = await post_form(reader, url + "/report", {"section": "respect"}, form_page=url)
            assert twice.status_code == 409
        await reader.aclose()
    anonymous = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    assert (await anonymous.get(url)).status_code == 404
    reports = await client.get("/en/moderation/reports")
    assert "3 reports" in reports.text
    kept = await post_form(
        client,
        f"/en/moderation/posts/{post_id}/reports",
        {"outcome": "dismiss"},
        form_page="/en/moderation/reports",
    )
    assert kept.status_code == 303
    assert (await anonymous.get(url)).status_code == 200
    log = (await client.get("/en/moderation/log")).text
    assert "hidden after reports" in log and "reports dismissed" in log and "approved" in log
    assert "3 reports" in log  # the count the system wrote, worded in the reader's language
    transparency = (await anonymous.get("/en/discussions/remote-apprenticeships/transparency")).text
    assert "Contributions received" in transparency
    await anonymous.aclose()


async def test_admin_assigns_and_removes_a_moderator(
    client: httpx.AsyncClient, db: Database, pending_post: tuple[User, int]
) -> None:
    _author, post_id = pending_post
    admin = await make_user(db, email="admin@example.org", name="Admin", role=Role.ADMIN)
    newcomer = await make_user(db, email="nueva@example.org", name="Nueva Moderadora")
    await sign_in_as(client, db, admin)
    page = "/en/admin/discussions/remote-apprenticeships/moderators"
    assert "ana@example.org" in (await client.get(page)).text
    unknown = await post_form(client, page, {"email": "nobody@example.org"})
    assert unknown.status_code == 422 and "nobody@example.org" in unknown.text
    added = await post_form(client, page, {"email": "NUEVA@example.org"})
    assert added.status_code == 303
    twice = await post_form(client, page, {"email": "nueva@example.org"})
    assert twice.status_code == 409
    moderator = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(moderator, db, newcomer)
    assert ANSWER in (await moderator.get("/en/moderation/")).text
    removed = await post_form(client, f"{page}/{newcomer.id}/remove", {}, form_page=page)
    assert removed.status_code == 303
    refused = await post_form(
        moderator, f"/en/moderation/posts/{post_id}/approve", {}, form_page="/en/moderation/"
    )
    assert refused.status_code == 403
    contributor = await post_form(
        moderator, page, {"email": "x@example.org"}, form_page="/en/moderation/"
    )
    assert contributor.status_code == 403
    await moderator.aclose()


async def test_moderator_hides_a_post_and_restores_it_from_the_log(
    client: httpx.AsyncClient, db: Database, pending_post: tuple[User, int]
) -> None:
    _author, post_id = pending_post
    await _moderator(client, db)
    await post_form(
        client, f"/en/moderation/posts/{post_id}/approve", {}, form_page="/en/moderation/"
    )
    url = f"/en/discussions/remote-apprenticeships/posts/{post_id}"
    quoted = await post_form(
        client,
        f"/en/moderation/posts/{post_id}/key-quote",
        {"quoted": "yes", "back": url},
        form_page=url,
    )
    assert quoted.status_code == 303 and quoted.headers["location"].startswith(url)
    assert "Key quote" in (await client.get(url)).text
    hidden = await post_form(
        client, f"/en/moderation/posts/{post_id}/hide", {"back": url}, form_page=url
    )
    assert hidden.status_code == 303
    assert (await client.get(url)).status_code == 404
    restored = await post_form(
        client, f"/en/moderation/posts/{post_id}/restore", {}, form_page="/en/moderation/log"
    )
    assert restored.status_code == 303
    assert (await client.get(url)).status_code == 200


async def test_moderator_writes_weekly_summary_readers_see_it(
    client: httpx.AsyncClient, db: Database, pending_post: tuple[User, int]
) -> None:
    await _moderator(client, db)
    form_page = "/es/moderation/discussions/remote-apprenticeships/weeks/1/summary?language=es"
    assert (await client.get(form_page)).status_code == 200
    saved = await post_form(
        client,
        "/es/moderation/discussions/remote-apprenticeships/weeks/1/summary",
        {"language": "es", "source": "Esta semana: **tutorías** por teléfono y radio."},
        form_page=form_page,
    )
    assert saved.status_code == 303
    reader = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    page = (await reader.get("/es/discussions/remote-apprenticeships")).text
    assert "<strong>tutorías</strong> por teléfono" in page
    english = (await reader.get("/en/discussions/remote-apprenticeships")).text
    assert "<strong>tutorías</strong>" in english and 'lang="es"' in english
    bad = await post_form(
        client,
        "/es/moderation/discussions/remote-apprenticeships/weeks/1/summary",
        {"language": "de", "source": "Hallo"},
        form_page=form_page,
    )
    assert bad.status_code == 422
    await reader.aclose()


async def test_tagged_general_comment_shows_tag_labels(
    client: httpx.AsyncClient, db: Database, app: Starlette
) -> None:
    async with db.transaction() as session:
        data = discussion_data(start=NOW - timedelta(days=1))
        data["general_comments"] = True
        await add_discussion(session, data, now=NOW)
    author = await make_user(db)
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=author,
            discussion_slug="remote-apprenticeships",
            question_number=None,
            parent_id=None,
            limits=PostLimits(),
            now=NOW,
            draft=Draft("Un comentario general sobre el acceso a la formación.", "es", "by_name"),
        )
    await _moderator(client, db)
    await post_form(
        client,
        f"/es/moderation/posts/{post.id}/approve",
        {"tags": "access-to-training"},
        form_page="/es/moderation/",
    )
    page = (await client.get("/es/discussions/remote-apprenticeships/comments")).text
    assert (
        '<li class="tag"><a href="/es/tags/access-to-training">Acceso a la formación</a></li>'
        in page
    )
