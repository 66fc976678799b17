"""The route table walked whole: names, pages in every language, 405s, links and the switcher."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.applications import Starlette

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.models import Question, QuestionSet, Tag
from forum.models.types import Role
from forum.web.urls import Action, path_for
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import csrf_token, make_user, sign_in_as, user_row, walk_routes
from tests.paths import TEMPLATES

SLUG = "remote-apprenticeships"
# GET pages that answer 404 to a made-up token: they render in the tests of their area.
TOKEN_PAGES = {"confirm_email", "reset_password", "newsletter_confirm", "newsletter_manage"}
TOKEN_PAGES |= {"newsletter_unsubscribe"}
NOT_HTML = {"healthz", "readyz", "metrics", "document", "root", "live_calendar", "live_session_ics"}
NOT_HTML |= {"discussion_feed", "question_feed", "tag_feed", "search_feed"}
NOT_HTML |= {"moderation_export_csv", "moderation_export_json", "open_data_csv", "open_data_json"}
NOT_HTML |= {"open_data_counts_csv", "account_data"}


def test_every_route_has_a_unique_name(app: Starlette) -> None:
    names = [route.name for _path, route in walk_routes(app)]
    assert len(names) >= 40, names  # the walk reached inside the /{lang} mount
    assert all(names), [path for path, route in walk_routes(app) if not route.name]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_every_post_only_route_is_an_action_with_a_get_screen(app: Starlette) -> None:
    gets = {route.name for _path, route in walk_routes(app) if "GET" in (route.methods or ())}
    for path, route in walk_routes(app):
        if route.methods == {"POST"}:
            assert isinstance(route, Action), path
            assert route.screen in gets, (path, route.screen)


def _concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)


async def _seed(db: Database) -> dict[str, str]:
    """A discussion open since yesterday and one answer by an admin, who is signed in after."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    admin = await make_user(db, email="admin@example.org", role=Role.ADMIN)
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=admin,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft("Une réponse écrite pour parcourir chaque page.", "fr", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
    async with db.session() as session:
        week = await session.scalar(select(func.min(QuestionSet.id)))
        question = await session.scalar(select(func.min(Question.id)))
        tag = await session.scalar(select(func.min(Tag.id)))
    return {
        "slug": SLUG,
        "number": "1",
        "position": "1",
        "id": str(post.id),
        "token": "x",
        "author": str(admin.id),
        "week": str(week),
        "question": str(question),
        "tag": str(tag),
        "tag_slug": "access-to-training",
    }


# Pages whose {id} is not a post's: which of the seeded values it takes.
ID_OF = {
    "person": "author",
    "studio_week": "week",
    "studio_question": "question",
    "studio_tag": "tag",
}


# Pages whose {slug} is not a discussion's: which of the seeded values it takes.
SLUG_OF = {"tag": "tag_slug", "tag_feed": "tag_slug"}


def _page_path(path: str, name: str | None, values: dict[str, str]) -> str:
    if name in SLUG_OF:
        return _concrete(path, {**values, "slug": values[SLUG_OF[name]]})
    if name in ID_OF:
        return _concrete(path, {**values, "id": values[ID_OF[name]]})
    return _concrete(path, values)


@pytest.mark.parametrize("language", ["en", "es", "fr"])
async def test_every_get_page_renders_in_each_language(
    app: Starlette, client: httpx.AsyncClient, db: Database, language: str
) -> None:
    values = await _seed(db)
    author = await user_row(db, "admin@example.org")
    assert author is not None
    await sign_in_as(client, db, author)  # an admin who wrote the post: every page is theirs
    values["lang"] = language
    walked = 0
    for path, route in walk_routes(app):
        if "GET" not in (route.methods or ()) or route.name in TOKEN_PAGES | NOT_HTML:
            continue
        concrete = _page_path(path, route.name, values)
        response = await client.get(concrete)
        assert response.status_code == 200, (concrete, response.status_code)
        assert response.headers["content-language"] == language, concrete
        assert f'<html lang="{language}"' in response.text, concrete
        walked += 1
    assert walked >= 15


async def test_every_page_answers_head_like_get_without_a_body(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    values = {**await _seed(db), "lang": "es"}
    author = await user_row(db, "admin@example.org")
    assert author is not None
    await sign_in_as(client, db, author)
    walked = 0
    for path, route in walk_routes(app):
        if "GET" not in (route.methods or ()) or route.name in TOKEN_PAGES | NOT_HTML:
            continue
        concrete = _page_path(path, route.name, values)
        response = await client.head(concrete)
        assert response.status_code == 200, (concrete, response.status_code)
        assert response.content == b"", concrete
        assert response.headers["content-language"] == "es", concrete
        walked += 1
    assert walked >= 15


@pytest.mark.parametrize("path", ["/es/", "/es/account/sign-in", "/es/account/sign-out"])
async def test_options_is_a_translated_405(client: httpx.AsyncClient, path: str) -> None:
    response = await client.options(path)
    assert response.status_code == 405
    assert "Esta dirección no acepta este tipo de petición." in response.text
    assert "solo recibe formularios" not in response.text
    assert "OPTIONS" not in response.headers["allow"]


async def test_every_post_only_route_answers_405_to_get_with_a_translated_page(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    values = {**await _seed(db), "lang": "es"}
    actions = [(path, route) for path, route in walk_routes(app) if isinstance(route, Action)]
    assert len(actions) >= 10
    for path, _route in actions:
        response = await client.get(_concrete(path, values))
        assert response.status_code == 405, path
        assert response.headers["allow"] == "POST", path
        assert "Esta dirección solo recibe formularios" in response.text, path
        assert response.headers["content-language"] == "es", path


async def test_get_of_sign_out_links_to_the_page_it_belongs_to(client: httpx.AsyncClient) -> None:
    response = await client.get("/fr/account/sign-out")
    assert response.status_code == 405
    assert "Cette adresse ne reçoit que des formulaires" in response.text
    assert 'href="/fr/">Ouvrir la page' in response.text


async def test_switcher_after_a_refused_answer_links_the_question_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(db)
    user = await make_user(db, email="writer@example.org")
    await sign_in_as(client, db, user)
    token = await csrf_token(client, f"/en/discussions/{SLUG}/questions/1")
    response = await client.post(
        f"/en/discussions/{SLUG}/questions/1/answer",
        data={"csrf_token": token, "source": "?", "language": "en", "quote_consent": "no"},
    )
    assert response.status_code == 422
    assert f'href="/es/discussions/{SLUG}/questions/1"' in response.text
    assert f'href="/fr/discussions/{SLUG}/questions/1"' in response.text
    assert "/answer" not in re.findall(r'href="([^"]+)" hreflang="es"', response.text)[0]


async def test_switcher_keeps_the_page_and_its_query(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(db)
    response = await client.get(f"/en/discussions/{SLUG}/questions/1?order=newest")
    assert f'href="/es/discussions/{SLUG}/questions/1?order=newest"' in response.text


async def test_a_long_query_is_echoed_at_most_once_per_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(db)
    writer = await make_user(db, email="writer@example.org")
    async with db.transaction() as session:
        await create_post(
            session,
            author=writer,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft("Una respuesta que espera a la moderación en la cola.", "es", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
    mark = "Zq7" * 700
    anonymous = [
        f"/es/?junk={mark}",
        f"/es/discussions/{SLUG}/questions/1?order=newest&junk={mark}",
        f"/es/discussions/{SLUG}/questions/1?language={mark}&page=1",
        f"/es/account/sign-in?next=/es/{mark}",
        f"/es/guidelines?{mark}",
    ]
    staff = [f"/es/moderation/?question=1&junk={mark}", f"/es/moderation/?discussion={mark}"]
    for path in anonymous + ["sign in", *staff]:
        if path == "sign in":
            admin = await user_row(db, "admin@example.org")
            assert admin is not None
            await sign_in_as(client, db, admin)
            continue
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.text.count(mark) <= 1, (path, response.text.count(mark))
    queue = await client.get(f"/es/moderation/?question=1&junk={mark}")
    assert 'name="back" value="/es/moderation/?question=1"' in queue.text
    assert (
        f'href="/fr/discussions/{SLUG}/questions/1?order=newest"'
        in (await client.get(f"/es/discussions/{SLUG}/questions/1?order=newest&junk={mark}")).text
    )


async def test_language_not_offered_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/de/guidelines")
    assert response.status_code == 404


def test_no_template_builds_a_path_by_hand() -> None:
    hand_built = re.compile(r'(href|action|src|value)="/|/\{\{ ?lang ?\}\}|"/" ~')
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.*")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if hand_built.search(line)
    ]
    assert offenders == []


def test_paths_kept_per_process_stay_few(app: Starlette) -> None:
    """Each kept path costs about 350 bytes: a worker keeps at most a few MB of them."""
    from starlette.requests import Request

    request = Request({"type": "http", "app": app, "path": "/en/", "path_params": {}})
    for post_id in range(1, 20_001):
        path_for(request, "post", lang="en", slug="a-discussion", id=post_id)
    assert 0 < len(app.state.built_paths) <= 8_192
