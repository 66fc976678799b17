"""Update a stored discussion from its file (`forum import --update`).

The changes are said first (a dry run writes nothing); applied, they are written in the
caller's one transaction, each recorded in the discussion's history. A change that would
lose what people said is refused: a question with contributions cannot be removed or take
another number, nor can the week holding it, and a discussion's address does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.core.errors import ImportRefused, NotFound
from forum.core.text import render_markdown
from forum.discussions import filespec as say
from forum.discussions.checks import Problem
from forum.discussions.documents import add_document, document_content, forget_file
from forum.discussions.exporting import Stored, stored_discussion
from forum.discussions.filechanges import Change, describe
from forum.discussions.filereading import MAX_DOCUMENT_BYTES
from forum.discussions.filespec import DiscussionSpec, DocumentSpec, State
from forum.discussions.importing import (
    add_people,
    add_question,
    add_tag,
    stored_tags,
    tag_kind_problems,
)
from forum.models import (
    DiscussionModerator,
    DiscussionOrganiser,
    DiscussionTag,
    DiscussionTranslation,
    Post,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    TagTranslation,
)
from forum.models.types import ChangeKind
from forum.studio.history import record_change


async def update_discussion(
    session: AsyncSession,
    spec: DiscussionSpec,
    files: Mapping[str, bytes],
    *,
    now: datetime,
    apply: bool,
    source: str = "",
    slug: str | None = None,
    data_dir: Path,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> list[Change]:
    """Say what the file changes in discussion `slug` (the file's own by default); write it
    all when `apply`. Raise ImportRefused, having written nothing, for what may not change."""
    try:
        stored = await stored_discussion(session, slug or spec.slug)
    except NotFound as error:
        problem = Problem(say.NO_DISCUSSION, "slug", {"slug": slug or spec.slug})
        raise ImportRefused([problem], source=source, lines=spec.lines) from error
    problems = []
    if stored.spec.slug != spec.slug:
        problems.append(
            Problem(say.SLUG_CHANGED, "slug", {"before": stored.spec.slug, "after": spec.slug})
        )
    tags = await stored_tags(session, [tag.slug for tag in spec.tags])
    problems += tag_kind_problems(spec.tags, tags)
    problems += await _losses(session, stored, spec)
    if problems:
        raise ImportRefused(problems, source=source, lines=spec.lines)

    def replaced(document: DocumentSpec) -> bool:
        row = stored.documents[(document.language, document.filename)]
        return document_content(row, data_dir) != files[document.file]

    changes = describe(stored.spec, spec, replaced)
    if apply and changes:
        await _write(session, stored, spec, files, now, data_dir, max_document_bytes)
        for change in changes:
            record_change(
                session,
                discussion_id=stored.discussion.id or 0,
                actor_id=None,
                what=ChangeKind.UPDATE_FROM_FILE,
                now=now,
                item=change.item,
                before=change.before,
                after=change.after,
            )
        await bump_content_version(session, discussion_id=stored.discussion.id or 0)
        await session.flush()
    return changes


async def _losses(session: AsyncSession, stored: Stored, spec: DiscussionSpec) -> list[Problem]:
    """Questions with contributions that the file removes, renumbers or takes the week of."""
    wanted = {q.number: (w, q) for w, week in enumerate(spec.weeks, 1) for q in week.questions}
    gone = [question for number, question in stored.questions.items() if number not in wanted]
    if not gone:
        return []
    counted = await session.execute(
        select(col(Post.question_id), func.count())
        .where(col(Post.question_id).in_([q.id for q in gone]))
        .group_by(col(Post.question_id))
    )
    answered = {question_id for question_id, count in counted.all() if count}
    positions = {week.id: week.position for week in stored.weeks}
    texts = {q.number: q.text for week in stored.spec.weeks for q in week.questions}
    problems = []
    for question in gone:
        if question.id not in answered:
            continue
        number, week = question.number, positions[question.question_set_id]
        said = {text for text in texts.get(number, {}).values() if text}
        moved_to = [
            (n, w, q)
            for n, (w, q) in wanted.items()
            if n not in stored.questions and said & set(q.text.values())
        ]
        if moved_to:
            n, w, _ = moved_to[0]
            q = [x.number for x in spec.weeks[w - 1].questions].index(n) + 1
            place = f"weeks[{w}].questions[{q}].number"
            problems.append(Problem(say.QUESTION_RENUMBERED, place, {"number": number, "after": n}))
        elif week > len(spec.weeks):
            problems.append(Problem(say.WEEK_REMOVED, "weeks", {"week": week, "number": number}))
        else:
            place = f"weeks[{week}]"
            problems.append(Problem(say.QUESTION_REMOVED, place, {"number": number}))
    return problems


async def _write(
    session: AsyncSession,
    stored: Stored,
    spec: DiscussionSpec,
    files: Mapping[str, bytes],
    now: datetime,
    data_dir: Path,
    max_bytes: int,
) -> None:
    discussion = stored.discussion
    did = discussion.id or 0
    discussion.opens_at, discussion.closes_at = spec.opens_at, spec.closes_at
    discussion.timezone = spec.timezone
    discussion.moderation_mode = spec.moderation.value
    discussion.general_comments = spec.general_comments
    discussion.languages = ",".join(spec.languages)
    if spec.state == State.DRAFT:
        discussion.published_at = None
    else:
        published_at = spec.published_at or discussion.published_at or now
        discussion.published_at = published_at.replace(microsecond=0)
    texts = {
        t.language: t
        for t in await session.scalars(
            select(DiscussionTranslation).where(DiscussionTranslation.discussion_id == did)
        )
    }
    for code, row in texts.items():
        if code not in spec.languages:
            await session.delete(row)
    for code in spec.languages:
        row = texts.get(code) or DiscussionTranslation(
            discussion_id=did, language=code, title="", summary="", introduction_source="",
            introduction_html="",
        )  # fmt: skip
        row.title, row.summary = spec.title[code], spec.summary[code]
        if row.introduction_source != spec.introduction[code] or not row.introduction_html:
            row.introduction_source = spec.introduction[code]
            row.introduction_html = render_markdown(spec.introduction[code])
        session.add(row)
    for link in (DiscussionModerator, DiscussionOrganiser, DiscussionTag):
        await session.execute(delete(link).where(col(link.discussion_id) == did))
    await add_people(session, did, spec, now)
    await _write_tags(session, stored, spec)
    await _write_documents(session, stored, spec, files, data_dir, max_bytes)
    await _write_weeks(session, stored, spec)
    await session.flush()


async def _write_tags(session: AsyncSession, stored: Stored, spec: DiscussionSpec) -> None:
    known = await stored_tags(session, [tag.slug for tag in spec.tags])
    kept = [known[t.slug].id for t in spec.tags if t.slug in stored.tags]
    rows = {
        (row.tag_id, row.language): row
        for row in await session.scalars(
            select(TagTranslation).where(col(TagTranslation.tag_id).in_(kept))
        )
    }
    for position, tag_spec in enumerate(spec.tags):
        tag = known.get(tag_spec.slug) or await add_tag(session, tag_spec)
        tag_id = tag.id or 0
        if tag_spec.slug in stored.tags:
            for code in spec.languages:
                row = rows.get((tag_id, code)) or TagTranslation(
                    tag_id=tag_id, language=code, label=""
                )
                row.label = tag_spec.label.get(code, row.label)
                row.description = tag_spec.description.get(code, "")
                session.add(row)
        session.add(
            DiscussionTag(discussion_id=stored.discussion.id or 0, tag_id=tag_id, position=position)
        )


async def _write_documents(
    session: AsyncSession,
    stored: Stored,
    spec: DiscussionSpec,
    files: Mapping[str, bytes],
    data_dir: Path,
    max_bytes: int,
) -> None:
    wanted = {(d.language, d.filename): d for d in spec.documents}
    for key, row in stored.documents.items():
        document = wanted.get(key)
        if document is None or document_content(row, data_dir) != files[document.file]:
            forget_file(session, data_dir=data_dir, stored_path=row.stored_path)
            await session.delete(row)
        else:
            row.title = document.title
            session.add(row)
    await session.flush()
    for key, document in wanted.items():
        kept = stored.documents.get(key)
        if kept is not None and document_content(kept, data_dir) == files[document.file]:
            continue
        await add_document(
            session,
            data_dir=data_dir,
            discussion_id=stored.discussion.id or 0,
            language=document.language,
            title=document.title,
            filename=document.filename,
            content=files[document.file],
            max_bytes=max_bytes,
        )


async def _write_weeks(session: AsyncSession, stored: Stored, spec: DiscussionSpec) -> None:
    did = stored.discussion.id or 0
    weeks = list(stored.weeks)
    for position, week in enumerate(spec.weeks[len(weeks) :], start=len(weeks) + 1):
        row = QuestionSet(
            discussion_id=did, position=position, opens_at=week.opens_at, closes_at=week.closes_at
        )
        session.add(row)
        weeks.append(row)
    await session.flush()
    titles = {
        (t.question_set_id, t.language): t
        for t in await session.scalars(
            select(QuestionSetTranslation).where(
                col(QuestionSetTranslation.question_set_id).in_([w.id for w in weeks])
            )
        )
    }
    for (_, code), title in titles.items():
        if code not in spec.languages:
            await session.delete(title)
    for row, week in zip(weeks, spec.weeks, strict=False):
        row.opens_at, row.closes_at = week.opens_at, week.closes_at
        set_id = row.id or 0
        for code in spec.languages:
            title = titles.get((set_id, code)) or QuestionSetTranslation(
                question_set_id=set_id, language=code, title=""
            )
            title.title = week.title[code]
            session.add(title)
    wordings = {
        (t.question_id, t.language): t
        for t in await session.scalars(
            select(QuestionTranslation).where(
                col(QuestionTranslation.question_id).in_([q.id for q in stored.questions.values()])
            )
        )
    }
    for (_, code), text in wordings.items():
        if code not in spec.languages:
            await session.delete(text)
    wanted = set()
    for row, week in zip(weeks, spec.weeks, strict=False):
        for question in week.questions:
            wanted.add(question.number)
            stored_question = stored.questions.get(question.number)
            if stored_question is None:
                await add_question(session, did, row.id or 0, question)
                continue
            stored_question.question_set_id = row.id or 0
            session.add(stored_question)
            for code in spec.languages:
                qid = stored_question.id or 0
                text = wordings.get((qid, code)) or QuestionTranslation(
                    question_id=qid, language=code, text=""
                )
                text.text = question.text[code]
                session.add(text)
    await session.flush()
    gone = [q.id for n, q in stored.questions.items() if n not in wanted]
    if gone:
        await session.execute(delete(Question).where(col(Question.id).in_(gone)))
    extra = [w.id for w in weeks[len(spec.weeks) :]]
    if extra:
        await session.execute(delete(QuestionSet).where(col(QuestionSet.id).in_(extra)))
