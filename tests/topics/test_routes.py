"""Topic pages as readers get them: the list of tags, a tag's posts, and links to the feeds."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from forum.db import Database
from forum.models.types import PostStatus
from tests.conftest import StatementCounter
from tests.topics.conftest import OTHER, SLUG, TAG, add_posts, seed

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
FEED_LINK = '<link rel="alternate" type="application/atom+xml" href="{href}"'


def _post_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"/posts/(\d+)#post-", page)]


@pytest.mark.parametrize(
    ("lang", "label", "other"),
    [
        ("en", "Access to training", "Apprenticeships"),
        ("es", "Acceso a la formación", "Aprendizaje"),
        ("fr", "Accès à la formation", "Apprentissage"),
    ],
)
async def test_the_list_of_tags_links_each_labelled_with_its_count(
    client: httpx.AsyncClient, db: Database, lang: str, label: str, other: str
) -> None:
    seeded = await seed(db)
    await add_posts(db, seeded, count=2)
    await add_posts(db, seeded, slug=OTHER, minutes_ago=10)
    await add_posts(db, seeded, status=PostStatus.HIDDEN, minutes_ago=5)
    page = await client.get(f"/{lang}/tags/")
    assert page.status_code == 200
    assert f'<a href="/{lang}/tags/{TAG}">{label}</a>' in page.text
    assert f'<a href="/{lang}/tags/apprenticeships">{other}</a>' in page.text
    counts = re.findall(r'<span class="meta">(\d+) contribu', page.text)
    assert counts == (["3", "0"] if label < other else ["0", "3"])


async def test_a_tag_page_shows_its_posts_across_discussions_newest_first(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    here = await add_posts(db, seeded, count=2, minutes_ago=60)
    there = await add_posts(db, seeded, slug=OTHER, language="fr", minutes_ago=30)
    await add_posts(db, seeded, status=PostStatus.PENDING, minutes_ago=20)
    await add_posts(db, seeded, tagged=False, minutes_ago=10)
    page = await client.get(f"/fr/tags/{TAG}")
    assert page.status_code == 200
    assert "<h1>Accès à la formation</h1>" in page.text
    assert _post_ids(page.text) == [there[0], here[1], here[0]]
    assert 'class="post" lang="fr"' in page.text and 'class="post" lang="es"' in page.text
    # counts per discussion, the one with most posts first, each narrowing the page
    by_discussion = re.findall(
        r'\?discussion=([\w-]+)"[^>]*>[^<]+</a> <span class="meta">(\d+)', page.text
    )
    assert by_discussion == [(SLUG, "2"), (OTHER, "1")]
    narrowed = await client.get(f"/fr/tags/{TAG}?discussion={OTHER}")
    assert _post_ids(narrowed.text) == there
    spanish = await client.get(f"/fr/tags/{TAG}?language=es")
    assert _post_ids(spanish.text) == [here[1], here[0]]
    both = await client.get(f"/fr/tags/{TAG}?language=es&discussion={OTHER}")
    assert _post_ids(both.text) == []
    assert "Aucune contribution publiée" in both.text


async def test_a_tag_page_links_its_feed_in_the_head_and_for_people(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed(db)
    page = (await client.get(f"/es/tags/{TAG}")).text
    href = f"/es/tags/{TAG}/feed.atom"
    assert FEED_LINK.format(href=href) in page.split("</head>")[0]
    assert (
        f'<a href="{href}" type="application/atom+xml">Seguir en un lector de fuentes</a>' in page
    )


async def test_discussion_and_question_pages_link_their_feeds(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed(db)
    for path in (f"/en/discussions/{SLUG}", f"/en/discussions/{SLUG}/questions/1"):
        head, body = (await client.get(path)).text.split("</head>")
        assert FEED_LINK.format(href=path + "/feed.atom") in head
        assert f'<a href="{path}/feed.atom" type="application/atom+xml">' in body


async def test_tags_on_posts_and_discussions_link_to_their_pages(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    await add_posts(db, seeded)
    question = (await client.get(f"/es/discussions/{SLUG}/questions/1")).text
    assert f'<li class="tag"><a href="/es/tags/{TAG}">Acceso a la formación</a></li>' in question
    discussion = (await client.get(f"/es/discussions/{SLUG}")).text
    assert f'<a href="/es/tags/{TAG}">Acceso a la formación</a>' in discussion


async def test_a_tag_page_is_paginated_keeping_its_filters(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    ids = await add_posts(db, seeded, count=25)
    first = (await client.get(f"/en/tags/{TAG}?discussion={SLUG}")).text
    assert _post_ids(first) == ids[::-1][:20]
    assert f'href="/en/tags/{TAG}?page=2&amp;discussion={SLUG}"' in first
    second = (await client.get(f"/en/tags/{TAG}?page=2&discussion={SLUG}")).text
    assert _post_ids(second) == ids[::-1][20:]
    beyond = (await client.get(f"/en/tags/{TAG}?page=99")).text
    assert _post_ids(beyond) == ids[::-1][20:]  # the last page


async def test_unknown_tags_are_404s(client: httpx.AsyncClient, db: Database) -> None:
    await seed(db)
    for path in ("/en/tags/no-such-tag", "/en/tags/%3Cscript%3E", "/xx/tags/"):
        assert (await client.get(path)).status_code == 404, path


async def test_naughty_filters_are_ignored_not_crashed_on(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    ids = await add_posts(db, seeded)
    lines = [
        line
        for name in ("blns.txt", "xss_payloads.txt")
        for line in (CORPORA / name).read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ][::40]
    assert lines
    for line in lines:
        for query in ({"discussion": line}, {"language": line}, {"page": line}):
            response = await client.get(f"/en/tags/{TAG}", params=query)
            assert response.status_code == 200, query
            assert _post_ids(response.text) == ids, query
            assert "<script>alert" not in response.text


@pytest.mark.parametrize("path", ["/en/tags/", f"/en/tags/{TAG}"])
async def test_topic_pages_cost_the_same_statements_for_10_or_1000_posts(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter, path: str
) -> None:
    seeded = await seed(db)
    counts = []
    for count in (10, 990):
        await add_posts(db, seeded, count=count // 2, minutes_ago=2000)
        await add_posts(db, seeded, slug=OTHER, count=count - count // 2, minutes_ago=2000)
        before = count_statements.count
        response = await client.get(path)
        counts.append(count_statements.count - before)
        assert response.status_code == 200 and response.headers["x-cache"] == "miss"
    assert counts[0] == counts[1]
