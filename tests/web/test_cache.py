"""Anonymous readers share cached pages, which change as soon as the discussion does."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from forum.core import versions
from forum.core.clock import FixedClock
from forum.core.content import bump_content_version
from forum.db import Database
from forum.models import Discussion
from forum.models.types import Role
from forum.web import cache
from forum.web.cache import CachedPage, Flights, PageCache
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user, post_form, sign_in_as

QUESTION = "/en/discussions/remote-apprenticeships/questions/2"


@pytest.fixture
async def discussion(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=2)), now=NOW)


def _anonymous(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]


@pytest.mark.usefixtures("discussion")
@pytest.mark.parametrize(
    "path",
    [
        QUESTION,
        "/en/discussions/remote-apprenticeships",
        "/es/discussions/remote-apprenticeships/comments",
    ],
)
async def test_second_anonymous_visit_is_served_from_cache(
    client: httpx.AsyncClient, count_statements: StatementCounter, path: str
) -> None:
    first = await client.get(path)
    assert first.headers["x-cache"] == "miss"
    before = count_statements.count
    second = await client.get(path)
    assert second.headers["x-cache"] == "hit" and second.text == first.text
    assert count_statements.count - before <= 2  # the version check (and SQLite's BEGIN)


@pytest.mark.usefixtures("discussion")
async def test_published_post_shows_at_once_to_anonymous_readers(
    client: httpx.AsyncClient, db: Database
) -> None:
    reader = _anonymous(client)
    assert "Nuestra escuela" not in (await reader.get(QUESTION)).text
    await sign_in_as(client, db, await make_user(db, role=Role.MODERATOR))
    await post_form(
        client,
        QUESTION + "/answer",
        {
            "source": "Nuestra escuela abrió talleres los sábados para grupos pequeños.",
            "language": "",
            "quote_consent": "by_name",
            "action": "publish",
        },
        form_page=QUESTION,
    )
    again = await reader.get(QUESTION)
    assert again.headers["x-cache"] == "miss" and "Nuestra escuela" in again.text
    await reader.aclose()


@pytest.mark.usefixtures("discussion")
async def test_signed_in_reader_never_gets_the_shared_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _anonymous(client).get(QUESTION)
    await sign_in_as(client, db, await make_user(db))
    response = await client.get(QUESTION)
    assert "x-cache" not in response.headers
    assert "Your answer" in response.text and 'name="csrf_token"' in response.text


@pytest.mark.usefixtures("discussion")
async def test_week_opens_on_time_despite_cache(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    page = "/en/discussions/remote-apprenticeships"
    assert "Week 2 questions" not in (await client.get(page)).text
    clock.set(NOW - timedelta(days=2) + timedelta(days=7))  # the moment week two opens
    assert "Week 2 questions" in (await client.get(page)).text


def _page(size: int) -> CachedPage:
    return CachedPage("s", 1, 0, b"x" * size, (), None, 0.0)


def test_cache_stays_within_its_size() -> None:
    cache = PageCache(max_bytes=1000)
    for index in range(20):
        cache.put(("/p", str(index).encode()), _page(200))
    assert cache.weight <= 1000 and len(cache.items) == 5
    assert cache.get(("/p", b"19")) is not None
    assert cache.get(("/p", b"0")) is None
    cache.put(("/big", b""), _page(600))  # larger than a quarter: not kept
    assert cache.get(("/big", b"")) is None
    cache.put(("/p", b"19"), _page(100))  # built again: replaces, and the size follows
    assert cache.weight == 4 * 200 + 100


@pytest.mark.usefixtures("discussion")
@pytest.mark.parametrize(
    "path", [QUESTION, "/en/", "/fr/tags/", "/es/discussions/remote-apprenticeships"]
)
async def test_with_the_version_reader_running_a_hit_touches_no_database(
    app: Starlette,
    client: httpx.AsyncClient,
    count_statements: StatementCounter,
    path: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(versions, "INTERVAL", 60)  # one read at start, none while we count
    async with app.router.lifespan_context(app):
        await _until_read(app)
        first = await client.get(path)
        assert first.headers["x-cache"] == "miss"
        before = count_statements.count
        second = await client.get(path)
        spent = count_statements.count - before
    assert second.headers["x-cache"] == "hit" and second.text == first.text
    assert spent == 0


@pytest.mark.usefixtures("discussion")
async def test_a_change_reaches_anonymous_readers_within_a_second(
    app: Starlette, client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(versions, "INTERVAL", 0.05)
    async with app.router.lifespan_context(app):
        await _until_read(app)
        assert (await client.get("/en/")).headers["x-cache"] == "miss"
        assert (await client.get("/en/")).headers["x-cache"] == "hit"
        async with db.transaction() as session:
            await add_discussion(
                session,
                discussion_data(slug="green-jobs-now", start=NOW - timedelta(days=1)),
                now=NOW,
            )
        started = time.monotonic()
        while "green-jobs-now" not in (await client.get("/en/")).text:
            assert time.monotonic() - started < versions.STALE_AFTER
            await asyncio.sleep(0.01)


@pytest.mark.usefixtures("discussion")
async def test_versions_not_read_lately_are_not_trusted(
    app: Starlette, client: httpx.AsyncClient, count_statements: StatementCounter
) -> None:
    assert not app.state.versions.fresh()  # no reader in this app: tests, or a stalled one
    await client.get(QUESTION)
    before = count_statements.count
    assert (await client.get(QUESTION)).headers["x-cache"] == "hit"
    assert count_statements.count - before >= 1  # the version came from the database


async def _until_read(app: Starlette) -> None:
    for _ in range(200):  # at most 2 s
        if app.state.versions.fresh():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the content versions were never read")


async def _read_versions(app: Starlette, db: Database) -> None:
    """Read the content versions as the background reader does: fresh for a second."""
    async with db.session() as session:
        await app.state.versions.read(session)


@pytest.mark.usefixtures("discussion")
async def test_a_hit_before_routing_carries_every_header_of_a_page(
    app: Starlette, client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    built = await client.get(QUESTION)
    await _read_versions(app, db)
    before = count_statements.count
    hits = [await _anonymous(client).get(QUESTION) for _ in range(2)]  # no cookie at all
    assert count_statements.count == before
    for hit in hits:
        assert hit.status_code == 200 and hit.headers["x-cache"] == "hit"
        assert hit.content == built.content
        assert hit.headers["content-type"] == "text/html; charset=utf-8"
        assert hit.headers["content-language"] == "en"
        assert int(hit.headers["content-length"]) == len(built.content)
        assert "nonce-" in hit.headers["content-security-policy"]
        assert hit.headers["x-content-type-options"] == "nosniff"
        assert hit.headers["x-frame-options"] == "DENY"
        # Answered before the CSRF middleware: no cookie, so a shared cache may keep it too.
        assert "set-cookie" not in hit.headers
    # Each hit is its own request: its own id and its own nonce.
    assert hits[0].headers["x-request-id"] != hits[1].headers["x-request-id"]
    policies = {h.headers["content-security-policy"] for h in hits}
    assert len(policies) == 2


@pytest.mark.usefixtures("discussion")
async def test_a_head_request_gets_the_hit_without_its_body(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    built = await client.get(QUESTION)
    await _read_versions(app, db)
    head = await client.head(QUESTION)
    assert head.status_code == 200 and head.headers["x-cache"] == "hit"
    assert head.content == b"" and int(head.headers["content-length"]) == len(built.content)


@pytest.mark.usefixtures("discussion")
async def test_a_post_to_a_cached_address_is_never_answered_from_the_cache(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    await client.get(QUESTION)
    await _read_versions(app, db)
    posted = await client.post(QUESTION, data={"source": "x"})
    assert posted.status_code in (403, 405) and "x-cache" not in posted.headers


@pytest.mark.usefixtures("discussion")
async def test_signed_in_reader_with_fresh_versions_never_gets_the_shared_page(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    await _anonymous(client).get(QUESTION)
    await _read_versions(app, db)
    assert (await _anonymous(client).get(QUESTION)).headers["x-cache"] == "hit"
    await sign_in_as(client, db, await make_user(db, name="Amaru Quispe"))
    response = await client.get(QUESTION)
    assert "x-cache" not in response.headers
    assert "Amaru Quispe" in response.text and 'name="csrf_token"' in response.text


@pytest.mark.usefixtures("discussion")
async def test_an_ended_session_cookie_falls_through_to_the_whole_stack(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    await client.get(QUESTION)
    await _read_versions(app, db)
    client.cookies.set("forum_session", "no-longer-valid")
    response = await client.get(QUESTION)
    # Served as to any anonymous reader, but by the endpoint, which checked the cookie.
    assert response.status_code == 200 and response.headers["x-cache"] == "hit"
    assert "Sign in" in response.text


@pytest.mark.usefixtures("discussion")
async def test_a_hit_is_not_served_once_the_minute_turns(
    app: Starlette, client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    page = "/en/discussions/remote-apprenticeships"
    await client.get(page)
    await _read_versions(app, db)
    assert (await client.get(page)).headers["x-cache"] == "hit"
    clock.set(NOW - timedelta(days=2) + timedelta(days=7))  # the moment week two opens
    await _read_versions(app, db)
    opened = await client.get(page)
    assert opened.headers["x-cache"] == "miss" and "Week 2 questions" in opened.text


@pytest.mark.usefixtures("discussion")
async def test_a_hit_is_logged_and_counted_under_its_route(
    app: Starlette, client: httpx.AsyncClient, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await client.get(QUESTION)
    await _read_versions(app, db)
    with caplog.at_level("INFO", logger="forum.access"):
        hit = await client.get(QUESTION)
    assert hit.headers["x-cache"] == "hit"
    [line] = [r for r in caplog.records if r.name == "forum.access"]
    assert (line.route, line.status, line.request_id) == (  # type: ignore[attr-defined]
        "question",
        200,
        hit.headers["x-request-id"],
    )
    scraped = (await client.get("/metrics")).text
    assert 'forum_requests_total{route="question",status="200"} 2.0' in scraped
    assert 'forum_page_cache_total{result="hit"} 1.0' in scraped


@pytest.mark.usefixtures("discussion")
async def test_readers_missing_together_share_one_build(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    await _read_versions(app, db)
    readers = [_anonymous(client) for _ in range(6)]
    answers = await asyncio.gather(*(reader.get(QUESTION) for reader in readers))
    assert sorted(a.headers["x-cache"] for a in answers) == ["hit"] * 5 + ["miss"]
    assert len({a.content for a in answers}) == 1 and answers[0].status_code == 200
    for reader in readers:
        await reader.aclose()


async def test_a_flight_shares_its_outcome_and_survives_a_cancelled_leader() -> None:
    flights = Flights()
    calls: list[str] = []
    release = asyncio.Event()

    async def slow(value: str) -> str:
        calls.append(value)
        await release.wait()
        return value

    first = asyncio.create_task(flights.run("k", lambda: slow("first")))
    await asyncio.sleep(0)
    second = asyncio.create_task(flights.run("k", lambda: slow("second")))
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(first, second) == ["first", "first"] and calls == ["first"]

    async def failing() -> str:
        await asyncio.sleep(0)
        raise LookupError("no such page")

    outcomes = await asyncio.gather(
        flights.run("f", failing), flights.run("f", failing), return_exceptions=True
    )
    assert [type(o) for o in outcomes] == [LookupError, LookupError]

    release.clear()
    leader = asyncio.create_task(flights.run("c", lambda: slow("leader")))
    await asyncio.sleep(0)
    follower = asyncio.create_task(flights.run("c", lambda: slow("follower")))
    await asyncio.sleep(0)
    leader.cancel()
    await asyncio.sleep(0)
    release.set()
    assert await follower == "follower" and flights.running == {}


async def _change_and_read(app: Starlette, db: Database) -> None:
    """Change the discussion, and let the process read its new version (as the reader does)."""
    async with db.transaction() as session:
        discussion_id = await session.scalar(select(Discussion.id))
        assert discussion_id is not None
        await bump_content_version(session, discussion_id=discussion_id)
    async with db.session() as session:
        await app.state.versions.read(session)


@pytest.mark.usefixtures("discussion")
async def test_a_page_built_just_now_is_sent_as_it_was_for_half_a_second_at_most(
    app: Starlette, client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under many posts, each would make every reader of a busy page build it again; a page
    built less than STALE_FOR seconds ago is sent as it was (X-Cache: stale), then built
    again. A change still reaches readers within a second."""
    monkeypatch.setattr(versions, "INTERVAL", 3600)  # read by hand below
    path = "/en/discussions/remote-apprenticeships"
    async with app.router.lifespan_context(app):
        await _until_read(app)
        assert (await client.get(path)).headers["x-cache"] == "miss"
        await _change_and_read(app, db)
        assert (await client.get(path)).headers["x-cache"] == "stale"
        monkeypatch.setattr(cache, "STALE_FOR", 0.0)
        assert (await client.get(path)).headers["x-cache"] == "miss"
        assert (await client.get(path)).headers["x-cache"] == "hit"


@pytest.mark.usefixtures("discussion")
async def test_a_page_built_a_while_ago_is_built_again_at_once_when_it_changes(
    app: Starlette, client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a page built within the last STALE_FOR seconds may be sent stale: a quiet page
    shows a change on the next request."""
    monkeypatch.setattr(versions, "INTERVAL", 3600)  # read by hand below
    monkeypatch.setattr(cache, "STALE_FOR", 0.2)
    path = "/en/discussions/remote-apprenticeships"
    async with app.router.lifespan_context(app):
        await _until_read(app)
        assert (await client.get(path)).headers["x-cache"] == "miss"
        await asyncio.sleep(0.3)
        await _change_and_read(app, db)
        assert (await client.get(path)).headers["x-cache"] == "miss"
