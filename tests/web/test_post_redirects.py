"""Every POST route, walked with valid input, answers a redirect: refreshing never resubmits."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.routing import Route

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.models import Document
from forum.models.types import Role
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import (
    PASSWORD,
    csrf_token,
    link_in,
    make_user,
    outbox,
    post_form,
    sign_in_as,
    user_row,
    walk_routes,
)

BASE = "/en/discussions/remote-apprenticeships"
ANSWER = "Our centre moved practical training to small neighbourhood workshops with tutors."
# POSTs that rightly answer with a page: nothing was stored, or the client is not a browser.
NO_REDIRECT = {
    # action=preview on answer, comment, reply and edit shows the text; it stores nothing.
    # A mail program's RFC 8058 one-click unsubscribe gets 200: it shows no page to refresh
    # (a browser's unsubscribe form is redirected, as walked below).
}


def _post_routes(app: Starlette) -> set[str]:
    return {
        route.name
        for _path, route in walk_routes(app)
        if isinstance(route, Route) and "POST" in (route.methods or ())
    }


async def _post(db: Database, author_email: str, question: int, consent: str = "by_name") -> int:
    author = await user_row(db, author_email)
    assert author is not None
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=author,
            discussion_slug="remote-apprenticeships",
            question_number=question,
            parent_id=None,
            draft=Draft(ANSWER + f" ({question}, {author_email})", "en", consent),
            limits=PostLimits(),
            now=NOW,
        )
    assert post.id is not None
    return post.id


async def _walk_people(client: httpx.AsyncClient, db: Database) -> dict[str, httpx.Response]:
    """Register, confirm, sign out and in, reset, profile, password, deletion: as people do."""
    seen: dict[str, httpx.Response] = {}
    person = {
        "email": "newcomer@example.org",
        "password": "a long walk by the river",
        "display_name": "Kofi Boateng",
        "organisation": "",
        "country": "GH",
        "stakeholder_group": "workers",
        "preferred_language": "en",
    }
    seen["register"] = await post_form(client, "/en/account/register", person)
    link = link_in((await outbox(db, "newcomer@example.org"))[0].text_body, "/confirm/")
    seen["confirm_email"] = await post_form(client, link, {})
    seen["sign_out"] = await post_form(client, "/en/account/sign-out", {}, form_page="/en/")
    seen["sign_in"] = await post_form(
        client,
        "/en/account/sign-in",
        {"email": "newcomer@example.org", "password": "a long walk by the river"},
    )
    values = {**person, "organisation": "Transport Workers' Union"}
    del values["email"], values["password"]
    seen["profile"] = await post_form(client, "/en/account/profile", values)
    seen["password"] = await post_form(
        client,
        "/en/account/password",
        {"current_password": "a long walk by the river", "new_password": "quiet hills at noon"},
    )
    seen["reset_request"] = await post_form(
        client, "/en/account/reset", {"email": "newcomer@example.org"}
    )
    reset = link_in((await outbox(db, "newcomer@example.org"))[-1].text_body, "/reset/")
    seen["reset_password"] = await post_form(client, reset, {"password": "a brand new password"})
    unconfirmed = await make_user(db, email="late@example.org", confirmed=False)
    await sign_in_as(client, db, unconfirmed)
    seen["confirm_again"] = await post_form(
        client, "/en/account/confirm-again", {}, form_page="/en/account/profile"
    )
    seen["account_delete"] = await post_form(
        client, "/en/account/delete", {"current_password": PASSWORD, "posts": "keep"}
    )
    return seen


async def _walk_posts(client: httpx.AsyncClient, db: Database) -> dict[str, httpx.Response]:
    """Answer, comment, reply, edit and report, as a contributor."""
    seen: dict[str, httpx.Response] = {}
    await sign_in_as(client, db, await make_user(db, email="writer@example.org"))
    draft = {"source": ANSWER, "language": "en", "quote_consent": "by_name", "action": "publish"}
    seen["answer"] = await post_form(
        client, f"{BASE}/questions/1/answer", draft, form_page=f"{BASE}/questions/1"
    )
    seen["comment"] = await post_form(
        client,
        f"{BASE}/comments/new",
        {**draft, "source": "A general remark: mentors mattered more than any platform."},
        form_page=f"{BASE}/comments",
    )
    published = await _post(db, "mod@example.org", 1)
    seen["reply"] = await post_form(
        client,
        f"{BASE}/posts/{published}/reply",
        {**draft, "source": "Thank you: did the tutors visit the workshops every week?"},
        form_page=f"{BASE}/questions/1",
    )
    own = await _post(db, "writer@example.org", 2)
    seen["edit_post"] = await post_form(
        client,
        f"{BASE}/posts/{own}/edit",
        {**draft, "source": ANSWER + " We also lent tablets."},
        form_page=f"{BASE}/posts/{own}/edit",
    )
    seen["report_post"] = await post_form(
        client,
        f"{BASE}/posts/{published}/report",
        {"section": "respect"},
        form_page=f"{BASE}/posts/{published}",
    )
    return seen


async def _walk_moderation(client: httpx.AsyncClient, db: Database) -> dict[str, httpx.Response]:
    """Every moderator's and admin's verb, by an admin."""
    admin = await make_user(db, email="admin@example.org", role=Role.ADMIN, language="en")
    await sign_in_as(client, db, admin)
    author = await make_user(db, email="author@example.org", language="en")
    pending = [await _post(db, "author@example.org", n) for n in (1, 2, 4, 5)]
    shown = await _post(db, "mod@example.org", 3)
    await post_form(  # a reader's report, for the moderator to resolve
        client, f"{BASE}/posts/{shown}/report", {"section": "respect"}, form_page=BASE
    )
    queue, seen = "/en/moderation/", {}
    for name, path, data in [
        ("approve_post", f"/en/moderation/posts/{pending[0]}/approve", {}),
        ("reject_post", f"/en/moderation/posts/{pending[1]}/reject", {"section": "on-topic"}),
        ("post_tags", f"/en/moderation/posts/{shown}/tags", {"tags": "apprenticeships"}),
        ("key_quote", f"/en/moderation/posts/{shown}/key-quote", {"quoted": "yes"}),
        ("resolve_reports", f"/en/moderation/posts/{shown}/reports", {"outcome": "dismiss"}),
        ("hide_post", f"/en/moderation/posts/{shown}/hide", {}),
        ("restore_post", f"/en/moderation/posts/{shown}/restore", {}),
        ("moderate_person", f"/en/moderation/people/{author.id}", {"do": "trust"}),
        ("approve_similar", f"/en/moderation/posts/{pending[2]}/similar/approve", {}),
        (
            "reject_similar",
            f"/en/moderation/posts/{pending[3]}/similar/reject",
            {"section": "on-topic"},
        ),
        (
            "analysis_themes",
            "/en/moderation/discussions/remote-apprenticeships/analysis/themes",
            {},
        ),
        (
            "week_summary",
            "/en/moderation/discussions/remote-apprenticeships/weeks/1/summary",
            {"language": "en", "source": "This week: **phone tutoring** and radio lessons."},
        ),
        (
            "synthesis_editor",
            "/en/moderation/discussions/remote-apprenticeships/synthesis",
            {
                "text_en": "What we heard: {posts} posts.",
                "text_es": "Lo que escuchamos: {posts} contribuciones.",
                "text_fr": "Ce que nous avons entendu : {posts} contributions.",
                "publish": "1",
            },
        ),
        (
            "unpublish_synthesis",
            "/en/moderation/discussions/remote-apprenticeships/synthesis/unpublish",
            {},
        ),
        (
            "moderators",
            "/en/admin/discussions/remote-apprenticeships/moderators",
            {"email": "author@example.org"},
        ),
        (
            "remove_moderator",
            f"/en/admin/discussions/remote-apprenticeships/moderators/{author.id}/remove",
            {},
        ),
    ]:
        seen[name] = await post_form(client, path, data, form_page=queue)
    return seen


async def _walk_newsletter(client: httpx.AsyncClient, db: Database) -> dict[str, httpx.Response]:
    seen = {
        "newsletter": await post_form(
            client, "/en/newsletter", {"email": "r@example.org", "language": "en", "follow": "all"}
        )
    }
    link = link_in((await outbox(db, "r@example.org"))[0].text_body, "/newsletter/confirm/")
    seen["newsletter_confirm"] = await post_form(client, link, {})
    manage = seen["newsletter_confirm"].headers["location"].split("?")[0]
    seen["newsletter_manage"] = await post_form(client, manage, {"language": "es", "follow": "all"})
    unsubscribe = manage.replace("/manage/", "/unsubscribe/")
    seen["newsletter_unsubscribe"] = await post_form(client, unsubscribe, {})
    return seen


async def _walk_studio(client: httpx.AsyncClient, db: Database) -> dict[str, httpx.Response]:
    """Send, rename, replace and remove a document, as an admin in the studio."""
    await sign_in_as(client, db, await make_user(db, email="studio@example.org", role=Role.ADMIN))
    studio = "/en/studio/remote-apprenticeships/documents"
    token = await csrf_token(client, studio)
    seen = {
        "studio_add_document": await client.post(
            studio + "/add",
            data={"csrf_token": token, "language": "en", "title": "Guidance note"},
            files={"file": ("note.txt", b"A short note.", "text/plain")},
        )
    }
    async with db.session() as session:
        document_id = await session.scalar(select(col(Document.id)))
    one = f"{studio}/{document_id}"
    seen["studio_retitle_document"] = await post_form(
        client, one + "/title", {"title": "A better title"}, form_page=studio
    )
    seen["studio_replace_document"] = await client.post(
        one + "/file",
        data={"csrf_token": token},
        files={"file": ("note.txt", b"A longer note.", "text/plain")},
    )
    seen["studio_remove_document"] = await post_form(client, one + "/remove", {}, form_page=studio)
    return seen


async def _ids(client: httpx.AsyncClient, page: str, name: str) -> list[str]:
    """The ids in the action addresses `.../{name}/{id}/...` of a studio page, in order."""
    text = (await client.get(page)).text
    return list(dict.fromkeys(re.findall(rf"/{name}/(\d+)/", text)))


async def _walk_studio_pages(client: httpx.AsyncClient) -> dict[str, httpx.Response]:
    """Every studio form and button, as the admin signed in by _walk_studio."""
    seen: dict[str, httpx.Response] = {}
    draft = "/en/studio/walk-draft"
    three = {
        f"{k}-{c}": f"{k} {c}"
        for k in ("title", "summary", "introduction")
        for c in "en es fr".split()
    }

    async def send(name: str, url: str, data: dict[str, object], page: str) -> None:
        token = await csrf_token(client, page)
        seen[name] = await client.post(url, data={**data, "csrf_token": token})

    settings = {
        "slug": "walk-draft",
        "timezone": "UTC",
        "opens_at": "2026-05-04T09:00",
        "closes_at": "2026-05-29T18:00",
        "main_language": "en",
        "moderation": "pre",
        "languages": ["en", "es", "fr"],
    }
    await send("studio_new", "/en/studio/new", settings, "/en/studio/new")
    await send("studio_settings", draft + "/settings", {**settings, "moderation": "post"}, draft)
    await send("studio_texts", draft + "/texts", three, draft + "/texts")
    week = {"opens_at": "2026-05-04T09:00", "closes_at": "2026-05-20T18:00", "title-en": "W"}
    await send("studio_weeks", draft + "/weeks", week, draft + "/weeks")
    await send(
        "studio_weeks", draft + "/weeks", {**week, "opens_at": "2026-05-11T09:00"}, draft + "/weeks"
    )
    first, second = await _ids(client, draft + "/weeks", "weeks")
    await send("studio_week", f"{draft}/weeks/{first}", {**week, "title-es": "S"}, draft)
    for text in ("One?", "Two?"):
        await send(
            "studio_add_question",
            f"{draft}/weeks/{first}/questions",
            {"text-en": text},
            f"{draft}/weeks/{first}",
        )
    one, two = await _ids(client, f"{draft}/weeks/{first}", "questions")
    await send("studio_question", f"{draft}/questions/{one}", {"text-en": "First?"}, draft)
    await send("studio_move_question", f"{draft}/questions/{one}/move", {"step": "down"}, draft)
    await send("studio_remove_question", f"{draft}/questions/{two}/remove", {}, draft)
    await send("studio_move_week", f"{draft}/weeks/{second}/move", {"step": "up"}, draft)
    await send("studio_remove_week", f"{draft}/weeks/{second}/remove", {}, draft)
    await send(
        "studio_tags",
        draft + "/tags",
        {"slug": "walking", "kind": "topic", "label-en": "Walking"},
        draft + "/tags",
    )
    [tag] = await _ids(client, draft + "/tags", "tags")
    await send("studio_tag", f"{draft}/tags/{tag}", {"label-en": "On foot"}, draft)
    await send("studio_remove_tag", f"{draft}/tags/{tag}/remove", {}, draft)
    await send(
        "studio_add_person",
        draft + "/people",
        {"email": "mod@example.org", "role": "organiser"},
        draft,
    )
    [person] = await _ids(client, draft + "/settings", "people")
    await send(
        "studio_remove_person", f"{draft}/people/{person}/remove", {"role": "organiser"}, draft
    )
    # A complete copy of the open discussion goes through publishing.
    copy = "/en/studio/walk-copy"
    await send(
        "studio_duplicate",
        "/en/studio/remote-apprenticeships/duplicate",
        {"new_slug": "walk-copy", "new_opens_at": "2026-03-04T09:00"},
        draft,
    )
    for name, action in (
        ("studio_publish", "publish"),
        ("studio_unpublish", "unpublish"),
        ("studio_publish", "publish"),
        ("studio_close", "close"),
        ("studio_archive", "archive"),
        ("studio_unarchive", "unarchive"),
    ):
        await send(name, f"{copy}/{action}", {"timing": "now"}, copy)
    sessions = copy + "/sessions"
    session = {
        "title-en": "Ask us",
        "day": "2026-03-20",
        "clock": "15:00",
        "timezone": "UTC",
        "duration": "120",
        "registration_url": "",
        "language": "en",
    }
    await send("studio_session_add", sessions + "/add", session, sessions)
    [live] = await _ids(client, sessions, "sessions")
    await send(
        "studio_session_edit",
        f"{sessions}/{live}/edit",
        {**session, "clock": "16:00", "sequence": "0"},
        sessions,
    )
    await send("studio_session_remove", f"{sessions}/{live}/remove", {}, sessions)
    return seen


async def test_every_successful_post_redirects(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    data = {**discussion_data(start=NOW - timedelta(days=1)), "general_comments": True}
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    seen = await _walk_people(client, db)
    client.cookies.clear()
    seen |= await _walk_newsletter(client, db)
    client.cookies.clear()
    await make_user(db, email="mod@example.org", role=Role.MODERATOR, language="en")
    seen |= await _walk_posts(client, db)
    client.cookies.clear()
    seen |= await _walk_moderation(client, db)
    client.cookies.clear()
    seen |= await _walk_studio(client, db)
    seen |= await _walk_studio_pages(client)

    assert set(seen) == _post_routes(app) - NO_REDIRECT.keys()
    answers = {name: (r.status_code, r.headers.get("location", "")) for name, r in seen.items()}
    failed = {name: status for name, (status, _where) in answers.items() if status != 303}
    assert failed == {}, answers
    assert all(where.startswith("/en/") for _status, where in answers.values()), answers


async def test_one_click_unsubscribe_answers_the_mail_program(
    client: httpx.AsyncClient, db: Database
) -> None:
    await post_form(
        client, "/en/newsletter", {"email": "r@example.org", "language": "en", "follow": "all"}
    )
    link = link_in((await outbox(db, "r@example.org"))[0].text_body, "/newsletter/confirm/")
    manage = (await post_form(client, link, {})).headers["location"].split("?")[0]
    mail_program = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]

    answer = await mail_program.post(
        manage.replace("/manage/", "/unsubscribe/"),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert answer.status_code == 200 and "You are unsubscribed" in answer.text
    await mail_program.aclose()
