"""A discussion with published posts by authors who gave each kind of consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import select

from forum.core.i18n import I18n, load_catalogs
from forum.db import Database
from forum.models import Discussion, Post, Question, User
from forum.models.types import PostStatus, QuoteConsent, Role
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import MAIL_BASE, make_user, site_links, user_row

SLUG = "remote-apprenticeships"
OTHER = "green-skills"
START = NOW - timedelta(days=2)
ES_POST = "Los tutores jubilados llamaban cada semana a los aprendices y eso los mantuvo."
EN_POST = "Our union asked for a paid hour each week for apprentices to meet their mentor."
FR_POST = "Nous ne voulons pas être cités, mais le carnet de bord partagé a tout changé."


@dataclass(frozen=True)
class World:
    discussion_id: int
    ana: User  # moderates SLUG
    admin: User
    maria: User  # a contributor
    named: int  # post ids: by name (María, training provider, Peru), es
    anonymous: int  # anonymously (Kwame, workers, Colombia), en
    refused: int  # not at all, fr
    pending: int  # named, but not published
    elsewhere: int  # published in OTHER


async def _post(
    db: Database, discussion_id: int, author: User, text: str, language: str, **fields: object
) -> int:
    async with db.transaction() as session:
        question = await session.scalar(
            select(Question).where(Question.discussion_id == discussion_id, Question.number == 1)
        )
        assert question is not None
        post = Post(
            discussion_id=discussion_id,
            question_id=question.id,
            author_id=author.id,
            language=language,
            source=text,
            html=f"<p>{text}</p>",
            status=str(fields.get("status", PostStatus.APPROVED.value)),
            quote_consent=str(fields.get("consent", QuoteConsent.BY_NAME.value)),
            created_at=NOW,
            approved_at=NOW,
        )
        session.add(post)
        await session.flush()
        assert post.id is not None
        post.thread_id = post.id
        return post.id


@pytest.fixture
async def world(db: Database) -> World:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=SLUG, start=START), now=NOW)
        await add_discussion(session, discussion_data(slug=OTHER, start=START), now=NOW)
    admin = await make_user(db, email="admin@example.org", name="Admin", role=Role.ADMIN)
    maria = await make_user(db)
    kwame = await make_user(db, email="kwame@example.org", name="Kwame Asante")
    claire = await make_user(db, email="claire@example.org", name="Claire Dubois")
    async with db.transaction() as session:
        for person, group, country in ((kwame, "workers", "CO"), (claire, "ngo", "FR")):
            row = await session.get(User, person.id)
            assert row is not None
            row.stakeholder_group, row.country, row.organisation = group, country, ""
        ids = {d.slug: d.id for d in await session.scalars(select(Discussion)) if d.id is not None}
    ana = await user_row(db, "ana@example.org")
    assert ana is not None
    here = ids[SLUG]
    return World(
        discussion_id=here,
        ana=ana,
        admin=admin,
        maria=maria,
        named=await _post(db, here, maria, ES_POST, "es"),
        anonymous=await _post(db, here, kwame, EN_POST, "en", consent="anonymously"),
        refused=await _post(db, here, claire, FR_POST, "fr", consent="not_at_all"),
        pending=await _post(db, here, maria, ES_POST, "es", status="pending"),
        elsewhere=await _post(db, ids[OTHER], maria, ES_POST, "es"),
    )


@pytest.fixture(scope="session")
def catalogs() -> dict[str, I18n]:
    return load_catalogs(("en", "es", "fr"))


LINKS = site_links(MAIL_BASE)


async def add_posts(db: Database, world: World, count: int) -> list[int]:
    """Add `count` published posts by María quoting the retired tutors; return their ids."""
    async with db.session() as session:
        maria = await session.get(User, world.maria.id)
    assert maria is not None
    return [await _post(db, world.discussion_id, maria, ES_POST, "es") for _ in range(count)]
