"""A person with posts, earlier versions, a report, a subscription and a session, for the
personal data and deletion tests (on top of the exports' seeded discussion)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from forum.db import Database
from forum.models import (
    Discussion,
    Post,
    PostRevision,
    Report,
    SubscribedDiscussion,
    Subscriber,
    User,
)
from forum.models.types import PostStatus, QuoteConsent, SubscriberStatus
from tests.conftest import NOW
from tests.exports.seeding import SLUG, seed, user_named
from tests.helpers import make_user

REPORT_NOTE = "Este mensaje repite publicidad de un curso de pago."
OTHER_REPLY = "Merci : nous avons essayé le même carnet avec nos apprentis."
EARLIER = "Apprentices kept a logbook."


async def seed_person(db: Database, *, revisions: int = 1) -> dict[str, int]:
    """María's posts (from the exports' seed), `revisions` earlier texts of her published
    post, a report she made on another person's post, which that person's reply answers
    hers, and a newsletter subscription to one discussion."""
    ids = await seed(db)
    maria = await user_named(db, "maria@example.org")
    other = await make_user(db, email="luc@example.org", name="Luc Bernard", language="fr")
    assert maria.id is not None and other.id is not None
    async with db.transaction() as session:
        discussion_id = await session.scalar(
            select(col(Discussion.id)).where(col(Discussion.slug) == SLUG)
        )
        assert discussion_id is not None
        published = await session.get(Post, ids["published"])
        assert published is not None
        for number in range(1, revisions + 1):
            session.add(
                PostRevision(
                    post_id=ids["published"],
                    number=number,
                    language="en",
                    source=f"{EARLIER} ({number})",
                    html=f"<p>{EARLIER} ({number})</p>",
                    status=PostStatus.APPROVED.value,
                    written_at=NOW - timedelta(hours=2),
                    replaced_at=NOW - timedelta(hours=1),
                )
            )
        theirs = Post(
            discussion_id=discussion_id,
            question_id=published.question_id,
            parent_id=ids["published"],
            in_reply_to_id=ids["published"],
            thread_id=ids["published"],
            depth=1,
            author_id=other.id,
            language="fr",
            source=OTHER_REPLY,
            html=f"<p>{OTHER_REPLY}</p>",
            status=PostStatus.APPROVED.value,
            quote_consent=QuoteConsent.BY_NAME.value,
            created_at=NOW,
            approved_at=NOW,
        )
        session.add(theirs)
        await session.flush()
        assert theirs.id is not None
        ids["theirs"] = theirs.id
        session.add(
            Report(
                post_id=theirs.id,
                reporter_id=maria.id,
                section="no-advertising",
                note=REPORT_NOTE,
                created_at=NOW,
            )
        )
        subscriber = Subscriber(
            email="maria@example.org",
            language="es",
            all_discussions=False,
            status=SubscriberStatus.CONFIRMED.value,
            user_id=maria.id,
            created_at=NOW - timedelta(days=3),
            confirmed_at=NOW - timedelta(days=3),
        )
        session.add(subscriber)
        await session.flush()
        assert subscriber.id is not None
        session.add(SubscribedDiscussion(subscriber_id=subscriber.id, discussion_id=discussion_id))
        user = await session.get(User, maria.id)
        assert user is not None
        user.quote_consent = QuoteConsent.BY_NAME.value
        luc = await session.get(User, other.id)
        assert luc is not None
        luc.organisation, luc.country = "Lycée professionnel du bâtiment", "FR"
    ids["maria"], ids["luc"] = maria.id, other.id
    return ids
