"""The export URLs: moderators' files, open data, who gets which, and caching."""

from __future__ import annotations

import csv
import io
import json

import httpx
from sqlmodel import col, select

from forum.db import Database
from forum.exports.csvfile import BOM
from forum.models import Post, User
from tests.exports.seeding import PENDING, PUBLISHED, SLUG, seed, user_named
from tests.helpers import sign_in_as

MODERATION = f"/es/moderation/discussions/{SLUG}/export"
OPEN = f"/fr/discussions/{SLUG}/export"


async def test_a_moderator_downloads_every_post_uncached(
    client: httpx.AsyncClient, db: Database
) -> None:
    ids = await seed(db)
    await sign_in_as(client, db, await user_named(db, "ana@example.org"))
    response = await client.get(MODERATION + ".csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{SLUG}-moderation.csv"'
    )
    assert response.headers["cache-control"] == "private, no-store"
    assert response.content.startswith(BOM.encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert {int(row["id"]) for row in rows} == set(ids.values())
    assert PENDING in {row["text"] for row in rows}
    data = (await client.get(MODERATION + ".json")).json()
    assert len(data["posts"]) == len(ids)


async def test_others_may_not_have_the_moderators_export(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed(db)
    anonymous = await client.get(MODERATION + ".csv")
    assert anonymous.status_code in (303, 401, 403)
    assert PUBLISHED not in anonymous.text
    await sign_in_as(client, db, await user_named(db, "maria@example.org"))
    refused = await client.get(MODERATION + ".json")
    assert refused.status_code == 403 and PUBLISHED not in refused.text
    assert (await client.get("/es/moderation/discussions/nope/export.csv")).status_code == 404


async def test_open_data_is_public_published_and_cacheable(
    client: httpx.AsyncClient, db: Database
) -> None:
    ids = await seed(db)
    response = await client.get(OPEN + ".json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, no-cache"
    assert response.headers["content-disposition"] == f'attachment; filename="{SLUG}.json"'
    data = json.loads(response.content)
    assert {post["id"] for post in data["posts"]} == {
        ids["published"],
        ids["formula"],
        ids["reply"],
    }
    assert "quote_consent" not in response.text and "@example.org" not in response.text
    again = await client.get(OPEN + ".json", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and not again.content
    table = await client.get(OPEN + ".csv")
    assert table.status_code == 200 and PENDING not in table.content.decode("utf-8-sig")
    assert (await client.get("/fr/discussions/nope/export.csv")).status_code == 404


async def test_the_discussion_page_links_its_open_data(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed(db)
    page = await client.get(f"/es/discussions/{SLUG}")
    assert f'href="/es/discussions/{SLUG}/export.csv"' in page.text
    assert f'href="/es/discussions/{SLUG}/export.json"' in page.text
    assert f'href="/es/discussions/{SLUG}/counts.csv"' in page.text


async def test_open_data_carries_the_analysis_counts(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed(db)
    async with db.session() as session:
        group = await session.scalar(
            select(User.stakeholder_group).join(Post, col(Post.author_id) == col(User.id))
        )
    data = json.loads((await client.get(OPEN + ".json")).content)
    counts = data["counts"]
    assert list(data)[:4] == ["discussion", "audience", "columns", "counts"]
    assert (counts["posts"], counts["contributors"]) == (3, 1)  # pending, rejected, hidden left out
    assert counts["by_question"] == [{"key": 1, "posts": 3, "contributors": 1}]
    assert counts["by_language"] == [{"key": "en", "posts": 3, "contributors": 1}]
    assert counts["by_question_and_group"] == [
        {"question": 1, "group": group, "posts": 3, "contributors": 1}
    ]
    table = await client.get(f"/fr/discussions/{SLUG}/counts.csv")
    assert table.status_code == 200 and table.headers["cache-control"] == "public, no-cache"
    assert table.headers["content-disposition"] == f'attachment; filename="{SLUG}-counts.csv"'
    text = table.content.decode("utf-8")
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM) :])))
    assert rows[0] == ["dimension", "key", "question", "group", "posts", "contributors"]
    assert rows[1] == ["all", "", "", "", "3", "1"]
    assert ["question", "1", "1", "", "3", "1"] in rows
    assert ["question_and_group", f"1/{group}", "1", group, "3", "1"] in rows
    assert (await client.get("/fr/discussions/nope/counts.csv")).status_code == 404


async def test_the_moderators_json_has_no_counts(client: httpx.AsyncClient, db: Database) -> None:
    ids = await seed(db)
    await sign_in_as(client, db, await user_named(db, "ana@example.org"))
    data = (await client.get(MODERATION + ".json")).json()
    assert "counts" not in data and len(data["posts"]) == len(ids)
