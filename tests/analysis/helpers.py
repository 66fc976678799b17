"""Posts written straight into the tables, for the analysis tests, in our own words."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from sqlmodel import select

from forum.db import Database
from forum.models import Discussion, Post, PostTag, Question, Tag, User
from forum.models.types import PostStatus, TagKind
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.paths import ROOT

SLUG = "remote-apprenticeships"
START = NOW - timedelta(days=2)
TEXTS = {
    "en": "Our apprentices kept a shared logbook that their tutor read every evening.",
    "es": "Los aprendices grababan un breve vídeo de su trabajo para el tutor.",
    "fr": "Les apprentis se retrouvaient en ligne le lundi pour planifier la semaine.",
}


async def setup_discussion(db: Database, slug: str = SLUG) -> int:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=slug, start=START), now=NOW)
        found = await session.scalar(select(Discussion).where(Discussion.slug == slug))
        assert found is not None and found.id is not None
        return found.id


async def person(db: Database, email: str, group: str, country: str) -> int:
    async with db.transaction() as session:
        user = User(
            email=email,
            display_name=email.split("@")[0],
            organisation="",
            country=country,
            stakeholder_group=group,
            preferred_language="en",
            created_at=NOW,
        )
        session.add(user)
        await session.flush()
        assert user.id is not None
        return user.id


async def posts(
    db: Database,
    discussion_id: int,
    author_id: int,
    *,
    question: int | None,
    language: str = "en",
    status: PostStatus = PostStatus.APPROVED,
    count: int = 1,
    tag: str | None = None,
    text: str | None = None,
    consent: str = "by_name",
) -> list[int]:
    """Add `count` posts; each is its own thread."""
    async with db.transaction() as session:
        question_id = None
        if question is not None:
            question_id = await session.scalar(
                select(Question.id).where(
                    Question.discussion_id == discussion_id, Question.number == question
                )
            )
        tag_id = None
        if tag is not None:
            tag_id = await session.scalar(select(Tag.id).where(Tag.slug == tag))
            if tag_id is None:
                found = Tag(slug=tag, kind=TagKind.TOPIC.value)
                session.add(found)
                await session.flush()
                tag_id = found.id
        ids = []
        for _ in range(count):
            body = text or TEXTS[language]
            post = Post(
                discussion_id=discussion_id,
                question_id=question_id,
                author_id=author_id,
                language=language,
                source=body,
                html=f"<p>{body}</p>",
                status=status.value,
                quote_consent=consent,
                created_at=NOW,
            )
            session.add(post)
            await session.flush()
            assert post.id is not None
            post.thread_id = post.id
            if tag_id is not None:
                session.add(PostTag(post_id=post.id, tag_id=tag_id))
            ids.append(post.id)
        return ids


def loaded_with_the_app(*names: str) -> list[str]:
    """Which of the modules `names` a fresh interpreter holds once it has imported the web app
    (what every worker of `forum serve` imports before its first request)."""
    code = "import sys, forum.app; print(*sorted(set(sys.argv[1:]) & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code, *names],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()
