"""The demo's open discussion announces one upcoming live session, in every language."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlmodel import col, select

from forum.db import Database
from forum.discussions.demo import demo_specs, load_demo_discussion
from forum.models import Discussion, LiveSession
from forum.settings import SUPPORTED_LANGUAGES
from tests.conftest import NOW


async def test_open_demo_discussion_announces_one_upcoming_session(
    db: Database, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    for _round in range(2):  # loading twice adds nothing
        for spec, files, source in demo_specs(NOW.date(), SUPPORTED_LANGUAGES):
            async with db.transaction() as session:
                await load_demo_discussion(
                    session, spec, files, now=NOW, source=source, data_dir=tmp_path
                )
    async with db.session() as session:
        rows = (
            await session.execute(
                select(col(Discussion.slug), LiveSession).join(
                    LiveSession, col(LiveSession.discussion_id) == col(Discussion.id)
                )
            )
        ).all()
    assert [(slug, live.starts_at > NOW) for slug, live in rows] == [("skills-in-crisis", True)]
    (page_es, page_fr) = [
        (await client.get(f"/{code}/discussions/skills-in-crisis")).text for code in ("es", "fr")
    ]
    assert "Sesión en directo: la formación que siguió adelante" in page_es
    assert "Próximas sesiones" in page_es
    assert "Session en direct\u00a0: la formation qui a tenu bon" in page_fr
    assert 'href="https://example.org/webinars/skills-in-crisis"' in page_fr
