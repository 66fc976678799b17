"""The synthesis editor and the discussion page: refused then published, pinned, archived."""

from __future__ import annotations

from datetime import timedelta

import httpx

from forum.db import Database
from forum.models import Discussion, DiscussionOrganiser
from tests.conftest import NOW, StatementCounter
from tests.helpers import csrf_token, sign_in_as
from tests.synthesis.conftest import SLUG, World, add_posts

EDITOR = f"/es/moderation/discussions/{SLUG}/synthesis"


def good(world: World) -> dict[str, str]:
    return {
        "text_en": f"A union asked for “a paid hour each week” [#{world.anonymous}].",
        "text_es": (
            "## Lo que escuchamos\n\n"
            f"Un centro: “los tutores jubilados llamaban cada semana” [#{world.named}]. "
            "Hubo {posts} contribuciones."
        ),
        "text_fr": f"Un centre : « les tuteurs retraités » [#{world.named} translated].",
    }


async def send(client: httpx.AsyncClient, data: dict[str, str]) -> httpx.Response:
    token = await csrf_token(client, EDITOR)
    return await client.post(EDITOR, data={**data, "csrf_token": token})


async def test_publishing_is_refused_then_the_synthesis_is_pinned_in_spanish(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await sign_in_as(client, db, world.ana)
    bad = good(world) | {
        "text_es": f"Línea uno.\n“los tutores retirados” [#{world.named}]\n« x » [#{world.refused}]"
    }
    refused = await send(client, bad | {"publish": "1"})
    assert refused.status_code == 422
    assert "Línea 2:" in refused.text and "las palabras citadas no están" in refused.text
    assert "Línea 3:" in refused.text and "no aceptó que se le cite" in refused.text
    assert "los tutores retirados" in refused.text  # what was typed is kept

    published = await send(client, good(world) | {"publish": "1"})
    assert published.status_code == 303
    assert published.headers["location"] == f"/es/discussions/{SLUG}#synthesis"

    client.cookies.clear()
    page = await client.get(f"/es/discussions/{SLUG}")
    assert "Síntesis de la discusión" in page.text
    assert "los tutores jubilados llamaban cada semana" in page.text
    assert f'href="/es/discussions/{SLUG}/posts/{world.named}"' in page.text
    assert "Hubo 3 contribuciones." in page.text
    english = await client.get(f"/en/discussions/{SLUG}")
    assert "a workers' organisation from Colombia</a>" in english.text


async def test_saving_shows_the_checker_next_to_each_language(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await sign_in_as(client, db, world.ana)
    saved = await send(client, good(world) | {"text_fr": ""})
    assert saved.status_code == 303
    page = await client.get(saved.headers["location"])
    assert 'id="problems-fr"' in page.text and "Todavía no hay síntesis en francés" in page.text
    assert 'id="problems-es"' not in page.text


async def test_a_text_that_cannot_be_stored_is_refused_as_typed(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await sign_in_as(client, db, world.ana)
    response = await send(client, good(world) | {"text_fr": "nul \x00 ici"})
    assert response.status_code == 422
    assert "no pueden mostrarse" in response.text


async def test_an_organiser_may_write_it(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    async with db.transaction() as session:
        session.add(DiscussionOrganiser(discussion_id=world.discussion_id, user_id=world.maria.id))
    await sign_in_as(client, db, world.maria)
    assert (await client.get(EDITOR)).status_code == 200


async def test_a_closed_discussion_reads_as_an_archive(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    await sign_in_as(client, db, world.ana)
    assert (await send(client, good(world) | {"publish": "1"})).status_code == 303
    async with db.transaction() as session:  # the discussion closed an hour ago
        discussion = await session.get(Discussion, world.discussion_id)
        assert discussion is not None
        discussion.closes_at = NOW - timedelta(hours=1)
    await sign_in_as(client, db, world.maria)
    token = await csrf_token(client, "/es/account/profile")
    page = await client.get(f"/es/discussions/{SLUG}")
    assert page.text.index('id="synthesis"') < page.text.index("Este debate se cerró")
    question = await client.get(f"/es/discussions/{SLUG}/questions/1")
    assert 'name="source"' not in question.text  # no form to answer
    answer = await client.post(
        f"/es/discussions/{SLUG}/questions/1/answer",
        data={
            "csrf_token": token,
            "source": "Una respuesta tardía.",
            "language": "es",
            "quote_consent": "by_name",
        },
    )
    assert answer.status_code == 409, answer.headers.get("location")


async def test_the_editor_costs_the_same_statements_however_many_posts_it_cites(
    client: httpx.AsyncClient,
    db: Database,
    world: World,
    count_statements: StatementCounter,
) -> None:
    await sign_in_as(client, db, world.ana)
    counts = []
    for extra in (0, 40):
        ids = await add_posts(db, world, extra)
        cites = " ".join(f"“tutores jubilados” [#{post_id}]" for post_id in [world.named, *ids])
        assert (await send(client, good(world) | {"text_es": cites})).status_code == 303
        before = count_statements.count
        assert (await client.get(EDITOR)).status_code == 200
        counts.append(count_statements.count - before)
    assert counts[0] == counts[1]
