"""Create a discussion from a file (`forum import`), all of it in the caller's transaction.

Reading and checking the file is `filereading`'s; what is written here is only what passed.
The writers of one week, one question, the people and the tags serve `updating` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import ImportRefused
from forum.core.text import render_markdown
from forum.discussions import filespec as say
from forum.discussions.checks import Problem
from forum.discussions.documents import DocumentRefused, add_document
from forum.discussions.filereading import (
    MAX_DOCUMENT_BYTES,
    parse_discussion,
    read_discussion_file,
    validate_discussion,
)
from forum.discussions.filespec import DiscussionSpec, QuestionSpec, State, TagSpec, WeekSpec
from forum.models import (
    Discussion,
    DiscussionModerator,
    DiscussionOrganiser,
    DiscussionTag,
    DiscussionTranslation,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    Tag,
    TagTranslation,
    User,
)
from forum.models.types import ChangeKind, Role, TagKind
from forum.studio.history import record_change

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "DiscussionSpec",
    "discussion_exists",
    "import_discussion",
    "parse_discussion",
    "read_discussion_file",
    "shift_dates",
    "validate_discussion",
]


async def discussion_exists(session: AsyncSession, slug: str) -> bool:
    """Tell whether a discussion with `slug` is already stored."""
    count = await session.scalar(
        select(func.count()).select_from(Discussion).where(Discussion.slug == slug)
    )
    return bool(count)


async def import_discussion(
    session: AsyncSession,
    spec: DiscussionSpec,
    files: Mapping[str, bytes],
    *,
    now: datetime,
    source: str = "",
    data_dir: Path,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> Discussion:
    """Create the discussion a checked file describes; refuse a taken address or tag kind."""
    problems: list[Problem] = []
    if await discussion_exists(session, spec.slug):
        problems.append(Problem(say.SLUG_EXISTS, "slug"))
    tags = await stored_tags(session, [tag.slug for tag in spec.tags])
    problems += tag_kind_problems(spec.tags, tags)
    if problems:
        raise ImportRefused(problems, source=source, lines=spec.lines)
    published = (spec.published_at or now).replace(microsecond=0)
    published_at = published if spec.state == State.PUBLISHED else None
    discussion = Discussion(
        slug=spec.slug,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        timezone=spec.timezone,
        moderation_mode=spec.moderation.value,
        general_comments=spec.general_comments,
        languages=",".join(spec.languages),
        created_at=now,
        published_at=published_at,
    )
    session.add(discussion)
    await session.flush()
    assert discussion.id is not None
    discussion_id = discussion.id
    for language in spec.languages:
        session.add(
            DiscussionTranslation(
                discussion_id=discussion_id,
                language=language,
                title=spec.title[language],
                summary=spec.summary[language],
                introduction_source=spec.introduction[language],
                introduction_html=render_markdown(spec.introduction[language]),
            )
        )
    await add_people(session, discussion_id, spec, now)
    for position, tag_spec in enumerate(spec.tags):
        tag = tags.get(tag_spec.slug) or await add_tag(session, tag_spec)
        assert tag.id is not None
        session.add(DiscussionTag(discussion_id=discussion_id, tag_id=tag.id, position=position))
    for index, document in enumerate(spec.documents, start=1):
        try:
            await add_document(
                session,
                data_dir=data_dir,
                discussion_id=discussion_id,
                language=document.language,
                title=document.title,
                filename=document.filename,
                content=files[document.file],
                max_bytes=max_document_bytes,
            )
        except DocumentRefused as refused:
            place = f"documents[{index}].file"
            problem = Problem(refused.message, place, refused.params)
            raise ImportRefused([problem], source=source) from refused
    for position, week in enumerate(spec.weeks, start=1):
        await add_week(session, discussion_id, position, week)
    record_change(
        session,
        discussion_id=discussion_id,
        actor_id=None,
        what=ChangeKind.IMPORT,
        now=now,
        item="discussion",
        after={"file": Path(source).name} if source else None,
    )
    await session.flush()
    return discussion


async def stored_tags(session: AsyncSession, slugs: Sequence[str]) -> dict[str, Tag]:
    """The tags already stored under any of `slugs`, shared by every discussion."""
    found = await session.scalars(select(Tag).where(col(Tag.slug).in_(slugs)))
    return {tag.slug: tag for tag in found}


def tag_kind_problems(specs: Sequence[TagSpec], stored: Mapping[str, Tag]) -> list[Problem]:
    """A tag is a topic or a subject everywhere; a file cannot make it the other."""
    problems = []
    for t, spec in enumerate(specs, start=1):
        tag = stored.get(spec.slug)
        if tag is not None and tag.kind != spec.kind.value:
            message = say.TAG_IS_TOPIC if tag.kind == TagKind.TOPIC else say.TAG_IS_SUBJECT
            problems.append(Problem(message, f"tags[{t}].kind", {"tag": spec.slug}))
    return problems


async def add_tag(session: AsyncSession, spec: TagSpec) -> Tag:
    tag = Tag(slug=spec.slug, kind=spec.kind.value)
    session.add(tag)
    await session.flush()
    assert tag.id is not None
    for language, label in spec.label.items():
        session.add(
            TagTranslation(
                tag_id=tag.id,
                language=language,
                label=label,
                description=spec.description.get(language, ""),
            )
        )
    return tag


async def people(
    session: AsyncSession, wanted: Mapping[str, tuple[str, str]], role: Role, now: datetime
) -> dict[str, User]:
    """The accounts of `wanted` (e-mail -> name, organisation), made for those without one.

    A new account has no password: its owner sets one with "forgot your password".
    """
    found = await session.scalars(select(User).where(col(User.email).in_(list(wanted))))
    users = {user.email: user for user in found}
    for email, (name, organisation) in wanted.items():
        if email not in users:
            user = User(
                email=email,
                display_name=name or email.split("@")[0],
                organisation=organisation,
                created_at=now,
                role=role.value,
            )
            session.add(user)
            users[email] = user
    await session.flush()
    return users


async def add_people(
    session: AsyncSession, discussion_id: int, spec: DiscussionSpec, now: datetime
) -> None:
    """The discussion's moderators (in the file's order) and organisers."""
    moderators = await people(
        session, {m.email: (m.name, m.organisation) for m in spec.moderators}, Role.MODERATOR, now
    )
    for position, moderator in enumerate(spec.moderators):
        user_id = moderators[moderator.email].id
        assert user_id is not None
        session.add(
            DiscussionModerator(discussion_id=discussion_id, user_id=user_id, position=position)
        )
    organisers = await people(
        session, dict.fromkeys(spec.organisers, ("", "")), Role.CONTRIBUTOR, now
    )
    for email in spec.organisers:
        user_id = organisers[email].id
        assert user_id is not None
        session.add(DiscussionOrganiser(discussion_id=discussion_id, user_id=user_id))


async def add_week(
    session: AsyncSession, discussion_id: int, position: int, week: WeekSpec
) -> QuestionSet:
    """Write one week with its title and questions."""
    question_set = QuestionSet(
        discussion_id=discussion_id,
        position=position,
        opens_at=week.opens_at,
        closes_at=week.closes_at,
    )
    session.add(question_set)
    await session.flush()
    assert question_set.id is not None
    for language, title in week.title.items():
        session.add(
            QuestionSetTranslation(question_set_id=question_set.id, language=language, title=title)
        )
    for question in week.questions:
        await add_question(session, discussion_id, question_set.id, question)
    return question_set


async def add_question(
    session: AsyncSession, discussion_id: int, question_set_id: int, spec: QuestionSpec
) -> Question:
    question = Question(
        discussion_id=discussion_id, question_set_id=question_set_id, number=spec.number
    )
    session.add(question)
    await session.flush()
    assert question.id is not None
    for language, text in spec.text.items():
        session.add(QuestionTranslation(question_id=question.id, language=language, text=text))
    return question


def shift_dates(data: Any, today: date) -> Any:
    """Move every datetime in a parsed demo file by (today - its reference_date)."""
    reference = data.pop("reference_date")
    delta = today - reference

    def shift(value: Any) -> Any:
        if isinstance(value, datetime):
            return value + delta
        if isinstance(value, dict):
            return {key: shift(item) for key, item in value.items()}
        if isinstance(value, list):
            return [shift(item) for item in value]
        return value

    return shift(data)
