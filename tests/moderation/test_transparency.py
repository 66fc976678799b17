"""A discussion's transparency figures: every outcome of its posts, and readers' reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.core.errors import NotFound
from forum.db import Database
from forum.models import ModerationAction, Post, Report, User
from forum.models.types import ModerationVerb, PostStatus
from forum.moderation.transparency import Transparency, transparency
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user, selects

SLUG = "remote-apprenticeships"
OTHER = "green-workplaces"
START = NOW - timedelta(days=2)
TEXTS = (
    "Our apprentices kept a shared logbook that their tutor read every evening.",
    "Los aprendices grababan un breve vídeo de su trabajo para el tutor.",
    "Les apprentis se retrouvaient en ligne le lundi pour planifier la semaine.",
    "The union ran short evening sessions on safety for remote trainees.",
    "En el taller, un compañero veterano acompañaba a cada aprendiz nuevo.",
    "Nous avons prêté des ordinateurs portables aux apprentis qui n'en avaient pas.",
    "Mentors phoned each apprentice on Fridays to ask what had gone wrong.",
    "La escuela abrió su biblioteca por la tarde para quien no tenía internet.",
    "Les entreprises ont accepté de décaler les horaires pendant les examens.",
)


async def discussions(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=SLUG, start=START), now=NOW)
        await add_discussion(session, discussion_data(slug=OTHER, start=START), now=NOW)


async def write(db: Database, author: User, text: str, slug: str = SLUG) -> int:
    """Send a post to the pre-moderated discussion: it waits for a moderator."""
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=author,
            discussion_slug=slug,
            question_number=1,
            parent_id=None,
            draft=Draft(source=text, language="", quote_consent="by_name"),
            limits=PostLimits(),
            now=NOW,
        )
        assert post.id is not None and post.status == PostStatus.PENDING
        return post.id


async def settle(db: Database, post_id: int, status: PostStatus, section: str = "") -> None:
    """Give a post its outcome, and log a rejection as a moderator's would be."""
    async with db.transaction() as session:
        await session.execute(
            update(Post)
            .where(col(Post.id) == post_id)
            .values(status=status.value, rejection_section=section)
        )
        if status == PostStatus.REJECTED:
            post = await session.get(Post, post_id)
            assert post is not None
            session.add(
                ModerationAction(
                    action=ModerationVerb.REJECT.value,
                    discussion_id=post.discussion_id,
                    post_id=post_id,
                    user_id=post.author_id,
                    section=section,
                    created_at=NOW,
                )
            )


async def test_transparency_counts_every_outcome(db: Database) -> None:
    await discussions(db)
    maria = await make_user(db)
    luc = await make_user(db, email="luc@example.org", name="Luc Bernard", language="fr")
    posts = [await write(db, maria, text) for text in TEXTS]
    outcomes = [
        (PostStatus.APPROVED, ""),
        (PostStatus.APPROVED, ""),
        (PostStatus.APPROVED, ""),
        (PostStatus.REJECTED, "respect"),
        (PostStatus.REJECTED, "on-topic"),
        (PostStatus.REJECTED, "respect"),
        (PostStatus.HIDDEN, ""),
    ]  # the last two posts stay pending
    for post_id, (status, section) in zip(posts, outcomes, strict=False):
        await settle(db, post_id, status, section)
    elsewhere = await write(db, maria, "Un texte publié dans une autre discussion.", OTHER)
    async with db.transaction() as session:
        for post_id in (posts[0], posts[6], elsewhere):
            assert luc.id is not None
            session.add(
                Report(post_id=post_id, reporter_id=luc.id, section="sources", created_at=NOW)
            )
    async with db.session() as session:
        with counting(db) as counter:
            figures = await transparency(session, discussion_slug=SLUG)
    assert figures == Transparency(
        received=9,
        approved=3,
        pending=2,
        rejected_by_section=[("on-topic", 1), ("respect", 2)],
        hidden=1,
        reports_received=2,
    )
    assert figures.rejected == 3
    assert selects(counter) == 4


async def test_transparency_of_an_empty_discussion(db: Database) -> None:
    await discussions(db)
    async with db.session() as session:
        figures = await transparency(session, discussion_slug=OTHER)
    assert figures == Transparency(0, 0, 0, [], 0, 0)


async def test_transparency_of_an_unknown_discussion(db: Database) -> None:
    await discussions(db)
    async with db.session() as session:
        with pytest.raises(NotFound):
            await transparency(session, discussion_slug="no-such-discussion")


async def test_transparency_keeps_a_rejection_after_the_post_is_edited_and_approved(
    db: Database,
) -> None:
    await discussions(db)
    maria = await make_user(db)
    post_id = await write(db, maria, TEXTS[0])
    await settle(db, post_id, PostStatus.REJECTED, "on-topic")
    await settle(db, post_id, PostStatus.APPROVED)  # edited, sent again, then approved
    async with db.session() as session:
        figures = await transparency(session, discussion_slug=SLUG)
    assert (figures.received, figures.approved) == (1, 1)
    assert figures.rejected_by_section == [("on-topic", 1)]
