"""A discussion with posts of every status, written by us, for the exports' tests."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from forum.db import Database
from forum.models import Discussion, Post, PostTag, Question, Tag, User
from forum.models.types import PostStatus, QuoteConsent
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user

SLUG = "remote-apprenticeships"
PUBLISHED = 'Apprentices kept a shared logbook;\nthe tutor read it every evening, "carefully".'
PENDING = "Los aprendices grababan un vídeo corto para su tutora."
REJECTED = "Ce message n'a rien à voir avec la discussion."
HIDDEN = "A post a moderator hid after a reader's report."
FORMULA = '=HYPERLINK("http://example.invalid","click")'


async def seed(db: Database, extra: int = 0) -> dict[str, int]:
    """Add the discussion and posts; return their ids by name (`extra` more published ones)."""
    async with db.transaction() as session:
        await add_discussion(
            session, discussion_data(slug=SLUG, start=NOW - timedelta(days=1)), now=NOW
        )
    author = await make_user(db)
    async with db.transaction() as session:
        discussion = await session.scalar(select(Discussion).where(Discussion.slug == SLUG))
        assert discussion is not None and discussion.id is not None
        question = await session.scalar(
            select(Question).where(Question.discussion_id == discussion.id, Question.number == 1)
        )
        tag = await session.scalar(select(Tag).where(Tag.slug == "apprenticeships"))
        assert question is not None and tag is not None and author.id is not None
        ids: dict[str, int] = {}
        texts = [
            ("published", PUBLISHED, PostStatus.APPROVED, QuoteConsent.BY_NAME, "en"),
            ("pending", PENDING, PostStatus.PENDING, QuoteConsent.ANONYMOUSLY, "es"),
            ("rejected", REJECTED, PostStatus.REJECTED, QuoteConsent.NOT_AT_ALL, "fr"),
            ("hidden", HIDDEN, PostStatus.HIDDEN, QuoteConsent.BY_NAME, "en"),
            ("formula", FORMULA, PostStatus.APPROVED, QuoteConsent.NOT_AT_ALL, "en"),
        ] + [
            (
                f"more-{n}",
                f"Answer number {n} about training.",
                PostStatus.APPROVED,
                QuoteConsent.BY_NAME,
                "en",
            )
            for n in range(extra)
        ]
        for name, text, status, consent, language in texts:
            post = Post(
                discussion_id=discussion.id,
                question_id=question.id,
                author_id=author.id,
                language=language,
                source=text,
                html=f"<p>{text}</p>",
                status=status.value,
                quote_consent=consent.value,
                key_quote=name == "published",
                created_at=NOW,
                approved_at=NOW if status == PostStatus.APPROVED else None,
            )
            session.add(post)
            await session.flush()
            assert post.id is not None
            post.thread_id = post.id
            ids[name] = post.id
        reply = Post(
            discussion_id=discussion.id,
            question_id=question.id,
            parent_id=ids["published"],
            in_reply_to_id=ids["published"],
            thread_id=ids["published"],
            depth=1,
            author_id=author.id,
            language="en",
            source="Thank you: we tried the same logbook.",
            html="<p>Thank you: we tried the same logbook.</p>",
            status=PostStatus.APPROVED.value,
            quote_consent=QuoteConsent.ANONYMOUSLY.value,
            created_at=NOW,
            approved_at=NOW,
        )
        session.add(reply)
        await session.flush()
        assert reply.id is not None and tag.id is not None
        ids["reply"] = reply.id
        session.add(PostTag(post_id=ids["published"], tag_id=tag.id))
    return ids


async def user_named(db: Database, email: str) -> User:
    async with db.session() as session:
        user = await session.scalar(select(User).where(col(User.email) == email))
    assert user is not None
    return user
