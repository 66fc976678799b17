"""The moderators' pages as a moderator reads them: the queue, its forms, the log, the reports."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from forum.contributions.posting import Draft, PostLimits, create_post, edit_post
from forum.db import Database
from forum.models import Post, User
from forum.models.types import PostStatus
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import link_in, make_user, outbox, post_form, sign_in_as, user_row

SLUG = "remote-apprenticeships"
ANSWER = "Nuestro centro llevó la formación práctica a pequeños talleres de barrio."
EDITED = "Nuestro centro llevó la formación práctica a talleres de barrio, con tutores."


@pytest.fixture
async def author(db: Database, app: Starlette) -> User:
    """María, who answered question 1 of a pre-moderated discussion; it waits in the queue."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    maria = await make_user(db)
    await answer(db, app, maria, ANSWER)
    return maria


async def answer(
    db: Database,
    app: Starlette,
    who: User,
    text: str,
    consent: str = "by_name",
    screen: bool = True,  # check the guideline rules, as posting does
) -> int:
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=who,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft(text, "es", consent),
            limits=PostLimits(),
            now=NOW,
            rules=app.state.rules if screen else None,
        )
    assert post.id is not None
    return post.id


async def edit(db: Database, app: Starlette, who: User, post_id: int, text: str) -> None:
    async with db.transaction() as session:
        await edit_post(
            session,
            editor=who,
            post_id=post_id,
            draft=Draft(text, "es", "by_name"),
            limits=PostLimits(),
            now=NOW,
            rules=app.state.rules,
        )


async def moderator(client: httpx.AsyncClient, db: Database) -> User:
    ana = await user_row(db, "ana@example.org")  # imported as the discussion's moderator
    assert ana is not None
    await sign_in_as(client, db, ana)
    return ana


def item_html(page: str, post_id: int) -> str:
    """The queue's card of one post."""
    match = re.search(
        rf'<article class="queue-item" id="post-{post_id}">(.*?)</article>', page, re.S
    )
    assert match, f"post {post_id} is not in the queue"
    return match.group(1)


def checked_tags(page: str, post_id: int) -> list[str]:
    """The topics a browser would send with the card's Approve button."""
    approve = item_html(page, post_id).split('class="reject"')[0]
    return re.findall(r'name="tags" value="([^"]+)" checked', approve)


async def status_of(db: Database, post_id: int) -> Post:
    async with db.session() as session:
        post = await session.get(Post, post_id)
        assert post is not None
        return post


# --- item 2: topics survive a second approval ----------------------------------------------


async def test_reapprove_edited_post_keeps_its_topics(
    client: httpx.AsyncClient, db: Database, app: Starlette, author: User
) -> None:
    await moderator(client, db)
    post_id = 1
    first = await client.get("/en/moderation/")
    assert checked_tags(first.text, post_id) == []
    await post_form(
        client,
        f"/en/moderation/posts/{post_id}/approve",
        {"tags": "access-to-training", "topics": "shown"},
        form_page="/en/moderation/",
    )
    await edit(db, app, author, post_id, EDITED)
    edited = await status_of(db, post_id)  # readers keep the published text meanwhile
    assert edited.status == PostStatus.APPROVED and edited.pending_source is not None
    queue = (await client.get("/en/moderation/")).text
    assert checked_tags(queue, post_id) == ["access-to-training"]
    sent = {"tags": checked_tags(queue, post_id)[0], "topics": "shown"}
    approved = await post_form(
        client, f"/en/moderation/posts/{post_id}/approve", sent, form_page="/en/moderation/"
    )
    assert approved.status_code == 303
    page = (await client.get(f"/en/discussions/{SLUG}/posts/{post_id}")).text
    assert (
        EDITED in page
        and '<li class="tag"><a href="/en/tags/access-to-training">Access to training</a></li>'
        in page
    )


async def test_approve_without_the_topics_field_keeps_the_topics(
    client: httpx.AsyncClient, db: Database, app: Starlette, author: User
) -> None:
    await moderator(client, db)
    await post_form(
        client,
        "/en/moderation/posts/1/tags",
        {"tags": "apprenticeships"},
        form_page="/en/moderation/",
    )
    approved = await post_form(
        client, "/en/moderation/posts/1/approve", {}, form_page="/en/moderation/"
    )
    assert approved.status_code == 303
    page = (await client.get(f"/en/discussions/{SLUG}/posts/1")).text
    assert '<li class="tag"><a href="/en/tags/apprenticeships">Apprenticeships</a></li>' in page


async def test_unchecking_every_topic_on_approval_removes_them(
    client: httpx.AsyncClient, db: Database, app: Starlette, author: User
) -> None:
    await moderator(client, db)
    await post_form(
        client,
        "/en/moderation/posts/1/tags",
        {"tags": "apprenticeships"},
        form_page="/en/moderation/",
    )
    approved = await post_form(
        client, "/en/moderation/posts/1/approve", {"topics": "shown"}, form_page="/en/moderation/"
    )
    assert approved.status_code == 303
    page = (await client.get(f"/en/discussions/{SLUG}/posts/1")).text
    assert '<li class="tag">' not in page


# --- the queue: what each card says --------------------------------------------------------


async def test_queue_shows_title_consent_and_held_section_in_spanish(
    client: httpx.AsyncClient, db: Database, app: Starlette, author: User
) -> None:
    refused = await answer(db, app, author, EDITED, consent="not_at_all")
    await moderator(client, db)
    queue = (await client.get("/es/moderation/")).text
    card = item_html(queue, refused)
    assert "Aprendizaje a distancia" in card and f">{SLUG}<" not in queue
    assert "Consentimiento para ser citado en la síntesis: no." in card
    assert "Consentimiento para ser citado en la síntesis: sí, con su nombre." in item_html(
        queue, 1
    )
    assert "Retenida según la sección 8 de las normas: Cómo funciona la moderación" in card
    assert "first-posts" not in queue  # a rule's id is no word for people


async def test_queue_shows_no_badge_when_no_rule_held_the_post(
    client: httpx.AsyncClient, db: Database
) -> None:
    maria = await make_user(db)
    async with db.transaction() as session:  # pre-moderated: every post waits, no rule needed
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
        await create_post(
            session,
            author=maria,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft(ANSWER, "es", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
    await moderator(client, db)
    card = item_html((await client.get("/en/moderation/")).text, 1)
    assert "badge" not in card and "Held" not in card


async def test_queue_shows_times_in_the_discussions_zone(
    client: httpx.AsyncClient, db: Database, author: User
) -> None:
    await moderator(client, db)
    card = item_html((await client.get("/en/moderation/")).text, 1)
    # 12:00 UTC is 13:00 in Madrid, the discussion's zone, and says so
    assert "March 4, 2026, 1:00\u202fPM GMT+01:00" in card


async def test_queue_filters_by_discussion_title_and_held_section(
    client: httpx.AsyncClient, db: Database, app: Starlette, author: User
) -> None:
    held = await answer(db, app, author, ANSWER + " Escríbanos a taller@example.org.")
    await moderator(client, db)
    page = (await client.get("/fr/moderation/")).text
    assert f'<option value="{SLUG}">L&#39;apprentissage à distance</option>' in page
    assert '<option value="personal-data">3. Protégez les données personnelles</option>' in page
    only = (await client.get(f"/fr/moderation/?discussion={SLUG}&held=personal-data")).text
    assert f'id="post-{held}"' in only and 'id="post-1"' not in only


# --- rejecting from the queue --------------------------------------------------------------


async def test_reject_form_preselects_no_section(
    client: httpx.AsyncClient, db: Database, author: User
) -> None:
    await moderator(client, db)
    card = item_html((await client.get("/en/moderation/")).text, 1)
    select = card.split('name="section"')[1].split("</select>")[0]
    assert re.findall(r"<option[^>]*>", select)[0] == '<option value="">'
    assert "selected" not in select


async def test_reject_without_a_section_is_refused_and_keeps_the_note(
    client: httpx.AsyncClient, db: Database, author: User
) -> None:
    await moderator(client, db)
    response = await post_form(
        client,
        "/es/moderation/posts/1/reject",
        {"section": "", "note": "Falta citar la fuente.", "back": "/es/moderation/?language=es"},
        form_page="/es/moderation/",
    )
    assert response.status_code == 422
    assert "Elija la sección de las normas que la contribución no respeta." in response.text
    card = item_html(response.text, 1)
    assert ">Falta citar la fuente.</textarea>" in card and 'aria-invalid="true"' in card
    assert 'name="back" value="/es/moderation/?language=es"' in card
    assert (await status_of(db, 1)).status == PostStatus.PENDING
    assert await outbox(db) == []


# --- the author's record -------------------------------------------------------------------


async def test_author_record_keeps_a_rejection_after_the_post_is_edited_and_approved(
    client: httpx.AsyncClient, db: Database, app: Starlette, author: User
) -> None:
    later = await answer(db, app, author, EDITED + " Y otra idea más.")
    await moderator(client, db)
    await post_form(
        client,
        "/en/moderation/posts/1/reject",
        {"section": "on-topic"},
        form_page="/en/moderation/",
    )
    await edit(db, app, author, 1, EDITED)
    approved = await post_form(
        client, "/en/moderation/posts/1/approve", {}, form_page="/en/moderation/"
    )
    assert approved.status_code == 303
    card = item_html((await client.get("/en/moderation/")).text, later)
    assert "1 published, 1 rejected" in card
    public = (await client.get(f"/en/discussions/{SLUG}/transparency")).text
    assert '<a href="/en/guidelines#on-topic">2. Stay on topic</a>: 1' in public


# --- where the moderator goes back to ------------------------------------------------------


@pytest.mark.parametrize(
    ("back", "location"),
    [
        ("/en/moderation/", "/en/moderation/?done=approved#post"),
        ("/en/moderation/?", "/en/moderation/?done=approved#post"),
        (
            "/en/moderation/?language=es&done=rejected",
            "/en/moderation/?language=es&done=approved#post",
        ),
        ("https://elsewhere.example/en/moderation/", "/en/moderation/?done=approved#post"),
    ],
)
async def test_approve_goes_back_without_a_stray_ampersand(
    client: httpx.AsyncClient, db: Database, author: User, back: str, location: str
) -> None:
    await moderator(client, db)
    response = await post_form(
        client, "/en/moderation/posts/1/approve", {"back": back}, form_page="/en/moderation/"
    )
    assert response.status_code == 303 and response.headers["location"] == location


# --- key quotes and the author's consent ---------------------------------------------------


async def test_mark_key_quote_without_consent_is_refused_in_the_readers_language(
    client: httpx.AsyncClient, db: Database, app: Starlette, author: User
) -> None:
    refused = await answer(db, app, author, EDITED, consent="not_at_all")
    await moderator(client, db)
    for post_id in (1, refused):
        await post_form(
            client, f"/es/moderation/posts/{post_id}/approve", {}, form_page="/es/moderation/"
        )
    page_url = f"/es/discussions/{SLUG}/posts/{refused}"
    page = (await client.get(page_url)).text
    assert "Consentimiento para ser citado en la síntesis: no." in page
    assert "Marcar como cita clave" not in page.split(f'id="post-{refused}"')[1]
    response = await post_form(
        client,
        f"/es/moderation/posts/{refused}/key-quote",
        {"quoted": "yes", "back": page_url},
        form_page=page_url,
    )
    assert response.status_code == 409
    assert "Su autor no aceptó que se citara esta contribución." in response.text
    assert (await status_of(db, refused)).key_quote is False
    assert "Cita clave" not in (await client.get(page_url)).text


# --- the log -------------------------------------------------------------------------------


def visible_text(page: str) -> str:
    """What a person reads: the page without its markup (links and values left out)."""
    return re.sub(r"<[^>]+>", " ", page)


async def test_log_in_spanish_names_sections_topics_and_discussions(
    client: httpx.AsyncClient, db: Database, app: Starlette, author: User
) -> None:
    other = await answer(db, app, author, EDITED)
    await moderator(client, db)
    await post_form(
        client,
        "/es/moderation/posts/1/approve",
        {"tags": "access-to-training"},
        form_page="/es/moderation/",
    )
    await post_form(
        client,
        f"/es/moderation/posts/{other}/reject",
        {"section": "personal-data", "note": "Quite el teléfono."},
        form_page="/es/moderation/",
    )
    page = (await client.get("/es/moderation/log")).text
    text = visible_text(page)
    assert "Normas de la comunidad, sección 3: Proteja los datos personales" in text
    assert "Temas: Acceso a la formación" in text and "Quite el teléfono." in text
    assert "Aprendizaje a distancia" in text
    for raw in ("personal-data", "access-to-training", SLUG):
        assert raw not in text
    # the discussion's time zone, with its offset, as on the discussion's pages
    assert "4 de marzo de 2026, 13:00 GMT+01:00" in text and "12:00" not in text


async def test_log_lets_a_moderator_find_their_own_person_actions(
    client: httpx.AsyncClient, db: Database, author: User
) -> None:
    ana = await moderator(client, db)
    trusted = await post_form(
        client,
        f"/en/moderation/people/{author.id}",
        {"do": "trust", "back": "/en/moderation/log"},
        form_page="/en/moderation/",
    )
    assert trusted.status_code == 303
    assert trusted.headers["location"] == "/en/moderation/log?done=person#people"
    log = (await client.get("/en/moderation/log")).text
    assert f'<option value="{ana.id}">Ana Ortiz (you)</option>' in log
    mine = (await client.get(f"/en/moderation/log?actor={ana.id}")).text
    assert "1 entry" in mine and ">trusted<" in mine and "María Pérez" in mine
    assert "1 entry" in (await client.get(f"/en/moderation/log?actor={ana.id}&action=trust")).text
    assert "0 entries" in (await client.get("/en/moderation/log?action=ban")).text


# --- from the rejection mail to the edit page ----------------------------------------------


async def test_edit_page_from_the_rejection_mail_repeats_the_reason_and_the_note(
    client: httpx.AsyncClient, db: Database, author: User
) -> None:
    await moderator(client, db)
    await post_form(
        client,
        "/en/moderation/posts/1/reject",
        {"section": "on-topic", "note": "Cuéntenos qué pasó en su región, por favor."},
        form_page="/en/moderation/",
    )
    [mail] = await outbox(db, "maria@example.org")
    assert "Normas de la comunidad, sección 2: Cíñase al tema" in mail.text_body
    edit_path = link_in(mail.text_body, "/edit")
    writer = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(writer, db, author)
    page = (await writer.get(edit_path)).text
    await writer.aclose()
    reason = page.split("<h1>")[1].split('<form method="post"')[0]
    assert '<a href="/es/guidelines#on-topic">' in reason
    assert "Normas de la comunidad, sección 2: Cíñase al tema" in reason
    assert "Cuéntenos qué pasó en su región, por favor." in reason


# --- reports and the week summary ----------------------------------------------------------


async def test_reports_name_the_discussion_by_its_title(
    client: httpx.AsyncClient, db: Database, author: User
) -> None:
    await moderator(client, db)
    await post_form(client, "/es/moderation/posts/1/approve", {}, form_page="/es/moderation/")
    reader = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(reader, db, await make_user(db, email="luc@example.org", name="Luc"))
    post_url = f"/es/discussions/{SLUG}/posts/1"
    reported = await post_form(
        reader, post_url + "/report", {"section": "respect"}, form_page=post_url
    )
    await reader.aclose()
    assert reported.status_code == 303
    page = (await client.get("/es/moderation/reports")).text
    assert "Aprendizaje a distancia" in page and SLUG not in visible_text(page)
    assert "1. Respeto" in page


async def test_week_summary_heading_names_the_week_once(
    client: httpx.AsyncClient, db: Database, author: User
) -> None:
    await moderator(client, db)
    page = (await client.get(f"/en/moderation/discussions/{SLUG}/weeks/1/summary")).text
    text = " ".join(visible_text(page).split())
    assert "Week 1: Week 1" not in text
    assert "The moderators' summary of week 1" in text and "Week 1: staying in touch" in text


async def test_queue_and_log_pages_cost_the_same_statements_for_any_size(
    client: httpx.AsyncClient,
    db: Database,
    app: Starlette,
    author: User,
    count_statements: StatementCounter,
) -> None:
    await moderator(client, db)
    counts: dict[str, list[int]] = {"/en/moderation/": [], "/en/moderation/log": []}
    for size in (1, 4):  # more waiting posts, more entries in the log
        for index in range(size):
            post_id = await answer(db, app, author, f"{EDITED} {size}{index}.", screen=False)
            await post_form(
                client,
                f"/en/moderation/posts/{post_id}/approve",
                {"tags": "access-to-training"},
                form_page="/en/moderation/",
            )
            await answer(db, app, author, f"{ANSWER} {size}{index}.", screen=False)
        for path, seen in counts.items():
            before = count_statements.count
            assert (await client.get(path)).status_code == 200
            seen.append(count_statements.count - before)
    assert [counts[path][0] == counts[path][1] for path in counts] == [True, True], counts


async def test_queue_and_log_read_unicode_digits_in_the_query_as_no_number(
    client: httpx.AsyncClient, db: Database, author: User
) -> None:
    await moderator(client, db)
    for path in ("/en/moderation/?question=²&page=²", "/en/moderation/log?actor=²&page=¹"):
        assert (await client.get(path)).status_code == 200
