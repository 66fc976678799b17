"""A person's public page lists their published contributions, a page at a time."""

from __future__ import annotations

import httpx
import pytest

from forum.contributions.bypeople import PAGE_SIZE
from forum.db import Database
from tests.conftest import StatementCounter
from tests.contributions.test_bypeople import add_posts, two_discussions
from tests.helpers import make_user


async def test_person_page_lists_contributions_with_links(
    client: httpx.AsyncClient, db: Database
) -> None:
    await two_discussions(db)
    author = await make_user(db)
    await add_posts(db, author, 2)
    await add_posts(db, author, 1, status="pending", source="Texto aún sin publicar")
    page = await client.get(f"/fr/people/{author.id}")
    assert page.status_code == 200
    assert "2\u00a0contributions publiées" in page.text or "2 contributions publiées" in page.text
    assert "/fr/discussions/remote-apprenticeships/posts/" in page.text
    assert "Los aprendices" in page.text and "sin publicar" not in page.text
    empty = await client.get(
        f"/en/people/{(await make_user(db, email='x@example.org', name='X')).id}"
    )
    assert empty.status_code == 200 and "No published contributions yet." in empty.text


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 200),
        ("?page=1", 200),
        ("?page=abc", 200),
        ("?page=-1", 200),
        ("?page=²", 200),
        ("?page=" + "9" * 40, 200),
        ("?page=2", 200),
        ("?page=3", 404),
        ("?page=0", 200),
    ],
)
async def test_bad_page_is_page_one_or_404(
    client: httpx.AsyncClient, db: Database, query: str, status: int
) -> None:
    await two_discussions(db)
    author = await make_user(db)
    await add_posts(db, author, PAGE_SIZE + 1)
    assert (await client.get(f"/es/people/{author.id}{query}")).status_code == status


async def test_person_page_statements_do_not_grow(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    """The same statements at 10 posts and at 1,000."""
    await two_discussions(db)
    author = await make_user(db)
    counts = []
    for more in (10, 990):
        await add_posts(db, author, more // 2)
        await add_posts(db, author, more - more // 2, slug="green-jobs")
        before = count_statements.count
        page = await client.get(
            f"/en/people/{author.id}?page=2" if more > 10 else f"/en/people/{author.id}"
        )
        assert page.status_code == 200
        counts.append(count_statements.count - before)
    assert counts[0] == counts[1]
