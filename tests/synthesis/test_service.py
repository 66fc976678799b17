"""Writing a synthesis: the checker's every kind of problem, consent, figures, publishing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from forum.core.errors import Conflict, Invalid, PermissionDenied
from forum.core.i18n import I18n
from forum.db import Database
from forum.models import Discussion, Subscriber, SynthesisEvent
from forum.models.types import SubscriberStatus
from forum.synthesis import checks
from forum.synthesis.figures import REPEATED_FILTER, UNKNOWN_FILTER, UNKNOWN_MEASURE, UNKNOWN_VALUE
from forum.synthesis.service import (
    SynthesisRefused,
    draft,
    editable_discussion,
    publish,
    published_synthesis,
    save_draft,
    unpublish,
)
from tests.conftest import NOW, SECRET
from tests.helpers import make_postman, make_user, outbox
from tests.synthesis.conftest import LINKS, SLUG, World

GOOD = {
    "es": "Un centro dijo: “los tutores jubilados llamaban cada semana” [#{named}].\n"
    "Un sindicato pidió «una hora pagada» [#{anonymous} translated].",
    "en": "A union asked for “a paid hour each week” [#{anonymous}].",
    "fr": "Un centre : « les tuteurs retraités appelaient » [#{named} translated].",
}


def texts(world: World, **overrides: str) -> dict[str, str]:
    ids = {"named": world.named, "anonymous": world.anonymous}
    return {lang: text.format(**ids) for lang, text in GOOD.items()} | overrides


async def problems_of(
    db: Database, world: World, catalogs: dict[str, I18n], typed: dict[str, str]
) -> list[tuple[str, int, str]]:
    async with db.session() as session:
        discussion = await session.get(Discussion, world.discussion_id)
        assert discussion is not None
        checked = await draft(session, discussion, catalogs=catalogs, links=LINKS, texts=typed)
    return [(p.language, p.line, p.message) for p in checked.problems]


async def save(db: Database, world: World, typed: dict[str, str], actor: Any = None) -> None:
    async with db.transaction() as session:
        await save_draft(session, actor=actor or world.ana, slug=SLUG, texts=typed, now=NOW)


async def do_publish(db: Database, world: World, catalogs: dict[str, I18n]) -> None:
    async with db.transaction() as session:
        await publish(
            session,
            actor=world.ana,
            slug=SLUG,
            catalogs=catalogs,
            links=LINKS,
            postman=make_postman(),
            secret=SECRET,
            now=NOW,
        )


# --- the checker ----------------------------------------------------------------------------


async def test_a_good_synthesis_has_no_problem(db: Database, world: World, catalogs: Any) -> None:
    assert await problems_of(db, world, catalogs, texts(world)) == []


async def test_a_missing_language_is_a_problem(db: Database, world: World, catalogs: Any) -> None:
    found = await problems_of(db, world, catalogs, texts(world, fr="  \n"))
    assert found == [("fr", 0, checks.MISSING_LANGUAGE)]


async def test_a_missing_post_is_a_problem(db: Database, world: World, catalogs: Any) -> None:
    es = f"Uno [#999999].\nOtro [#{world.pending}].\nY [#{world.elsewhere}]."
    found = await problems_of(db, world, catalogs, texts(world, es=es))
    assert found == [("es", line, checks.MISSING_POST) for line in (1, 2, 3)]


async def test_an_altered_quote_is_a_problem(db: Database, world: World, catalogs: Any) -> None:
    es = f"Texto.\n“los tutores retirados llamaban cada semana” [#{world.named}]."
    found = await problems_of(db, world, catalogs, texts(world, es=es))
    assert found == [("es", 2, checks.ALTERED_QUOTE)]


async def test_a_translated_quote_is_not_compared(
    db: Database, world: World, catalogs: Any
) -> None:
    en = f"“retired tutors called every week” [#{world.named} translated]."
    assert await problems_of(db, world, catalogs, texts(world, en=en)) == []


async def test_a_refused_consent_is_a_problem(db: Database, world: World, catalogs: Any) -> None:
    quoted = f"« le carnet de bord partagé » [#{world.refused}]"
    for fr in (quoted, f"Voir [#{world.refused}].", f"“the log” [#{world.refused} translated]"):
        found = await problems_of(db, world, catalogs, texts(world, fr=fr))
        assert found == [("fr", 1, checks.REFUSED_CONSENT)]


async def test_placeholders_are_checked(db: Database, world: World, catalogs: Any) -> None:
    en = (
        "{posts question=1}\n{post question=1}\n{posts colour=red}\n"
        "{posts question=99}\n{contributors group=workers group=ngo}\n{posts group=robots}"
    )
    found = await problems_of(db, world, catalogs, texts(world, en=en))
    assert [(line, message) for _, line, message in found] == [
        (2, UNKNOWN_MEASURE),
        (3, UNKNOWN_FILTER),
        (4, UNKNOWN_VALUE),
        (5, REPEATED_FILTER),
        (6, UNKNOWN_VALUE),
    ]


async def test_problems_are_said_in_the_editors_language(
    db: Database, world: World, catalogs: Any
) -> None:
    async with db.session() as session:
        discussion = await session.get(Discussion, world.discussion_id)
        assert discussion is not None
        checked = await draft(
            session, discussion, catalogs=catalogs, links=LINKS, texts=texts(world, fr="")
        )
    [problem] = checked.problems
    assert problem.text(catalogs["es"]) != problem.text(catalogs["en"])
    assert "francés" in problem.text(catalogs["es"])


# --- rendering: consent, figures ------------------------------------------------------------


async def test_quotes_are_attributed_as_their_authors_allowed(
    db: Database, world: World, catalogs: Any
) -> None:
    async with db.session() as session:
        discussion = await session.get(Discussion, world.discussion_id)
        assert discussion is not None
        checked = await draft(
            session, discussion, catalogs=catalogs, links=LINKS, texts=texts(world)
        )
    es, en = checked.previews["es"], checked.previews["en"]
    assert "María Pérez, Centro de Formación, Centro de formación, Perú" in es or (
        "María Pérez, Centro de Formación" in es and "Perú" in es
    )
    assert f'/es/discussions/{SLUG}/posts/{world.named}"' in es
    assert "a workers' organisation from Colombia" in en
    assert "Kwame" not in en and "Kwame" not in es
    assert "traducción" in es  # the translated quote says so


async def test_figures_show_the_current_counts(db: Database, world: World, catalogs: Any) -> None:
    en = (
        "{posts} posts by {contributors}; {posts question=1 group=workers} from workers, "
        "{posts language=es} in Spanish, {posts country=co}."
    )
    async with db.session() as session:
        discussion = await session.get(Discussion, world.discussion_id)
        assert discussion is not None
        checked = await draft(
            session, discussion, catalogs=catalogs, links=LINKS, texts=texts(world, en=en)
        )
    assert checked.problems == []
    assert "3 posts by 3; 1 from workers, 1 in Spanish, 1." in checked.previews["en"]


async def test_names_cannot_inject_markup(db: Database, world: World, catalogs: Any) -> None:
    from forum.models import User

    async with db.transaction() as session:
        maria = await session.get(User, world.maria.id)
        assert maria is not None
        maria.display_name = "](javascript:alert(1)) <script>x</script> **bold**"
    async with db.session() as session:
        discussion = await session.get(Discussion, world.discussion_id)
        assert discussion is not None
        checked = await draft(
            session, discussion, catalogs=catalogs, links=LINKS, texts=texts(world)
        )
    html = checked.previews["es"]
    assert (
        "javascript:" not in html.replace("](javascript:alert(1))", "")
        or 'href="javascript' not in html
    )
    assert "<script" not in html and "<strong>bold" not in html


# --- saving, publishing ---------------------------------------------------------------------


async def test_publishing_is_refused_then_accepted(
    db: Database, world: World, catalogs: Any
) -> None:
    bad = f"“otras palabras” [#{world.named}]. « x » [#{world.refused}]."
    await save(db, world, texts(world, es=bad))
    with pytest.raises(SynthesisRefused) as refused:
        await do_publish(db, world, catalogs)
    assert [p.message for p in refused.value.problems] == [
        checks.ALTERED_QUOTE,
        checks.REFUSED_CONSENT,
    ]
    async with db.session() as session:
        assert (
            await published_synthesis(
                session,
                discussion_id=world.discussion_id,
                languages=["es", "en", "fr"],
                language="es",
            )
            is None
        )
        before = (await session.get(Discussion, world.discussion_id)).content_version  # type: ignore[union-attr]

    await save(db, world, texts(world))
    await do_publish(db, world, catalogs)

    async with db.session() as session:
        shown = await published_synthesis(
            session, discussion_id=world.discussion_id, languages=["es", "en", "fr"], language="es"
        )
        discussion = await session.get(Discussion, world.discussion_id)
        events = list(await session.scalars(select(SynthesisEvent.what)))
    assert shown is not None and shown.language == "es" and "tutores jubilados" in shown.text
    assert discussion is not None and discussion.content_version > before
    assert events == ["publish"]


async def test_a_draft_change_does_not_reach_readers_until_published_again(
    db: Database, world: World, catalogs: Any
) -> None:
    await save(db, world, texts(world))
    await do_publish(db, world, catalogs)
    await save(db, world, texts(world, es="Un texto nuevo, sin publicar."))
    async with db.session() as session:
        shown = await published_synthesis(
            session, discussion_id=world.discussion_id, languages=["es"], language="es"
        )
    assert shown is not None and "sin publicar" not in shown.text


async def test_publishing_queues_a_notice_to_subscribers(
    db: Database, world: World, catalogs: Any
) -> None:
    async with db.transaction() as session:
        for email, language, status in (
            ("lector@example.org", "es", SubscriberStatus.CONFIRMED),
            ("waiting@example.org", "en", SubscriberStatus.PENDING),
        ):
            session.add(
                Subscriber(
                    email=email,
                    language=language,
                    status=status.value,
                    all_discussions=True,
                    created_at=NOW,
                )
            )
    await save(db, world, texts(world))
    await do_publish(db, world, catalogs)
    [mail] = await outbox(db)
    assert mail.to_address == "lector@example.org"
    assert "síntesis" in mail.subject.lower()


async def test_unpublishing_withdraws_it(db: Database, world: World, catalogs: Any) -> None:
    await save(db, world, texts(world))
    await do_publish(db, world, catalogs)
    async with db.transaction() as session:
        await unpublish(session, actor=world.ana, slug=SLUG, now=NOW)
    async with db.session() as session:
        assert (
            await published_synthesis(
                session, discussion_id=world.discussion_id, languages=["es"], language="es"
            )
            is None
        )
    with pytest.raises(Conflict):
        async with db.transaction() as session:
            await unpublish(session, actor=world.ana, slug=SLUG, now=NOW)


async def test_only_moderators_organisers_and_admins_may_write(db: Database, world: World) -> None:
    for person in (world.ana, world.admin):
        async with db.session() as session:
            assert (await editable_discussion(session, SLUG, person)).slug == SLUG
    stranger = await make_user(db, email="mod@example.org", name="Other Mod")
    for person in (world.maria, stranger):
        with pytest.raises(PermissionDenied):
            await save(db, world, texts(world), actor=person)


@pytest.mark.parametrize("bad", ["con\x00nulo", "x" * (checks.MAX_SYNTHESIS_CHARS + 1)])
async def test_a_text_that_cannot_be_stored_is_refused(
    db: Database, world: World, bad: str
) -> None:
    with pytest.raises(Invalid) as refused:
        await save(db, world, texts(world, fr=bad))
    assert refused.value.field == "fr"
    async with db.session() as session:
        from forum.models import SynthesisText

        assert list(await session.scalars(select(col(SynthesisText.language)))) == []
