"""Where a new post goes: the discussion open for it, and its place in the tree (an answer to
a question, a general comment or a reply), read in one statement and checked in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import N_, Conflict, NotFound
from forum.discussions.listing import discussion_status, is_published
from forum.models import Discussion, Post, Question, QuestionSet
from forum.models.types import DiscussionStatus, PostStatus

MAX_DEPTH = 3

NOT_OPEN_YET = N_("This discussion is not open yet.")
DISCUSSION_CLOSED = N_("This discussion is closed.")
ANSWERS_CLOSED = N_("Answers to this question are closed.")
PARENT_NOT_PUBLISHED = N_("You can only reply to a published post.")
PARENT_ELSEWHERE = N_("That post belongs to another discussion.")
NO_GENERAL_COMMENTS = N_("This discussion does not take general comments.")


class PostRefused(Conflict):
    """The discussion, question or post does not take this contribution now (409)."""

    message = N_("This contribution cannot be accepted here.")


@dataclass(frozen=True)
class Place:
    """Where a new post goes in the tree; thread_id None means it starts its own thread."""

    question_id: int | None
    parent_id: int | None
    in_reply_to_id: int | None
    thread_id: int | None
    depth: int


@dataclass(frozen=True)
class Target:
    """What a new post's address names, as one statement read it: the discussion (None if
    there is no such slug) and, for an answer, the question's id and its set's opening and
    closing times, or, for a reply, the post replied to and its question's closing time;
    None where the row was not found."""

    discussion: Discussion | None
    question_id: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    parent: Post | None = None


async def read_target(
    session: AsyncSession, *, slug: str, question_number: int | None, parent_id: int | None
) -> Target:
    """Read the discussion and the question or the post replied to, in one statement.

    A reply's parent is read by its id whatever its discussion, as `place_reply` expects.
    """
    if parent_id is not None:
        query: Any = (
            select(Discussion, Post, QuestionSet.closes_at)
            .select_from(Discussion)
            .outerjoin(Post, col(Post.id) == parent_id)
            .outerjoin(Question, col(Question.id) == col(Post.question_id))
            .outerjoin(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
        )
    elif question_number is not None:
        query = (
            select(Discussion, Question.id, QuestionSet.opens_at, QuestionSet.closes_at)
            .select_from(Discussion)
            .outerjoin(
                Question,
                and_(
                    col(Question.discussion_id) == col(Discussion.id),
                    col(Question.number) == question_number,
                ),
            )
            .outerjoin(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
        )
    else:
        query = select(Discussion)
    row = (await session.execute(query.where(col(Discussion.slug) == slug))).first()
    if row is None:
        return Target(None)
    if parent_id is not None:
        return Target(row[0], closes_at=row[2], parent=row[1])
    if question_number is not None:
        return Target(row[0], question_id=row[1], opens_at=row[2], closes_at=row[3])
    return Target(row[0])


def check_open(discussion: Discussion, now: datetime) -> None:
    status = discussion_status(discussion, now)
    if status is DiscussionStatus.UPCOMING:
        raise PostRefused(NOT_OPEN_YET)
    if status is DiscussionStatus.CLOSED:
        raise PostRefused(DISCUSSION_CLOSED)


def open_discussion(target: Target, slug: str, now: datetime) -> Discussion:
    """Return the discussion if it is published and open now; raise NotFound or PostRefused."""
    discussion = target.discussion
    if discussion is None or not is_published(discussion, now):
        raise NotFound(slug)
    check_open(discussion, now)
    return discussion


def _check_set_open(closes_at: datetime, now: datetime) -> None:
    if now >= closes_at:
        raise PostRefused(ANSWERS_CLOSED)


def place_root(
    target: Target, discussion: Discussion, question_number: int | None, now: datetime
) -> Place:
    """Place a new thread: an answer to a visible, open question, or a general comment."""
    if question_number is None:
        if not discussion.general_comments:
            raise PostRefused(NO_GENERAL_COMMENTS)
        return Place(None, None, None, None, 0)
    if target.question_id is None or target.opens_at is None or target.opens_at > now:
        raise NotFound(f"{discussion.slug}/questions/{question_number}")
    assert target.closes_at is not None  # a question's set has both times
    _check_set_open(target.closes_at, now)
    return Place(target.question_id, None, None, None, 0)


def place_reply(target: Target, discussion: Discussion, parent_id: int, now: datetime) -> Place:
    """Place a reply under its parent, or beside it when the parent is already MAX_DEPTH deep."""
    parent = target.parent
    if parent is None:
        raise NotFound(str(parent_id))
    if parent.discussion_id != discussion.id:
        raise PostRefused(PARENT_ELSEWHERE)
    if parent.status != PostStatus.APPROVED:
        raise PostRefused(PARENT_NOT_PUBLISHED)
    if target.closes_at is not None:
        _check_set_open(target.closes_at, now)
    if parent.depth >= MAX_DEPTH:
        return Place(parent.question_id, parent.parent_id, parent.id, parent.thread_id, MAX_DEPTH)
    return Place(parent.question_id, parent.id, parent.id, parent.thread_id, parent.depth + 1)
