"""Signed-in pages of threads share their thread list, never one person's parts of it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, insert, update
from sqlmodel import col, select
from starlette.applications import Starlette

from forum.contributions.posting import Draft, PostLimits, create_post, edit_post
from forum.core import versions
from forum.core.clock import FixedClock
from forum.core.content import bump_content_version
from forum.db import Database
from forum.models import Post, User
from forum.models.types import PostStatus, Role
from forum.moderation.posts import approve_post, hide_post, set_post_tags
from forum.web import cache
from forum.web.fragments import CSRF_SLOT, NONCE
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user, post_form, sign_in_as

SLUG = "remote-apprenticeships"
QUESTION = f"/en/discussions/{SLUG}/questions/3"
COMMENTS = f"/en/discussions/{SLUG}/comments"
LIMITS = PostLimits(min_chars=10, max_chars=5000)
TEXT_A = "Ana's college lent laptops to apprentices in the first week."
TEXT_B = "Bruno's firm kept its workshop open for small groups of apprentices."
PENDING_A = "Ana still waits for a moderator to read this about evening classes."


@pytest.fixture
async def discussion(db: Database) -> None:
    """Week one open two days ago, pre-moderated, with general comments."""
    async with db.transaction() as session:
        data = discussion_data(start=NOW - timedelta(days=2))
        await add_discussion(session, {**data, "general_comments": True}, now=NOW)


class People:
    def __init__(self, ana: User, bruno: User, moderator: User) -> None:
        self.ana, self.bruno, self.moderator = ana, bruno, moderator


@pytest.fixture
async def people(db: Database, discussion: None) -> People:
    ana = await make_user(db, email="ana.c@example.org", name="Ana Contributor")
    bruno = await make_user(db, email="bruno.c@example.org", name="Bruno Contributor")
    moderator = await make_user(
        db, email="mo.d@example.org", name="Mo Derator", role=Role.ADMIN
    )  # moderates every discussion
    return People(ana, bruno, moderator)


async def _write(
    db: Database, author: User, text: str, *, question: int | None = 3, parent: int | None = None
) -> Post:
    async with db.transaction() as session:
        return await create_post(
            session,
            author=author,
            discussion_slug=SLUG,
            question_number=question,
            parent_id=parent,
            draft=Draft(text, "en", "by_name"),
            limits=LIMITS,
            now=NOW,
        )


async def _approve(app: Starlette, db: Database, moderator: User, post: Post) -> None:
    assert post.id is not None
    async with db.transaction() as session:
        await approve_post(
            session,
            actor=moderator,
            post_id=post.id,
            tag_slugs=None,
            postman=app.state.postman,
            now=NOW,
        )


async def _published(app: Starlette, db: Database, people: People, text: str, who: User) -> Post:
    post = await _write(db, who, text)
    if post.status != PostStatus.APPROVED.value:
        await _approve(app, db, people.moderator, post)
    return post


@pytest.fixture
async def browser(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same app, for a second person."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def anonymous(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A browser no one signs in on."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def _tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]*)"', page))


def _edit_links(page: str) -> set[int]:
    return {int(found) for found in re.findall(r'/posts/(\d+)/edit"', page)}


def _report_links(page: str) -> set[int]:
    return {int(found) for found in re.findall(r'/posts/(\d+)#report"', page)}


def _clean(page: str) -> None:
    """Nothing of the shared list's machinery reaches a reader."""
    assert NONCE not in page and CSRF_SLOT not in page


async def test_each_contributor_sees_edit_on_their_own_posts_only(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
) -> None:
    post_a = await _published(app, db, people, TEXT_A, people.ana)
    post_b = await _published(app, db, people, TEXT_B, people.bruno)
    await sign_in_as(client, db, people.ana)
    await sign_in_as(browser, db, people.bruno)
    ana = await client.get(QUESTION)
    bruno = await browser.get(QUESTION)
    assert ana.headers["x-fragment"] == "miss" and bruno.headers["x-fragment"] == "hit"
    assert _edit_links(ana.text) == {post_a.id} and _edit_links(bruno.text) == {post_b.id}
    assert _report_links(ana.text) == {post_b.id} and _report_links(bruno.text) == {post_a.id}
    assert "Ana Contributor" in bruno.text  # her post, not her header
    assert 'href="/en/account/profile">Bruno Contributor</a>' in bruno.text
    assert 'href="/en/account/profile">Ana Contributor</a>' not in bruno.text
    ana_tokens, bruno_tokens = _tokens(ana.text), _tokens(bruno.text)
    assert len(ana_tokens) == 1 and len(bruno_tokens) == 1 and ana_tokens != bruno_tokens
    for page in (ana.text, bruno.text):
        _clean(page)
        assert "Moderate" not in page and "Hide this post" not in page


async def test_a_pending_post_shows_to_its_author_alone(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
) -> None:
    post_b = await _published(app, db, people, TEXT_B, people.bruno)
    await sign_in_as(browser, db, people.bruno)
    assert (await browser.get(QUESTION)).headers["x-fragment"] == "miss"  # the shared list
    pending = await _write(db, people.ana, PENDING_A)
    assert pending.status == PostStatus.PENDING.value
    await sign_in_as(client, db, people.ana)
    ana = await client.get(QUESTION)
    assert ana.headers["x-fragment"] == "personal"
    assert PENDING_A in ana.text and "Awaiting moderation" in ana.text
    assert _edit_links(ana.text) == {pending.id}
    bruno = await browser.get(QUESTION)
    assert bruno.headers["x-fragment"] == "hit"
    assert PENDING_A not in bruno.text and "Awaiting moderation" not in bruno.text
    assert _edit_links(bruno.text) == {post_b.id} and _report_links(bruno.text) == set()
    assert PENDING_A not in (await anonymous.get(QUESTION)).text
    _clean(ana.text)


async def test_an_edit_waiting_shows_to_its_author_alone(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
) -> None:
    post_a = await _published(app, db, people, TEXT_A, people.ana)
    waiting = "Ana's college lent laptops and later tablets to every apprentice."
    async with db.transaction() as session:
        edited = await edit_post(
            session,
            editor=people.ana,
            post_id=post_a.id or 0,
            draft=Draft(waiting, "en", "by_name"),
            limits=LIMITS,
            now=NOW,
        )
    assert edited.pending_html is not None  # a contributor's edit waits for a moderator
    await sign_in_as(browser, db, people.bruno)
    await sign_in_as(client, db, people.ana)
    bruno = await browser.get(QUESTION)
    ana = await client.get(QUESTION)
    assert bruno.headers["x-fragment"] == "miss" and ana.headers["x-fragment"] == "personal"
    assert "later tablets" in ana.text and "Edit awaiting moderation" in ana.text
    again = await browser.get(QUESTION)
    assert again.headers["x-fragment"] == "hit"
    assert "later tablets" not in again.text and "Edit awaiting moderation" not in again.text
    assert TEXT_A in again.text


@pytest.mark.parametrize("moderator_first", [True, False])
async def test_moderator_controls_carry_their_token_and_reach_no_one_else(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    moderator_first: bool,
) -> None:
    post_a = await _published(app, db, people, TEXT_A, people.ana)
    await sign_in_as(client, db, people.moderator)
    await sign_in_as(browser, db, people.bruno)
    loads = [client, browser] if moderator_first else [browser, client]
    first = await loads[0].get(QUESTION)
    second = await loads[1].get(QUESTION)
    assert first.headers["x-fragment"] == "miss" and second.headers["x-fragment"] == "hit"
    moderator, bruno = (first, second) if moderator_first else (second, first)
    assert f"/posts/{post_a.id}/hide" in moderator.text and "Save topics" in moderator.text
    assert f"/posts/{post_a.id}/tags" in moderator.text and "Moderate" in moderator.text
    moderator_tokens = _tokens(moderator.text)
    assert len(moderator_tokens) == 1  # every form of the page: the moderator's own token
    assert moderator.text.count(f'value="{moderator_tokens.pop()}"') >= 4
    assert "/hide" not in bruno.text and "Save topics" not in bruno.text
    assert "Moderate" not in bruno.text and "Mark as a key quote" not in bruno.text
    assert len(_tokens(bruno.text)) == 1 and _tokens(bruno.text) != _tokens(moderator.text)
    reader = await anonymous.get(QUESTION)
    assert "/hide" not in reader.text and _tokens(reader.text) == set()
    assert "#reply" not in reader.text and "#report" not in reader.text
    for page in (moderator.text, bruno.text, reader.text):
        _clean(page)


@pytest.fixture
def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists and shells built again at once after a change (no `web/cache.STALE_FOR`)."""
    monkeypatch.setattr(cache, "STALE_FOR", 0.0)


@pytest.mark.usefixtures("no_grace")
async def test_changes_show_on_the_next_signed_in_load(
    app: Starlette, db: Database, people: People, client: httpx.AsyncClient
) -> None:
    post_a = await _published(app, db, people, TEXT_A, people.ana)
    await sign_in_as(client, db, people.bruno)
    await client.get(QUESTION)
    assert (await client.get(QUESTION)).headers["x-fragment"] == "hit"

    post_b = await _published(
        app, db, people, "A new approved answer about evening classes.", people.ana
    )
    page = await client.get(QUESTION)
    assert page.headers["x-fragment"] == "miss" and "about evening classes" in page.text

    async with db.transaction() as session:  # a moderator's own post is published at once
        moderators_post = await create_post(
            session,
            author=people.moderator,
            discussion_slug=SLUG,
            question_number=3,
            parent_id=None,
            draft=Draft("The moderator's note on mentors for apprentices.", "en", "by_name"),
            limits=LIMITS,
            now=NOW,
        )
    assert "mentors for apprentices" in (await client.get(QUESTION)).text
    async with db.transaction() as session:  # and so is their edit
        await edit_post(
            session,
            editor=people.moderator,
            post_id=moderators_post.id or 0,
            draft=Draft("The moderator's note on mentors, edited for clarity.", "en", "by_name"),
            limits=LIMITS,
            now=NOW,
        )
    page = await client.get(QUESTION)
    assert "edited for clarity" in page.text and "mentors for apprentices" not in page.text

    async with db.transaction() as session:
        await set_post_tags(
            session,
            actor=people.moderator,
            post_id=post_a.id or 0,
            tag_slugs=["apprenticeships"],
            now=NOW,
        )
    page = await client.get(QUESTION)
    assert '/tags/apprenticeships"' in page.text

    async with db.transaction() as session:
        await hide_post(session, actor=people.moderator, post_id=post_b.id or 0, now=NOW)
    page = await client.get(QUESTION)
    assert "about evening classes" not in page.text and TEXT_A in page.text


async def test_a_week_closing_on_the_clock_shows_to_signed_in_readers(
    app: Starlette, db: Database, people: People, client: httpx.AsyncClient, clock: FixedClock
) -> None:
    await _published(app, db, people, TEXT_A, people.ana)
    await sign_in_as(client, db, people.bruno, now=NOW)
    open_page = await client.get(QUESTION)
    assert "Open for answers until" in open_page.text and "#reply" in open_page.text
    clock.set(NOW - timedelta(days=2) + timedelta(days=13))  # week one closes, nothing edited
    closed = await client.get(QUESTION)
    assert "Closed for answers on" in closed.text
    assert "#reply" not in closed.text and "#report" not in closed.text


async def test_a_week_opening_on_the_clock_shows_to_signed_in_readers(
    db: Database, people: People, client: httpx.AsyncClient, clock: FixedClock
) -> None:
    await sign_in_as(client, db, people.bruno, now=NOW)
    week_two = f"/en/discussions/{SLUG}/questions/7"
    assert (await client.get(week_two)).status_code == 404
    question_six = f"/en/discussions/{SLUG}/questions/6"
    assert "questions/7" not in (await client.get(question_six)).text
    clock.set(NOW - timedelta(days=2) + timedelta(days=7))  # the moment week two opens
    assert (await client.get(week_two)).status_code == 200
    assert "questions/7" in (await client.get(question_six)).text


async def test_the_comments_page_is_shared_the_same_way(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
) -> None:
    comment = await _write(
        db, people.moderator, "A general comment from the moderators.", question=None
    )
    assert comment.status == PostStatus.APPROVED.value
    await sign_in_as(client, db, people.moderator)
    await sign_in_as(browser, db, people.bruno)
    moderator = await client.get(COMMENTS)
    bruno = await browser.get(COMMENTS)
    assert moderator.headers["x-fragment"] == "miss" and bruno.headers["x-fragment"] == "hit"
    assert _edit_links(moderator.text) == {comment.id} and _edit_links(bruno.text) == set()
    assert "/hide" in moderator.text and "/hide" not in bruno.text
    assert _report_links(bruno.text) == {comment.id}
    _clean(moderator.text)
    _clean(bruno.text)


async def _bulk(db: Database, template: Post, count: int) -> None:
    """Add `count` published answers beside `template`, each a thread, as fast as SQL goes."""
    rows = [
        {
            **template.model_dump(exclude={"id"}),
            "thread_id": 0,
            "status": PostStatus.APPROVED.value,
            "approved_at": NOW,
            "source": f"{TEXT_A} {index}",
        }
        for index in range(count)
    ]
    async with db.transaction() as session:
        await session.execute(insert(Post), rows)
        await session.execute(
            update(Post).where(col(Post.thread_id) == 0).values(thread_id=col(Post.id))
        )
        await bump_content_version(session, discussion_id=template.discussion_id)


@pytest.mark.usefixtures("no_grace")
async def test_a_warm_signed_in_page_costs_no_statement_whatever_its_size(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    count_statements: StatementCounter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing at all, at 10 posts or 1,000: the session is kept by the process (its lookup
    also said the viewer has no post only they see) and so are the page's data and list."""
    monkeypatch.setattr(versions, "INTERVAL", 60)  # one read at start; then by hand
    template = await _published(app, db, people, TEXT_A, people.ana)
    await sign_in_as(client, db, people.bruno)
    counts = []
    async with app.router.lifespan_context(app):
        for total in (10, 1000):
            await _bulk(db, template, total - await _count(db))
            async with db.session() as session:
                await app.state.versions.read(session)  # what the reader does every 0.25 s
            assert (await client.get(QUESTION)).headers["x-fragment"] == "miss"
            before = count_statements.count
            page = await client.get(QUESTION)
            counts.append(count_statements.count - before)
            assert page.headers["x-fragment"] == "hit"
            assert page.text.count('class="post ') == min(total, 20) and "#reply" in page.text
    assert counts == [0, 0], count_statements.statements[-sum(counts) :]


async def test_a_post_waiting_elsewhere_costs_one_look_at_this_page_only(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    count_statements: StatementCounter,
) -> None:
    """Bruno waits for a moderator on another question: this page checks his posts here (one
    statement; his session is kept), finds none, and still serves the shared list."""
    await _published(app, db, people, TEXT_A, people.ana)
    elsewhere = await _write(db, people.bruno, PENDING_A, question=1)
    assert elsewhere.status == PostStatus.PENDING.value
    await sign_in_as(client, db, people.bruno)
    async with db.session() as session:
        await app.state.versions.read(session)
    await client.get(QUESTION)
    before = count_statements.count
    page = await client.get(QUESTION)
    assert count_statements.count - before == 1, count_statements.statements[before:]
    assert page.headers["x-fragment"] == "hit" and PENDING_A not in page.text


async def _count(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Post)) or 0)


async def test_the_header_and_form_around_the_list_are_each_viewers_own(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
) -> None:
    """Ana remembered her consent to be quoted, Carla never gave it; Mo is staff."""
    await _published(app, db, people, TEXT_A, people.ana)
    carla = await make_user(db, email="carla.c@example.org", name="Carla <b>Contributor</b>")
    pages = {}
    for person in (people.ana, carla, people.moderator):
        await sign_in_as(client, db, person)
        client.cookies.delete("csrf")
        pages[person.display_name] = await client.get(QUESTION)
    ana, carla_page, moderator = (page.text for page in pages.values())
    assert all(page.headers["x-fragment"] != "personal" for page in pages.values())
    assert 'value="by_name" required checked' in ana
    assert "required checked" not in carla_page
    assert (
        "Carla &lt;b&gt;Contributor&lt;/b&gt;</a>" in carla_page
        and 'profile">Ana Contributor' not in carla_page
    )
    assert 'href="/en/moderation/"' in moderator and 'href="/en/moderation/"' not in carla_page
    assert 'href="/en/moderation/"' not in ana
    tokens = [_tokens(page) for page in (ana, carla_page, moderator)]
    assert all(len(found) == 1 for found in tokens) and len(set().union(*tokens)) == 3
    for page in (ana, carla_page, moderator):
        _clean(page)


async def test_a_post_written_in_another_process_shows_to_its_author_at_the_next_read(
    app: Starlette, db: Database, people: People, client: httpx.AsyncClient
) -> None:
    """Ana's session is kept by this process; her new post, written through another (here the
    test's own Database), shows to her once this process has read the count of changes."""
    await _published(app, db, people, TEXT_B, people.bruno)
    await sign_in_as(client, db, people.ana)
    async with app.state.db.session() as session:
        await app.state.versions.read(session)
    await client.get(QUESTION)
    assert PENDING_A not in (await client.get(QUESTION)).text
    pending = await _write(db, people.ana, PENDING_A)
    assert pending.status == PostStatus.PENDING.value
    async with app.state.db.session() as session:
        await app.state.versions.read(session)
    page = await client.get(QUESTION)
    assert PENDING_A in page.text and page.headers["x-fragment"] == "personal"


@pytest.mark.usefixtures("no_grace")
async def test_a_new_post_is_the_only_one_rendered_again_in_the_shared_list(
    app: Starlette, db: Database, people: People, client: httpx.AsyncClient
) -> None:
    await _published(app, db, people, TEXT_A, people.ana)
    await _published(app, db, people, TEXT_B, people.bruno)
    await sign_in_as(client, db, people.moderator)
    articles = app.state.shared_store.articles
    assert TEXT_B in (await client.get(QUESTION)).text
    assert len(articles.items) == 2
    third = "Carla's union asked for paid hours to follow the remote lessons."
    await _published(app, db, people, third, people.ana)
    page = await client.get(QUESTION)
    assert third in page.text and TEXT_A in page.text and page.headers["x-fragment"] == "miss"
    assert len(articles.items) == 3


async def test_a_reader_may_get_the_list_from_before_a_post_for_a_moment_its_writer_never(
    app: Starlette,
    db: Database,
    people: People,
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a stream of posts a busy list is built about twice a second, not once a post;
    the person who posted (and only they, by a short cookie) sees their post at once."""
    monkeypatch.setattr(cache, "STALE_FOR", 60.0)  # a long moment: the test never races it
    await _published(app, db, people, TEXT_A, people.ana)
    await sign_in_as(client, db, people.bruno)
    await sign_in_as(browser, db, people.moderator)  # published at once
    assert TEXT_A in (await client.get(QUESTION)).text
    assert TEXT_A in (await browser.get(QUESTION)).text
    note = "The moderator asks who lent laptops for the evening lessons."
    data = {"source": note, "language": "en", "quote_consent": "by_name", "action": "publish"}
    answered = await post_form(browser, QUESTION + "/answer", data, form_page=QUESTION)
    assert answered.status_code == 303
    assert "_wrote=1; Max-Age=2" in answered.headers["set-cookie"]
    page = await client.get(QUESTION)  # Bruno: the list from before, for a moment
    assert page.headers["x-fragment"] == "stale" and note not in page.text
    mine = await browser.get(QUESTION)  # the moderator: their own answer, at once
    assert mine.headers["x-fragment"] == "miss" and note in mine.text
    monkeypatch.setattr(cache, "STALE_FOR", 0.0)  # the moment is over
    page = await client.get(QUESTION)
    assert page.headers["x-fragment"] == "hit" and note in page.text


async def test_an_anonymous_reader_never_gets_a_list_from_before_a_change(
    app: Starlette,
    db: Database,
    people: People,
    anonymous: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page cache keeps an anonymous page under the version it was built at: built from
    an older list, it would stay old until the next change."""
    monkeypatch.setattr(cache, "STALE_FOR", 60.0)
    await _published(app, db, people, TEXT_A, people.ana)
    assert TEXT_A in (await anonymous.get(QUESTION)).text
    await _published(app, db, people, TEXT_B, people.bruno)
    app.state.page_cache.clear()  # as when the page's half second is over
    page = await anonymous.get(QUESTION)
    assert TEXT_B in page.text and page.headers["x-fragment"] == "miss"


async def test_a_refused_post_and_a_page_read_leave_no_mark(
    db: Database, people: People, browser: httpx.AsyncClient
) -> None:
    await sign_in_as(browser, db, people.moderator)
    page = await browser.get(QUESTION)
    assert "_wrote" not in page.headers.get("set-cookie", "")
    data = {"source": "Too", "language": "en", "quote_consent": "by_name", "action": "publish"}
    refused = await post_form(browser, QUESTION + "/answer", data, form_page=QUESTION)
    assert refused.status_code == 422
    assert "_wrote" not in refused.headers.get("set-cookie", "")
