"""Discussion, question and document pages, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from forum.core.clock import FixedClock
from forum.db import Database
from forum.settings import Settings
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data

URL = "/{lang}/discussions/remote-apprenticeships"


@pytest.fixture
async def discussion(db: Database) -> None:
    """A discussion whose week one opened two days ago and week two opens in five days."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=2)), now=NOW)


@pytest.mark.usefixtures("discussion")
async def test_discussion_page_shows_open_week_only(client: httpx.AsyncClient) -> None:
    response = await client.get(URL.format(lang="en"))
    assert response.status_code == 200
    page = response.text
    assert "Apprenticeships at a distance" in page
    assert "Week 1 questions" in page
    assert "Week 2 questions" not in page
    for number in range(1, 7):
        assert f'/questions/{number}"' in page
    assert '/questions/7"' not in page
    assert "The next set of questions opens on" in page
    assert "Ana Ortiz" in page and "Union Network" in page
    assert "Access to training" in page
    assert "<strong>what worked</strong>" in page


@pytest.mark.usefixtures("discussion")
async def test_discussion_page_speaks_spanish(client: httpx.AsyncClient) -> None:
    response = await client.get(URL.format(lang="es"))
    assert response.status_code == 200
    assert '<html lang="es">' in response.text
    assert "Aprendizaje a distancia" in response.text
    assert "Preguntas de la semana 1" in response.text
    assert response.headers["content-language"] == "es"
    # the language switcher leads to the same page in the other languages
    assert 'href="/en/discussions/remote-apprenticeships"' in response.text
    assert 'href="/fr/discussions/remote-apprenticeships"' in response.text


@pytest.mark.usefixtures("discussion")
async def test_second_week_appears_when_clock_reaches_it(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    assert (await client.get(URL.format(lang="fr") + "/questions/7")).status_code == 404
    clock.advance(timedelta(days=5))
    response = await client.get(URL.format(lang="fr") + "/questions/7")
    assert response.status_code == 200
    assert "Question 7 : qu&#39;est-ce qui a marché" in response.text
    page = (await client.get(URL.format(lang="en"))).text
    assert "Week 2 questions" in page
    assert "The next set of questions opens on" not in page


@pytest.mark.usefixtures("discussion")
async def test_week_closes_on_time(client: httpx.AsyncClient, clock: FixedClock) -> None:
    clock.set(NOW - timedelta(days=2) + timedelta(days=13) - timedelta(seconds=1))
    assert (
        "Open for answers until" in (await client.get(URL.format(lang="en") + "/questions/1")).text
    )
    clock.advance(timedelta(seconds=1))
    assert (
        "Closed for answers on" in (await client.get(URL.format(lang="en") + "/questions/1")).text
    )


async def test_upcoming_discussion_shows_no_questions(
    client: httpx.AsyncClient, db: Database
) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW + timedelta(days=3)), now=NOW)
    page = (await client.get(URL.format(lang="en"))).text
    assert "This discussion opens on" in page
    assert "Week 1 questions" not in page
    assert (await client.get(URL.format(lang="en") + "/questions/1")).status_code == 404


@pytest.mark.usefixtures("discussion")
async def test_question_page_links_neighbours(client: httpx.AsyncClient) -> None:
    response = await client.get(URL.format(lang="en") + "/questions/3")
    assert response.status_code == 200
    assert 'rel="prev" href="/en/discussions/remote-apprenticeships/questions/2"' in response.text
    assert 'rel="next" href="/en/discussions/remote-apprenticeships/questions/4"' in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/en/discussions/no-such-thing",
        "/en/discussions/remote-apprenticeships/questions/99",
        "/en/discussions/remote-apprenticeships/questions/0",
        "/en/discussions/remote-apprenticeships/documents/12345",
        "/xx/discussions/remote-apprenticeships",
    ],
)
@pytest.mark.usefixtures("discussion")
async def test_unknown_things_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


async def test_english_fallback_is_marked(client: httpx.AsyncClient, db: Database) -> None:
    data = discussion_data(start=NOW - timedelta(days=1), languages=("en", "es"))
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    page = (await client.get(URL.format(lang="fr"))).text
    assert '<h1 lang="en">Apprenticeships at a distance</h1>' in page
    assert "(disponible uniquement en anglais)" in page
    spanish = (await client.get(URL.format(lang="es"))).text
    assert "<h1>Aprendizaje a distancia</h1>" in spanish
    assert "solo disponible en" not in spanish


async def test_document_download_in_reader_language(
    client: httpx.AsyncClient, db: Database, tmp_path: Path, settings: Settings
) -> None:
    (tmp_path / "note.en.txt").write_text("A short note.\n", encoding="utf-8")
    (tmp_path / "note.es.txt").write_text("Una nota breve, con eñes.\n", encoding="utf-8")
    data = discussion_data(start=NOW - timedelta(days=1))
    data["documents"] = [
        {"language": "en", "title": "Guidance note", "file": "note.en.txt"},
        {"language": "es", "title": "Nota de orientación", "file": "note.es.txt"},
    ]
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW, base=tmp_path, data_dir=settings.data_dir)
    spanish = (await client.get(URL.format(lang="es"))).text
    assert "Nota de orientación" in spanish and "Guidance note" not in spanish
    french = (await client.get(URL.format(lang="fr"))).text
    assert "Guidance note" in french and 'hreflang="en"' in french
    link = spanish.split('href="/es/discussions/remote-apprenticeships/documents/')[1].split('"')[0]
    response = await client.get(URL.format(lang="es") + f"/documents/{link}")
    assert response.status_code == 200
    assert response.content.decode("utf-8") == "Una nota breve, con eñes.\n"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_statement_count_does_not_grow_with_questions(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    small = discussion_data(
        slug="small", start=NOW - timedelta(days=30), weeks=1, questions_per_week=(2,)
    )
    large = discussion_data(
        slug="large", start=NOW - timedelta(days=30), weeks=4, questions_per_week=(12,)
    )
    async with db.transaction() as session:
        await add_discussion(session, small, now=NOW)
        await add_discussion(session, large, now=NOW)
    counts = []
    for slug in ("small", "large"):
        before = count_statements.count
        assert (await client.get(f"/en/discussions/{slug}")).status_code == 200
        counts.append(count_statements.count - before)
    assert counts[0] == counts[1]
    # the discussion with its translations, its outline, the answer counts, the summaries,
    # the live sessions, the published synthesis, SQLite's BEGIN; the page cache's version
    # check (BEGIN and one statement: tests start no background reader of the versions)
    assert counts[1] <= 9


async def test_closed_discussion_says_so(client: httpx.AsyncClient, db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=60)), now=NOW)
    page = (await client.get(URL.format(lang="en"))).text
    assert "This discussion closed on" in page
    assert "You may contribute in:" not in page
    assert "Week 2 questions" in page and "Closed for answers on" in page
    assert "The next set of questions opens on" not in page
