"""The search page: the box on every page, results a reader may see, hostile queries,
escaped passages, and a fixed number of statements whatever the number of posts."""

from __future__ import annotations

import html
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import col, select

from forum.db import Database
from forum.models import Post, User
from forum.models.types import Role
from forum.search.indexing import dialect_of, post_params, post_statement
from forum.search.searching import PAGE_SIZE
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user
from tests.paths import CORPORA
from tests.search.test_searching import EN_POST, ES_OTHER, SLUG, write

START = NOW - timedelta(days=2)


@pytest.fixture
async def admin(db: Database) -> User:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=SLUG, start=START), now=NOW)
    return await make_user(db, email="admin@example.org", name="Ada Admin", role=Role.ADMIN)


async def test_every_page_has_the_search_box(client: httpx.AsyncClient) -> None:
    for lang in ("en", "es", "fr"):
        page = (await client.get(f"/{lang}/")).text
        assert f'action="/{lang}/search"' in page and 'role="search"' in page


async def test_results_link_to_the_posts(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    post = await write(db, admin, ES_OTHER, "es")
    page = await client.get("/es/search", params={"q": "formación"})
    assert page.status_code == 200
    assert f"/es/discussions/{SLUG}/posts/{post.id}#post-{post.id}" in page.text
    assert "<mark>formaciones</mark>" in page.text
    assert "Aprendizaje a distancia" in page.text  # the discussion, in Spanish
    assert "1 contribución encontrada" in page.text


async def test_an_empty_search_shows_the_form_only(client: httpx.AsyncClient) -> None:
    page = await client.get("/fr/search")
    assert page.status_code == 200 and 'name="q"' in page.text
    assert 'id="results-heading"' not in page.text


async def test_no_results_is_said(client: httpx.AsyncClient, db: Database, admin: User) -> None:
    await write(db, admin, EN_POST, "en")
    page = await client.get("/en/search", params={"q": "zebra"})
    assert page.status_code == 200 and "No results" in page.text


HOSTILE = [
    "x" * 10_000,
    '"unbalanced quote',
    '"""',
    "NEAR(radio community) OR body:radio AND NOT *",
    "radio) OR (1=1",
    "' OR 1=1 --",
    "-radio",
    "-",
    "^radio*",
    "radio:*",
    "!radio & | <-> :*",
    "\x00\x01 radio",
    "%00 %' _",
    "{language}: en",
]


@pytest.mark.parametrize("typed", HOSTILE)
async def test_hostile_queries_never_fail(
    client: httpx.AsyncClient, db: Database, admin: User, typed: str
) -> None:
    await write(db, admin, EN_POST, "en")
    page = await client.get("/en/search", params={"q": typed, "sort": "date", "page": "9999"})
    assert page.status_code == 200


async def test_the_naughty_strings_never_fail(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    await write(db, admin, EN_POST, "en")
    lines = (CORPORA / "blns.txt").read_text(encoding="utf-8").splitlines()
    naughty = [line for line in lines if line.strip() and not line.startswith("#")]
    assert len(naughty) > 400
    for typed in naughty:
        page = await client.get("/en/search", params={"q": typed})
        assert page.status_code == 200, typed


async def test_xss_in_the_query_and_the_posts_is_escaped(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    payloads = [
        line
        for line in (CORPORA / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
        if "<" in line
    ][:40]
    for payload in payloads[:10]:
        await write(db, admin, f"radio {payload}", "en")
    for payload in payloads:
        page = (await client.get("/en/search", params={"q": f"radio {payload}"})).text
        assert payload not in page  # neither echoed in the box nor in a passage, unescaped
    page = (await client.get("/en/search", params={"q": "radio"})).text
    assert "<script" not in page.lower().replace("<script nonce", "")
    for payload in payloads[:10]:
        assert payload not in page


async def test_bad_filters_are_ignored(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    post = await write(db, admin, EN_POST, "en")
    page = await client.get(
        "/en/search",
        params={
            "q": "radio",
            "language": "xx",
            "group": "<b>",
            "country": "ZZ",
            "since": "yesterday",
            "until": "2026-13-45",
            "question": "-3",
            "sort": "random",
            "page": "abc",
        },
    )
    assert page.status_code == 200 and f"/posts/{post.id}" in page.text


async def test_filters_are_kept_across_pages(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    for n in range(PAGE_SIZE + 1):
        await write(db, admin, f"{EN_POST} Note {n}.", "en")
    page = (await client.get("/en/search", params={"q": "radio", "language": "en"})).text
    following = html.escape("/en/search?q=radio&language=en&sort=relevance&page=2")
    assert f'rel="next" href="{following}"' in page
    second = (await client.get(html.unescape(following))).text
    assert 'rel="prev"' in second and second.count('class="post-hit"') == 1


async def _fill(db: Database, template: Post, target: int) -> None:
    async with db.transaction() as session:
        count = len(list(await session.scalars(select(Post.id))))
        rows = [
            Post(
                **{
                    **template.model_dump(exclude={"id", "thread_id"}),
                    "source": f"{EN_POST} {index}",
                    "html": f"<p>{EN_POST} {index}</p>",
                }
            )
            for index in range(count, target)
        ]
        session.add_all(rows)
        await session.flush()
        dialect = dialect_of(session)
        await session.execute(
            text(post_statement(dialect)),
            [post_params(dialect, row.id or 0, row.language, row.html) for row in rows],
        )
        await session.execute(text("UPDATE posts SET thread_id = id WHERE thread_id = 0"))


async def test_search_page_statements_do_not_grow(
    client: httpx.AsyncClient, db: Database, admin: User, count_statements: StatementCounter
) -> None:
    template = await write(db, admin, EN_POST, "en")
    counts = []
    for target in (10, 1_000):
        await _fill(db, template, target)
        async with db.session() as session:
            assert (
                len(list(await session.scalars(select(Post.id).where(col(Post.id) > 0)))) == target
            )
        before = count_statements.count
        page = await client.get("/en/search", params={"q": "radio"})
        assert page.status_code == 200 and page.text.count('class="post-hit"') == min(
            target, PAGE_SIZE
        )
        counts.append(count_statements.count - before)
    assert counts[0] == counts[1]
