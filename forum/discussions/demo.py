"""The demo discussions shipped with the forum, dated around today, with live threads."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.accounts.accounts import user_by_email
from forum.contributions.posting import Draft, PostLimits, create_post
from forum.discussions.importing import (
    DiscussionSpec,
    discussion_exists,
    import_discussion,
    shift_dates,
    validate_discussion,
)
from forum.live.checks import SessionInput
from forum.live.sessions import add_session
from forum.models import Discussion, Post, PostTag, Tag, User
from forum.models.types import PostStatus
from forum.moderation.posts import mark_key_quote
from forum.moderation.summaries import save_summary
from forum.synthesis.demo import Publisher, publish_demo_synthesis

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_POSTS_DIR = DEMO_DIR / "posts"  # posts/<slug>.toml: the people and threads of one discussion
# The live session the open demo discussion announces, a week ahead, in our own words.
DEMO_SESSION_TITLE = {
    "en": "Live session: training that kept going, told by those who ran it",
    "es": "Sesión en directo: la formación que siguió adelante, contada por quienes la hicieron",
    "fr": "Session en direct\u00a0: la formation qui a tenu bon, racontée par celles et ceux "
    "qui l’ont menée",
}
DEMO_SESSION_DESCRIPTION = {
    "en": "Three training centres describe what they changed in a hurry and what they kept. "
    "Questions from participants are welcome; the session is recorded.",
    "es": "Tres centros de formación cuentan qué cambiaron con prisas y qué conservaron. "
    "Se aceptan preguntas de los participantes; la sesión se graba.",
    "fr": "Trois centres de formation racontent ce qu’ils ont changé dans l’urgence et ce "
    "qu’ils ont gardé. Les questions des participants sont bienvenues\u00a0; la session "
    "est enregistrée.",
}
DEMO_SESSION_LINK = "https://example.org/webinars/skills-in-crisis"
DEMO_UID_HOST = "demo.forum.invalid"


@dataclass(frozen=True)
class DemoPerson:
    """Someone who writes in the demo; they have no password, so nobody can sign in as them."""

    key: str
    name: str
    organisation: str
    country: str
    group: str
    language: str
    trusted: bool  # a trusted person's posts are published at once; others wait for a moderator

    @property
    def email(self) -> str:
        return f"demo.{self.key}@example.org"


@dataclass(frozen=True)
class DemoPost:
    key: str
    author: str
    language: str
    text: str
    hours_ago: int
    consent: str
    tags: tuple[str, ...] = ()
    question: int | None = None
    reply_to: str | None = None
    key_quote: bool = False  # marked for the synthesis by the discussion's first moderator


@dataclass(frozen=True)
class DemoSummary:
    """A week's summary in one language, as a moderator writes it once the week is over."""

    week: int
    language: str
    text: str


def demo_specs(
    today: date, languages: tuple[str, ...]
) -> list[tuple[DiscussionSpec, dict[str, bytes], str]]:
    """Read every demo file, move its dates around `today`, and validate it."""
    specs = []
    for path in sorted(DEMO_DIR.glob("*.toml")):
        data = shift_dates(tomllib.loads(path.read_text(encoding="utf-8")), today)
        spec, files = validate_discussion(
            data, source=str(path), base=path.parent, languages=languages
        )
        specs.append((spec, files, str(path)))
    return specs


def demo_threads(slug: str) -> tuple[list[DemoPerson], list[DemoPost]]:
    """The demo people and posts of a discussion (none for most)."""
    data = _demo_file(slug)
    people = [DemoPerson(**person) for person in data.get("people", [])]
    posts = [
        DemoPost(**{**post, "tags": tuple(post.get("tags", ()))}) for post in data.get("posts", [])
    ]
    return people, posts


def demo_summaries(slug: str) -> list[DemoSummary]:
    """The weekly summaries of a demo discussion (none for most)."""
    return [DemoSummary(**summary) for summary in _demo_file(slug).get("summaries", [])]


def _demo_file(slug: str) -> dict[str, Any]:
    path = DEMO_POSTS_DIR / f"{slug}.toml"
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


async def load_demo_discussion(
    session: AsyncSession,
    spec: DiscussionSpec,
    files: dict[str, bytes],
    *,
    now: datetime,
    source: str,
    data_dir: Path,
    publisher: Publisher | None = None,
) -> int | None:
    """Import one demo discussion and its threads unless it is there already.

    With a `publisher`, a past discussion's synthesis is published too (its mails queued).
    Return how many posts were added with it, or None when it was there (nothing is added).
    """
    if await discussion_exists(session, spec.slug):
        return None
    await import_discussion(session, spec, files, now=now, data_dir=data_dir, source=source)
    people, posts = demo_threads(spec.slug)
    authors = {person.key: await _person(session, person, now) for person in people}
    # A past discussion's posts are written when its weeks were open, as they were then.
    past = spec.closes_at <= now
    written: dict[str, Post] = {}
    for post in posts:
        written[post.key] = await _write(session, spec.slug, post, authors, written, now, past)
    quoted = [written[post.key].id or 0 for post in posts if post.key_quote]
    summaries = demo_summaries(spec.slug)
    if (quoted or summaries) and spec.moderators:
        moderator = await user_by_email(session, spec.moderators[0].email)
        assert moderator is not None  # the import made the discussion's moderators
        for post_id in quoted:
            await mark_key_quote(session, actor=moderator, post_id=post_id, quoted=True, now=now)
        for summary in summaries:
            await save_summary(
                session,
                actor=moderator,
                discussion_slug=spec.slug,
                week_position=summary.week,
                language=summary.language,
                source=summary.text,
                now=now,
            )
    synthesis = _demo_file(spec.slug).get("synthesis", {})
    if synthesis and publisher is not None and spec.moderators:
        moderator = await user_by_email(session, spec.moderators[0].email)
        assert moderator is not None
        await publish_demo_synthesis(
            session,
            slug=spec.slug,
            texts=synthesis,
            post_ids={key: post.id or 0 for key, post in written.items()},
            actor=moderator,
            publisher=publisher,
            now=now,
        )
    if spec.opens_at <= now < spec.closes_at:
        await _announce_session(session, spec.slug, now)
    return len(written)


async def _announce_session(session: AsyncSession, slug: str, now: datetime) -> None:
    """Give an open demo discussion one live session, a week from now at 14:00 its time."""
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    assert discussion is not None
    day = (now.astimezone(ZoneInfo(discussion.timezone)) + timedelta(days=7)).date()
    languages = discussion.language_list
    data = SessionInput(
        titles={code: DEMO_SESSION_TITLE.get(code, "") for code in languages},
        descriptions={code: DEMO_SESSION_DESCRIPTION.get(code, "") for code in languages},
        day=day.isoformat(),
        clock="14:00",
        timezone=discussion.timezone,
        duration="120",
        registration_url=DEMO_SESSION_LINK,
        language=languages[0],
    )
    await add_session(
        session, discussion=discussion, data=data, uid_host=DEMO_UID_HOST, actor_id=None, now=now
    )


async def _person(session: AsyncSession, person: DemoPerson, now: datetime) -> User:
    """The demo person's account: confirmed, without a password."""
    user = await user_by_email(session, person.email)
    if user is None:
        user = User(
            email=person.email,
            display_name=person.name,
            organisation=person.organisation,
            country=person.country,
            stakeholder_group=person.group,
            preferred_language=person.language,
            trusted=person.trusted,
            password_hash="",
            email_confirmed_at=now,
            created_at=now - timedelta(days=7),
        )
        session.add(user)
        await session.flush()
    return user


async def _write(
    session: AsyncSession,
    slug: str,
    spec: DemoPost,
    authors: dict[str, User],
    written: dict[str, Post],
    now: datetime,
    past: bool = False,
) -> Post:
    """Write one demo post as its author would (then, if `past`), then date it and tag it."""
    moment = now - timedelta(hours=spec.hours_ago)
    post = await create_post(
        session,
        author=authors[spec.author],
        discussion_slug=slug,
        question_number=spec.question,
        parent_id=written[spec.reply_to].id if spec.reply_to else None,
        draft=Draft(spec.text.strip(), spec.language, spec.consent),
        limits=PostLimits(),
        now=moment if past else now,
    )
    post.created_at = moment
    if post.status == PostStatus.APPROVED:
        post.approved_at = post.created_at
    if spec.tags:
        tags = await session.scalars(select(Tag).where(col(Tag.slug).in_(spec.tags)))
        session.add_all(PostTag(post_id=post.id or 0, tag_id=tag.id or 0) for tag in tags)
    await session.flush()
    return post
