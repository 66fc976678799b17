"""Posts checked against the guideline rules: refused at once, or held for a moderator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, func, select, update

from forum.core.clock import FixedClock
from forum.db import Database
from forum.guidelines.rules import AuthorHistory, load_rules
from forum.guidelines.screening import author_history, posting_wait
from forum.models import Discussion, Post, User
from forum.models.types import Role
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user, post_form, sign_in_as

QUESTION = "/{lang}/discussions/remote-apprenticeships/questions/1"


@pytest.fixture
async def open_discussion(db: Database) -> None:
    """A post-moderated discussion: posts appear at once unless a rule holds them."""
    data = discussion_data(start=NOW - timedelta(days=1))
    data["moderation"] = "post"
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)


async def _send(client: httpx.AsyncClient, text: str, lang: str = "en") -> httpx.Response:
    page = QUESTION.format(lang=lang)
    return await post_form(
        client,
        page + "/answer",
        {
            "source": text,
            "language": "",
            "quote_consent": "by_name",
            "action": "publish",
        },
        form_page=page,
    )


async def _posts(db: Database) -> list[Post]:
    async with db.session() as session:
        return list(await session.scalars(select(Post).order_by(Post.id)))  # type: ignore[arg-type]


@pytest.mark.usefixtures("open_discussion")
async def test_shouting_is_refused_with_reason_section_and_text_kept(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await make_user(db))
    text = "WE NEED MUCH MORE FUNDING FOR APPRENTICESHIPS IN RURAL AREAS RIGHT NOW"
    response = await _send(client, text, lang="es")
    assert response.status_code == 422
    assert "No escriba en mayúsculas, por favor" in response.text
    assert 'href="/es/guidelines#languages"' in response.text
    assert text in response.text
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Post)) == 0


@pytest.mark.usefixtures("open_discussion")
async def test_personal_data_holds_the_post_for_a_moderator(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await make_user(db, email="a@example.org"))
    # two first posts are held by the "first-posts" rule; the third shows the data rule
    for text in (
        "Our centre ran evening classes by radio for apprentices in the valley.",
        "Employers lent tablets so that apprentices could follow the lessons.",
    ):
        assert (await _send(client, text)).status_code == 303
    async with db.transaction() as session:
        for post in await session.scalars(select(Post)):
            post.status = "approved"
    response = await _send(
        client,
        "Write to me at tutor.office@example.org or call "
        "+34 612 345 678 to join our pilot programme.",
    )
    assert response.status_code == 303
    posts = await _posts(db)
    assert [p.held_for for p in posts[:2]] == ["first-posts", "first-posts"]
    assert posts[2].status == "pending" and posts[2].held_for == "personal-data"


@pytest.mark.usefixtures("open_discussion")
async def test_moderators_posts_are_not_held(client: httpx.AsyncClient, db: Database) -> None:
    await sign_in_as(client, db, await make_user(db, role=Role.MODERATOR))
    assert (
        await _send(
            client,
            "Welcome, everyone: please introduce your organisation "
            "and tell us about one idea that worked.",
        )
    ).status_code == 303
    [post] = await _posts(db)
    assert post.status == "approved" and post.held_for == "first-posts"


@pytest.mark.usefixtures("open_discussion")
async def test_sixth_post_in_ten_minutes_is_a_429_with_retry_after_and_text_kept(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await sign_in_as(client, db, await make_user(db))
    topics = ("radio lessons", "lent tablets", "evening classes", "small groups", "phone tutors")
    for topic in topics:
        answer = f"In our valley the apprentices kept learning thanks to {topic} this spring."
        assert (await _send(client, answer)).status_code == 303
        clock.advance(timedelta(minutes=1))
    sixth = "One more idea: the chambers of commerce could share the cost of the tutors."
    response = await _send(client, sixth, lang="es")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "300"  # when the first of the five is ten minutes old
    assert "Está publicando muy seguido" in response.text
    assert sixth in response.text
    assert len(await _posts(db)) == 5
    clock.advance(timedelta(minutes=5))
    assert (await _send(client, sixth)).status_code == 303


@pytest.mark.parametrize(
    ("seconds_ago", "action", "wait"),
    [
        ((60, 120, 180, 240, 300), "refuse", 300),  # until the post of 300 s ago is 600 s old
        ((1, 60, 120, 180, 240, 300, 400), "refuse", 360),  # three must leave: 240 s ago last
        ((60, 120, 180, 240), "refuse", 0),
        ((60, 120, 180, 240, 300), "hold", 0),  # a holding rule never makes anyone wait
    ],
)
def test_posting_wait_says_when_the_window_lets_one_more_post_in(
    tmp_path: Path, seconds_ago: tuple[int, ...], action: str, wait: int
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nid = "fast"\nkind = "too-fast"\nsection = "respect"\n'
        f'action = "{action}"\nmax_posts = 5\nwindow_seconds = 600\n',
        encoding="utf-8",
    )
    rules = load_rules(path, ["respect"])
    times = [NOW - timedelta(seconds=seconds) for seconds in seconds_ago]
    history = AuthorHistory(recent_texts=(), recent_post_times=times, approved_count=9)
    assert posting_wait(rules, history, NOW) == wait


async def _trusted(db: Database, email: str) -> User:
    author = await make_user(db, email=email)
    async with db.transaction() as session:
        await session.execute(update(User).where(col(User.id) == author.id).values(trusted=True))
    return author


@pytest.mark.parametrize("mode", ["pre", "post"])
async def test_trusted_newcomer_post_is_published_at_once(
    client: httpx.AsyncClient, db: Database, mode: str
) -> None:
    data = discussion_data(start=NOW - timedelta(days=1))
    data["moderation"] = mode
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    await sign_in_as(client, db, await _trusted(db, "new@example.org"))
    text = "Our centre ran evening classes by radio for apprentices in the valley."
    assert (await _send(client, text)).status_code == 303
    [post] = await _posts(db)
    assert post.status == "approved" and post.held_for == ""
    reader = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    assert "evening classes by radio" in (await reader.get(QUESTION.format(lang="en"))).text
    await reader.aclose()


@pytest.mark.usefixtures("open_discussion")
async def test_trusted_author_is_still_held_by_other_rules(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await _trusted(db, "new@example.org"))
    text = "Write to me at tutor.office@example.org to join our pilot programme."
    assert (await _send(client, text)).status_code == 303
    [post] = await _posts(db)
    assert post.status == "pending" and post.held_for == "personal-data"


@pytest.mark.usefixtures("open_discussion")
async def test_author_history_reads_a_new_posts_history_in_one_statement(
    db: Database,
) -> None:
    """Texts, times and the count of approved posts (pending and rejected ones left out) in
    one statement; nothing written yet counts 0."""
    author = await make_user(db)
    assert author.id is not None
    with counting(db) as counter:
        async with db.session() as session:
            empty = await author_history(session, author_id=author.id, now=NOW)
        async with db.transaction() as session:
            discussion_id = await session.scalar(select(col(Discussion.id)))
            assert discussion_id is not None
            for n, status in enumerate(["approved", "pending", "approved", "rejected"]):
                session.add(
                    Post(
                        discussion_id=discussion_id,
                        author_id=author.id,
                        language="en",
                        source=f"Text {n}",
                        html=f"<p>Text {n}</p>",
                        status=status,
                        quote_consent="by_name",
                        created_at=NOW - timedelta(minutes=90 - 25 * n),
                    )
                )
        async with db.session() as session:
            before = counter.count
            history = await author_history(session, author_id=author.id, now=NOW)
            reads = counter.statements[before:]
            trusted = await author_history(
                session, author_id=author.id, now=NOW, trusted=True, count_approved=False
            )
    assert (empty.recent_texts, empty.recent_post_times, empty.approved_count) == ([], [], 0)
    assert len([s for s in reads if s.startswith("SELECT")]) == 1, reads
    assert history.recent_texts == ["Text 3", "Text 2", "Text 1", "Text 0"]
    assert len(history.recent_post_times) == 2  # within the last hour: texts 2 and 3
    assert history.approved_count == 2
    assert trusted.approved_count == 0 and trusted.recent_texts == history.recent_texts
