"""Read a discussion from a TOML file, validate all of it, and write it in one transaction."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import ImportRefused, Problem
from forum.core.text import render_markdown
from forum.discussions.documents import DocumentRefused, add_document
from forum.models import (
    Discussion,
    DiscussionModerator,
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
from forum.models.types import ModerationMode, TagKind

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[str, StringConstraints(pattern=SLUG, max_length=80)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModeratorSpec(_Spec):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    organisation: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    email: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[^@\s]+@[^@\s]+$")
    ]


class TagSpec(_Spec):
    slug: Slug
    kind: TagKind
    label: dict[
        str, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    ]


class DocumentSpec(_Spec):
    language: str
    title: Title
    file: str


class QuestionSpec(_Spec):
    number: Annotated[int, Field(ge=1, le=999)]
    text: dict[str, Text]


class WeekSpec(_Spec):
    opens_at: datetime
    closes_at: datetime
    title: dict[str, Title]
    questions: Annotated[list[QuestionSpec], Field(min_length=1)]


class DiscussionSpec(_Spec):
    slug: Slug
    opens_at: datetime
    closes_at: datetime
    timezone: str = "UTC"
    moderation: ModerationMode
    general_comments: bool = False
    languages: Annotated[list[str], Field(min_length=1)]
    title: dict[str, Title]
    summary: dict[str, Text]
    introduction: dict[str, Text]
    moderators: list[ModeratorSpec] = []
    tags: list[TagSpec] = []
    documents: list[DocumentSpec] = []
    weeks: Annotated[list[WeekSpec], Field(min_length=1)]


def _place(loc: tuple[int | str, ...]) -> str:
    """Write a pydantic location as `weeks[2].questions[1].number`, counting from 1."""
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_discussion_file(
    path: Path, languages: tuple[str, ...]
) -> tuple[DiscussionSpec, dict[str, bytes]]:
    """Parse and validate `path`; return the spec and the document files' contents."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ImportRefused([Problem(str(path), "", f"cannot be read: {error}")]) from error
    except tomllib.TOMLDecodeError as error:
        raise ImportRefused([Problem(str(path), "", f"is not valid TOML: {error}")]) from error
    return validate_discussion(data, source=str(path), base=path.parent, languages=languages)


def validate_discussion(
    data: dict[str, Any], *, source: str, base: Path, languages: tuple[str, ...]
) -> tuple[DiscussionSpec, dict[str, bytes]]:
    """Check every rule on a parsed file; raise ImportRefused listing all that is wrong."""
    try:
        spec = DiscussionSpec.model_validate(data)
    except ValidationError as error:
        raise ImportRefused(
            [Problem(source, _place(e["loc"]), e["msg"]) for e in error.errors()]
        ) from error
    problems = [Problem(source, place, reason) for place, reason in _rule_problems(spec, languages)]
    files: dict[str, bytes] = {}
    for index, document in enumerate(spec.documents, start=1):
        path = base / document.file
        place = f"documents[{index}].file"
        try:
            content = path.read_bytes()
        except OSError as error:
            problems.append(Problem(source, place, f"cannot read {path}: {error.strerror}"))
            continue
        if len(content) > MAX_DOCUMENT_BYTES:
            problems.append(Problem(source, place, f"{path} is larger than 20 MB"))
        files[document.file] = content
    if problems:
        raise ImportRefused(problems)
    return spec, files


def _rule_problems(spec: DiscussionSpec, offered: tuple[str, ...]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    unknown = [lang for lang in spec.languages if lang not in offered]
    if unknown:
        problems.append(("languages", f"{', '.join(unknown)} not among {', '.join(offered)}"))
    if len(set(spec.languages)) != len(spec.languages):
        problems.append(("languages", "a language is listed twice"))
    wanted = set(spec.languages)
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(("timezone", f"{spec.timezone!r} is not a known time zone"))
    problems += _period_problems("", spec.opens_at, spec.closes_at)

    def check_translations(place: str, texts: dict[str, str]) -> None:
        missing = sorted(wanted - texts.keys())
        extra = sorted(texts.keys() - wanted)
        if missing:
            problems.append((place, f"missing translation: {', '.join(missing)}"))
        if extra:
            problems.append((place, f"translation for a language not offered: {', '.join(extra)}"))

    for name in ("title", "summary", "introduction"):
        check_translations(name, getattr(spec, name))
    for index, tag in enumerate(spec.tags, start=1):
        check_translations(f"tags[{index}].label", tag.label)
    if len({tag.slug for tag in spec.tags}) != len(spec.tags):
        problems.append(("tags", "a tag slug is listed twice"))
    emails = [moderator.email for moderator in spec.moderators]
    if len(set(emails)) != len(emails):
        problems.append(("moderators", "a moderator is listed twice"))
    for index, document in enumerate(spec.documents, start=1):
        if document.language not in wanted:
            problems.append((f"documents[{index}].language", f"{document.language!r} not offered"))
    seen: dict[int, str] = {}
    for w, week in enumerate(spec.weeks, start=1):
        check_translations(f"weeks[{w}].title", week.title)
        problems += _period_problems(f"weeks[{w}].", week.opens_at, week.closes_at)
        dates = (week.opens_at, week.closes_at, spec.opens_at, spec.closes_at)
        comparable = all(value.tzinfo is not None for value in dates)
        if comparable and (week.opens_at < spec.opens_at or week.closes_at > spec.closes_at):
            problems.append((f"weeks[{w}]", "runs outside the discussion's dates"))
        for q, question in enumerate(week.questions, start=1):
            place = f"weeks[{w}].questions[{q}]"
            check_translations(f"{place}.text", question.text)
            if question.number in seen:
                problems.append(
                    (
                        f"{place}.number",
                        f"question {question.number} is already used at {seen[question.number]}",
                    )
                )
            seen.setdefault(question.number, place)
    return problems


def _period_problems(prefix: str, opens_at: datetime, closes_at: datetime) -> list[tuple[str, str]]:
    problems = [
        (f"{prefix}{name}", "needs a time zone offset, e.g. 2026-03-02T08:00:00Z")
        for name, value in (("opens_at", opens_at), ("closes_at", closes_at))
        if value.tzinfo is None
    ]
    if not problems and closes_at <= opens_at:
        problems.append((f"{prefix}closes_at", "closes before it opens"))
    return problems


async def discussion_exists(session: AsyncSession, slug: str) -> bool:
    """Tell whether a discussion with `slug` is already stored."""
    count = await session.scalar(
        select(func.count()).select_from(Discussion).where(Discussion.slug == slug)
    )
    return bool(count)


async def import_discussion(
    session: AsyncSession,
    spec: DiscussionSpec,
    files: dict[str, bytes],
    *,
    now: datetime,
    data_dir: Path,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
    source: str = "",
) -> Discussion:
    """Write a validated discussion; the caller's transaction makes it all or nothing."""
    if await discussion_exists(session, spec.slug):
        raise ImportRefused([Problem(source, "slug", f"a discussion {spec.slug!r} exists already")])
    discussion = Discussion(
        slug=spec.slug,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        timezone=spec.timezone,
        moderation_mode=spec.moderation.value,
        general_comments=spec.general_comments,
        languages=",".join(spec.languages),
        created_at=now,
        published_at=now,
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
    await _import_people(session, discussion_id, spec.moderators, now)
    await _import_tags(session, discussion_id, spec.tags, source)
    for index, document in enumerate(spec.documents, start=1):
        try:
            await add_document(
                session,
                data_dir=data_dir,
                discussion_id=discussion_id,
                language=document.language,
                title=document.title,
                filename=Path(document.file).name,
                content=files[document.file],
                max_bytes=max_document_bytes,
            )
        except DocumentRefused as error:
            reason = error.message % error.params if error.params else error.message
            raise ImportRefused([Problem(source, f"documents[{index}].file", reason)]) from error
    for position, week in enumerate(spec.weeks, start=1):
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
                QuestionSetTranslation(
                    question_set_id=question_set.id, language=language, title=title
                )
            )
        for spec_question in week.questions:
            question = Question(
                discussion_id=discussion_id,
                question_set_id=question_set.id,
                number=spec_question.number,
            )
            session.add(question)
            await session.flush()
            assert question.id is not None
            for language, text in spec_question.text.items():
                session.add(
                    QuestionTranslation(question_id=question.id, language=language, text=text)
                )
    await session.flush()
    return discussion


async def _import_people(
    session: AsyncSession, discussion_id: int, moderators: list[ModeratorSpec], now: datetime
) -> None:
    emails = [moderator.email for moderator in moderators]
    existing = {
        user.email: user
        for user in (await session.scalars(select(User).where(col(User.email).in_(emails)))).all()
    }
    for position, moderator in enumerate(moderators):
        user = existing.get(moderator.email)
        if user is None:
            user = User(
                email=moderator.email,
                display_name=moderator.name,
                organisation=moderator.organisation,
                created_at=now,
                role="moderator",
            )
            session.add(user)
            await session.flush()
        assert user.id is not None
        session.add(
            DiscussionModerator(discussion_id=discussion_id, user_id=user.id, position=position)
        )


async def _import_tags(
    session: AsyncSession, discussion_id: int, tags: list[TagSpec], source: str
) -> None:
    slugs = [tag.slug for tag in tags]
    existing = {
        tag.slug: tag
        for tag in (await session.scalars(select(Tag).where(col(Tag.slug).in_(slugs))))
    }
    for position, spec in enumerate(tags):
        tag = existing.get(spec.slug)
        if tag is not None and tag.kind != spec.kind.value:
            raise ImportRefused(
                [
                    Problem(
                        source,
                        f"tags[{position + 1}].kind",
                        f"tag {spec.slug!r} exists already as a {tag.kind}",
                    )
                ]
            )
        if tag is None:
            tag = Tag(slug=spec.slug, kind=spec.kind.value)
            session.add(tag)
            await session.flush()
            assert tag.id is not None
            for language, label in spec.label.items():
                session.add(TagTranslation(tag_id=tag.id, language=language, label=label))
        assert tag.id is not None
        session.add(DiscussionTag(discussion_id=discussion_id, tag_id=tag.id, position=position))


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
