"""Readers' reports of published posts: filing them, hiding on enough, and resolving them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forum.core.content import bump_content_version
from forum.core.errors import N_, Conflict, Invalid, NotFound, PermissionDenied
from forum.core.permissions import check_can_contribute, check_moderates
from forum.core.text import unshowable
from forum.models import Discussion, ModerationAction, Post, Question, Report, User
from forum.models.types import ModerationVerb, PostStatus

MAX_NOTE_CHARS = 1_000
OUTCOMES = ("dismiss", "hide")

OWN_POST = N_("You cannot report your own post.")
ALREADY_REPORTED = N_("You have already reported this post.")
ALREADY_RESOLVED = N_("These reports have already been dealt with.")
UNKNOWN_SECTION = N_("Choose the guideline this post breaks.")
NOTE_TOO_LONG = N_("Your note is too long: keep it under %(max)d characters.")
NOTE_UNSHOWABLE = N_("This contains characters that cannot be shown.")
UNKNOWN_OUTCOME = N_("Choose whether to dismiss the reports or hide the post.")

# The verbs that last decided whether a published post is shown: the latest one wins.
_VERDICTS = (
    ModerationVerb.APPROVE.value,
    ModerationVerb.RESTORE.value,
    ModerationVerb.HIDE.value,
    ModerationVerb.AUTO_HIDE.value,
)


@dataclass(frozen=True, slots=True)
class OpenReport:
    section: str
    note: str
    reporter_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReportedPost:
    post_id: int
    discussion_id: int
    discussion_slug: str  # for links only
    question_number: int | None  # None: a general comment
    author_name: str
    html: str  # already sanitised
    status: str
    open_reports: int
    reports: tuple[OpenReport, ...]  # oldest first


def _clean_note(note: str) -> str:
    """Return the note with plain line breaks; raise Invalid if it cannot be kept."""
    text = note.replace("\r\n", "\n").replace("\r", "\n").strip()
    if unshowable(text, allow="\n"):
        raise Invalid(NOTE_UNSHOWABLE, field="note")
    if len(text) > MAX_NOTE_CHARS:
        raise Invalid(NOTE_TOO_LONG, field="note", max=MAX_NOTE_CHARS)
    return text


async def _reportable_post(
    session: AsyncSession, discussion_slug: str, post_id: int
) -> tuple[int, int]:
    """Return the author and discussion ids of a published post; raise NotFound otherwise."""
    row = (
        await session.execute(
            select(col(Post.author_id), col(Post.discussion_id))
            .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
            .where(
                col(Post.id) == post_id,
                col(Discussion.slug) == discussion_slug,
                col(Post.status) == PostStatus.APPROVED.value,
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"{discussion_slug}/posts/{post_id}")
    return int(row[0]), int(row[1])


async def _insert_report(session: AsyncSession, report: Report) -> None:
    """Store the report in a savepoint, so that a concurrent duplicate is a clean Conflict."""
    already = await session.scalar(
        select(col(Report.id)).where(
            col(Report.post_id) == report.post_id, col(Report.reporter_id) == report.reporter_id
        )
    )
    if already is not None:
        raise Conflict(ALREADY_REPORTED)
    try:
        async with session.begin_nested():
            session.add(report)
    except IntegrityError as error:
        raise Conflict(ALREADY_REPORTED) from error


async def _move(session: AsyncSession, post_id: int, source: PostStatus, to: PostStatus) -> bool:
    """Change the post's status only if it is still `source`; say whether it changed."""
    changed = await session.scalar(
        update(Post)
        .where(col(Post.id) == post_id, col(Post.status) == source.value)
        .values(status=to.value)
        .returning(col(Post.id))
    )
    return changed is not None


def _log(
    session: AsyncSession,
    verb: ModerationVerb,
    *,
    actor_id: int | None,
    post_id: int,
    discussion_id: int,
    note: str,
    now: datetime,
) -> None:
    session.add(
        ModerationAction(
            actor_id=actor_id,
            action=verb.value,
            discussion_id=discussion_id,
            post_id=post_id,
            note=note,
            created_at=now,
        )
    )


async def _hide_if_reported_enough(
    session: AsyncSession, post_id: int, discussion_id: int, hide_after: int, now: datetime
) -> None:
    """Hide the post once `hide_after` different readers have open reports on it."""
    count = await session.scalar(
        select(func.count(func.distinct(col(Report.reporter_id)))).where(
            col(Report.post_id) == post_id, col(Report.resolved_at).is_(None)
        )
    )
    count = int(count or 0)
    if count < hide_after or not await _move(
        session, post_id, PostStatus.APPROVED, PostStatus.HIDDEN
    ):
        return
    _log(
        session,
        ModerationVerb.AUTO_HIDE,
        actor_id=None,
        post_id=post_id,
        discussion_id=discussion_id,
        note=str(count),  # the log page words it in the reader's language
        now=now,
    )
    await bump_content_version(session, discussion_id=discussion_id)


async def report_post(
    session: AsyncSession,
    *,
    reporter: User,
    discussion_slug: str,
    post_id: int,
    section: str,
    note: str,
    sections: Collection[str],
    hide_after: int = 3,
    now: datetime,
) -> Report:
    """Record that a reader thinks a published post breaks the guidelines' `section`.

    Once `hide_after` readers have open reports on the post, hide it until a moderator looks.
    """
    check_can_contribute(reporter, now)
    if reporter.id is None:
        raise PermissionDenied()
    author_id, discussion_id = await _reportable_post(session, discussion_slug, post_id)
    if author_id == reporter.id:
        raise Conflict(OWN_POST)
    if section not in sections:
        raise Invalid(UNKNOWN_SECTION, field="section")
    report = Report(
        post_id=post_id,
        reporter_id=reporter.id,
        section=section,
        note=_clean_note(note),
        created_at=now,
    )
    await _insert_report(session, report)
    await _hide_if_reported_enough(session, post_id, discussion_id, hide_after, now)
    await session.flush()
    return report


def _scope(discussion_ids: Collection[int] | None) -> ColumnElement[bool]:
    if discussion_ids is None:
        return true()
    return col(Post.discussion_id).in_(list(discussion_ids))


async def _reported_rows(
    session: AsyncSession, discussion_ids: Collection[int] | None
) -> list[Any]:
    """Load the posts with open reports, their counts, most reported then longest waiting."""
    tally = (
        select(
            col(Report.post_id).label("post_id"),
            func.count().label("open"),
            func.min(col(Report.created_at)).label("first"),
        )
        .where(col(Report.resolved_at).is_(None))
        .group_by(col(Report.post_id))
        .subquery()
    )
    query = (
        select(
            col(Post.id),
            col(Post.discussion_id),
            col(Discussion.slug),
            col(Question.number),
            col(User.display_name),
            col(Post.html),
            col(Post.status),
            tally.c.open,
        )
        .join(tally, tally.c.post_id == col(Post.id))
        .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
        .join(User, col(User.id) == col(Post.author_id))
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .where(_scope(discussion_ids))
        .order_by(tally.c.open.desc(), tally.c.first, col(Post.id))
    )
    return list((await session.execute(query)).all())


async def _open_report_lines(
    session: AsyncSession, discussion_ids: Collection[int] | None
) -> dict[int, list[OpenReport]]:
    """Load every open report in scope with its reporter's name, by post, oldest first."""
    rows = await session.execute(
        select(
            col(Report.post_id),
            col(Report.section),
            col(Report.note),
            col(User.display_name),
            col(Report.created_at),
        )
        .join(Post, col(Post.id) == col(Report.post_id))
        .join(User, col(User.id) == col(Report.reporter_id))
        .where(col(Report.resolved_at).is_(None), _scope(discussion_ids))
        .order_by(col(Report.created_at), col(Report.id))
    )
    lines: dict[int, list[OpenReport]] = defaultdict(list)
    for post_id, section, note, name, created_at in rows.all():
        lines[post_id].append(OpenReport(section, note, name, created_at))
    return lines


async def open_reports(
    session: AsyncSession, *, discussion_ids: Collection[int] | None
) -> list[ReportedPost]:
    """Return the posts with unresolved reports in these discussions (None: all of them)."""
    if discussion_ids is not None and not discussion_ids:
        return []
    rows = await _reported_rows(session, discussion_ids)
    if not rows:
        return []
    lines = await _open_report_lines(session, discussion_ids)
    return [
        ReportedPost(
            post_id=post_id,
            discussion_id=discussion_id,
            discussion_slug=slug,
            question_number=number,
            author_name=author,
            html=html,
            status=status,
            open_reports=int(count),
            reports=tuple(lines.get(post_id, ())),
        )
        for post_id, discussion_id, slug, number, author, html, status, count in rows
    ]


async def _auto_hidden(session: AsyncSession, post_id: int) -> bool:
    """Say whether the last decision on showing the post was the readers' automatic hiding."""
    last = await session.scalar(
        select(col(ModerationAction.action))
        .where(
            col(ModerationAction.post_id) == post_id,
            col(ModerationAction.action).in_(_VERDICTS),
        )
        .order_by(col(ModerationAction.created_at).desc(), col(ModerationAction.id).desc())
        .limit(1)
    )
    return last == ModerationVerb.AUTO_HIDE.value


async def _close_reports(session: AsyncSession, post_id: int, outcome: str, now: datetime) -> int:
    """Mark the post's open reports resolved; return how many there were."""
    rows = await session.execute(
        update(Report)
        .where(col(Report.post_id) == post_id, col(Report.resolved_at).is_(None))
        .values(resolved_at=now, resolution=outcome)
        .returning(col(Report.id))
    )
    return len(rows.all())


async def _apply_outcome(
    session: AsyncSession, post: Post, actor_id: int, outcome: str, resolved: int, now: datetime
) -> None:
    """Restore an auto-hidden post on dismissal, or hide it; log the moderator's decision."""
    assert post.id is not None
    post_id, discussion_id = post.id, post.discussion_id

    def log(verb: ModerationVerb) -> None:
        _log(
            session,
            verb,
            actor_id=actor_id,
            post_id=post_id,
            discussion_id=discussion_id,
            note=str(resolved),
            now=now,
        )

    if outcome == "hide":
        if await _move(session, post_id, PostStatus.APPROVED, PostStatus.HIDDEN):
            await bump_content_version(session, discussion_id=discussion_id)
        log(ModerationVerb.HIDE)
        return
    if await _auto_hidden(session, post_id) and await _move(
        session, post_id, PostStatus.HIDDEN, PostStatus.APPROVED
    ):
        await bump_content_version(session, discussion_id=discussion_id)
        log(ModerationVerb.RESTORE)
    log(ModerationVerb.DISMISS_REPORTS)


async def resolve_reports(
    session: AsyncSession,
    *,
    actor: User,
    post_id: int,
    moderated: Collection[int],
    outcome: str,
    now: datetime,
) -> int:
    """Deal with a post's open reports: "dismiss" them or "hide" the post; return how many.

    Dismissing restores the post if the readers' reports had hidden it automatically.
    """
    if outcome not in OUTCOMES:
        raise Invalid(UNKNOWN_OUTCOME, field="outcome")
    post = await session.get(Post, post_id)
    if post is None:
        raise NotFound(str(post_id))
    check_moderates(actor, post.discussion_id, moderated)
    assert actor.id is not None
    resolved = await _close_reports(session, post_id, outcome, now)
    if not resolved:
        raise Conflict(ALREADY_RESOLVED)
    await _apply_outcome(session, post, actor.id, outcome, resolved, now)
    await session.flush()
    return resolved
