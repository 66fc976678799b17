"""The studio reads any number of discussions in a fixed number of statements."""

from __future__ import annotations

import httpx
from sqlmodel import select

from forum.db import Database
from forum.models import Discussion
from forum.studio.drafts import load_drafts
from tests.conftest import StatementCounter
from tests.helpers import counting, selects, sign_in_as
from tests.studio.conftest import admin, running


async def _statements(db: Database) -> int:
    async with db.session() as session:
        discussions = list(await session.scalars(select(Discussion)))
        with counting(db) as counter:
            drafts = await load_drafts(session, discussions)
    assert len(drafts) == len(discussions)
    return selects(counter)


async def test_loading_drafts_costs_the_same_for_one_or_three(db: Database) -> None:
    await running(db)
    one = await _statements(db)
    await running(db, slug="second-discussion")
    await running(db, slug="third-discussion")
    assert await _statements(db) == one <= 7


async def test_the_studio_list_costs_the_same_for_one_or_three(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    await running(db)
    await sign_in_as(client, db, await admin(db))
    assert (await client.get("/en/studio/")).status_code == 200
    one = selects(count_statements)
    await running(db, slug="second-discussion")
    await running(db, slug="third-discussion")
    count_statements.statements.clear()
    page = await client.get("/en/studio/")
    assert "/en/studio/third-discussion" in page.text
    assert selects(count_statements) == one >= 7
