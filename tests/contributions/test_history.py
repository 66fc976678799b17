"""A post's history: published versions for readers, every version for its author and moderators."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import html5lib
import httpx
import pytest
from sqlmodel import col, select

from forum.contributions.history import Change, post_history, word_diff
from forum.core.errors import NotFound
from forum.core.text import render_markdown
from forum.db import Database
from forum.models import Post, PostRevision, Question, User
from forum.models.types import Role
from forum.moderation.assignments import assign_moderator
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user, sign_in_as
from tests.paths import CORPORA

SLUG = "remote-apprenticeships"
FIRST = "Our apprentices kept learning at home with weekly calls."
SECOND = "Our apprentices kept learning at home with weekly calls and a mentor."
REFUSED = "Nuestros aprendices aprendieron en casa, con un tutor cada semana."
WAITING = "Nos apprentis ont continué chez eux, avec un tuteur chaque semaine."


async def _post(db: Database, author: User, *, status: str = "approved") -> Post:
    """A post on question 1 as first written, an hour after the week opened."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    async with db.transaction() as session:
        question = await session.scalar(select(col(Question.id)).where(col(Question.number) == 1))
        post = Post(
            discussion_id=1,
            question_id=question,
            author_id=author.id or 0,
            language="en",
            source=FIRST,
            html=render_markdown(FIRST),
            status=status,
            quote_consent="by_name",
            created_at=NOW - timedelta(hours=5),
        )
        session.add(post)
        await session.flush()
        post.thread_id = post.id or 0
    return post


async def _edited(db: Database, post: Post) -> None:
    """Published FIRST, then SECOND (published), an edit refused, and one waiting now."""
    async with db.transaction() as session:
        stored = await session.get(Post, post.id)
        assert stored is not None
        session.add(_revision(stored, 1, FIRST, "en", "approved", hours=5))
        session.add(_revision(stored, 2, REFUSED, "es", "rejected", hours=3))
        stored.source, stored.html = SECOND, render_markdown(SECOND)
        stored.edited_at = NOW - timedelta(hours=4)
        stored.pending_source, stored.pending_html = WAITING, render_markdown(WAITING)
        stored.pending_language, stored.pending_at = "fr", NOW - timedelta(hours=1)


def _revision(
    post: Post, number: int, source: str, lang: str, status: str, *, hours: int
) -> PostRevision:
    return PostRevision(
        post_id=post.id or 0,
        number=number,
        language=lang,
        source=source,
        html=render_markdown(source),
        status=status,
        written_at=NOW - timedelta(hours=hours),
        replaced_at=NOW - timedelta(hours=hours - 1),
    )


def test_word_diff_marks_added_and_removed_words() -> None:
    assert word_diff("a mentor at work", "a tutor at work") == (
        Change("same", "a "),
        Change("del", "mentor"),
        Change("ins", "tutor"),
        Change("same", " at work"),
    )
    assert word_diff("same", "same") == (Change("same", "same"),)
    assert word_diff("", "new words") == (Change("ins", "new words"),)


async def test_readers_see_published_versions_author_and_admin_all(db: Database) -> None:
    author = await make_user(db)
    reader = await make_user(db, email="otro@example.org", name="Otro")
    admin = await make_user(db, email="admin@example.org", name="Admin", role=Role.ADMIN)
    moderator = await make_user(db, email="mod@example.org", name="Mod", role=Role.MODERATOR)
    post = await _post(db, author)
    await _edited(db, post)
    async with db.session() as session:
        for viewer in (None, reader, moderator):  # a moderator of other discussions is a reader
            shown = await post_history(
                session, slug=SLUG, post_id=post.id or 0, viewer=viewer, language="es", now=NOW
            )
            assert [v.status for v in shown.versions] == ["published", "current"]
            assert not shown.everything
            assert shown.versions[1].changes[-2] == Change("ins", " and a mentor")
        for viewer in (author, admin):
            shown = await post_history(
                session, slug=SLUG, post_id=post.id or 0, viewer=viewer, language="es", now=NOW
            )
            statuses = [(v.number, v.status, v.language) for v in shown.versions]
            assert statuses == [
                (1, "published", "en"),
                (2, "current", "en"),
                (3, "refused", "es"),
                (4, "waiting", "fr"),
            ]
            assert shown.everything and shown.title.text


async def test_never_edited_post_has_one_version(db: Database) -> None:
    post = await _post(db, await make_user(db))
    async with db.session() as session:
        shown = await post_history(
            session, slug=SLUG, post_id=post.id or 0, viewer=None, language="fr", now=NOW
        )
    assert [(v.number, v.status, v.changes) for v in shown.versions] == [(1, "current", ())]


@pytest.mark.parametrize("status", ["pending", "rejected", "hidden"])
async def test_unpublished_post_is_404_for_readers(db: Database, status: str) -> None:
    author = await make_user(db)
    post = await _post(db, author, status=status)
    async with db.session() as session:
        with pytest.raises(NotFound):
            await post_history(
                session, slug=SLUG, post_id=post.id or 0, viewer=None, language="en", now=NOW
            )
        with pytest.raises(NotFound):  # the wrong discussion
            await post_history(
                session, slug="other", post_id=post.id or 0, viewer=author, language="en", now=NOW
            )
        if status != "hidden":
            shown = await post_history(
                session, slug=SLUG, post_id=post.id or 0, viewer=author, language="en", now=NOW
            )
            assert [v.status for v in shown.versions] == [
                "waiting" if status == "pending" else "refused"
            ]
        else:
            with pytest.raises(NotFound):
                await post_history(
                    session, slug=SLUG, post_id=post.id or 0, viewer=author, language="en", now=NOW
                )


async def test_draft_discussion_is_404(db: Database) -> None:
    post = await _post(db, await make_user(db))
    async with db.session() as session:
        with pytest.raises(NotFound):  # before the discussion was published
            await post_history(
                session,
                slug=SLUG,
                post_id=post.id or 0,
                viewer=None,
                language="en",
                now=NOW - timedelta(days=400),
            )


async def test_page_labels_versions_and_edited_mark_links_there(
    client: httpx.AsyncClient, db: Database
) -> None:
    author = await make_user(db)
    post = await _post(db, author)
    await _edited(db, post)
    base = f"/en/discussions/{SLUG}/posts/{post.id}"
    permalink = (await client.get(base)).text
    assert f'href="{base}/history">edited</a>' in permalink
    page = await client.get(base + "/history")
    assert page.status_code == 200
    assert "2 versions" in page.text and "<ins>" in page.text and "added:" in page.text
    assert "Awaiting moderation" not in page.text and "tuteur" not in page.text
    await sign_in_as(client, db, author)
    mine = (await client.get(f"/fr/discussions/{SLUG}/posts/{post.id}/history")).text
    assert "tuteur" in mine and "En attente de modération" in mine
    assert (await client.get(f"/en/discussions/{SLUG}/posts/x1/history")).status_code == 404
    assert (await client.get(f"/en/discussions/nowhere/posts/{post.id}/history")).status_code == 404
    assert (await client.get(f"/en/discussions/{SLUG}/posts/999999/history")).status_code == 404


async def test_history_statements_do_not_grow(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    """The same statements render 1 version or 30."""
    post = await _post(db, await make_user(db))
    url = f"/es/discussions/{SLUG}/posts/{post.id}/history"
    before = count_statements.count
    assert (await client.get(url)).status_code == 200
    one = count_statements.count - before
    async with db.transaction() as session:
        stored = await session.get(Post, post.id)
        assert stored is not None
        for number in range(1, 30):
            session.add(
                _revision(stored, number, f"{FIRST} {number}", "en", "approved", hours=60 - number)
            )
        stored.edited_at = NOW - timedelta(hours=10)
    before = count_statements.count
    page = await client.get(url)
    assert page.status_code == 200 and "30 versiones" in page.text
    assert count_statements.count - before == one


def _lines(name: str) -> list[str]:
    text = (CORPORA / name).read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("corpus", ["xss_payloads.txt", "blns.txt"])
async def test_payloads_in_edits_are_escaped_in_the_diff(
    client: httpx.AsyncClient, db: Database, corpus: str
) -> None:
    post = await _post(db, await make_user(db))
    payloads = [line for line in _lines(corpus) if "<" in line or "&" in line or '"' in line][:150]
    async with db.transaction() as session:
        stored = await session.get(Post, post.id)
        assert stored is not None
        for number, payload in enumerate(payloads, start=1):
            source = f"{FIRST} {payload}".replace("\x00", "")
            session.add(_revision(stored, number, source, "en", "approved", hours=200 - number))
        stored.edited_at = NOW - timedelta(hours=10)
    page = await client.get(f"/en/discussions/{SLUG}/posts/{post.id}/history")
    assert page.status_code == 200
    tree = html5lib.parse(page.text, namespaceHTMLElements=False)
    diffs = tree.findall(".//pre")
    assert len(diffs) == len(payloads)
    for diff in diffs:
        for element in diff.iter():
            assert element.tag in ("pre", "ins", "del", "span"), ET.tostring(element)
            assert set(element.attrib) <= {"class", "lang"}
    assert not re.search(r"<script>alert", page.text)


async def test_the_discussions_moderator_sees_every_version_even_hidden(db: Database) -> None:
    moderator = await make_user(db, email="mod@example.org", name="Mod", role=Role.MODERATOR)
    admin = await make_user(db, email="admin@example.org", name="Admin", role=Role.ADMIN)
    post = await _post(db, await make_user(db), status="hidden")
    async with db.transaction() as session:
        await assign_moderator(session, actor=admin, slug=SLUG, email="mod@example.org")
    async with db.session() as session:
        shown = await post_history(
            session, slug=SLUG, post_id=post.id or 0, viewer=moderator, language="en", now=NOW
        )
    assert shown.everything and [v.status for v in shown.versions] == ["hidden"]
