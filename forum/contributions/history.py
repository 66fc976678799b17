"""A post's history: its versions, oldest first, each with a word-level diff from the one before.

Readers see the versions that were published; the author and the discussion's moderators (and
admins) also see those never published: an edit refused or withdrawn, the edit waiting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.contributions.edits import revisions
from forum.core.errors import NotFound, PermissionDenied
from forum.core.localize import Localized
from forum.core.permissions import check_moderates, is_staff
from forum.discussions.listing import is_published
from forum.models import Discussion, Post, Question, QuestionSet, User
from forum.models.types import PostStatus
from forum.moderation.actions import moderated_discussions
from forum.moderation.places import name_discussions

# A word, a run of spaces, or one other character: the diff compares these, keeping the spaces.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Change:
    """A run of the diff: "same", "ins" (added) or "del" (removed), with its words (unescaped)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Version:
    number: int  # 1 is the first version shown
    language: str
    html: str  # already sanitised
    written_at: datetime
    status: str  # "published", "current", "waiting", "withdrawn" or "refused"
    changes: tuple[Change, ...]  # from the version shown before; empty for the first


@dataclass(frozen=True, slots=True)
class History:
    post_id: int
    slug: str  # for links only
    title: Localized
    timezone: str
    author_id: int
    author_name: str
    question_number: int | None
    versions: tuple[Version, ...]
    everything: bool  # whether versions never published are shown too


def word_diff(before: str, after: str) -> tuple[Change, ...]:
    """Compare two texts word by word; runs of the same kind are joined."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    runs: list[Change] = []

    def add(kind: str, words: list[str]) -> None:
        if not words:
            return
        if runs and runs[-1].kind == kind:
            runs[-1] = Change(kind, runs[-1].text + "".join(words))
        else:
            runs.append(Change(kind, "".join(words)))

    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("same", old[i1:i2])
        else:
            add("del", old[i1:i2])
            add("ins", new[j1:j2])
    return tuple(runs)


async def _moderates(session: AsyncSession, viewer: User | None, post: Post) -> bool:
    """Say whether the viewer moderates the post's discussion (admins moderate every one)."""
    if viewer is None or not is_staff(viewer):
        return False
    assert viewer.id is not None
    try:
        moderated = await moderated_discussions(session, user_id=viewer.id)
        check_moderates(viewer, post.discussion_id, moderated)
    except PermissionDenied:
        return False
    return True


def _status_of(kept: str) -> str:
    """Name a kept text: published, refused by a moderator, or replaced before one read it."""
    if kept == PostStatus.APPROVED.value:
        return "published"
    return "refused" if kept == PostStatus.REJECTED.value else "replaced"


_CURRENT = {
    PostStatus.APPROVED.value: "current",
    PostStatus.PENDING.value: "waiting",
    PostStatus.REJECTED.value: "refused",
}


async def post_history(
    session: AsyncSession,
    *,
    slug: str,
    post_id: int,
    viewer: User | None,
    language: str,
    now: datetime,
) -> History:
    """Load the versions of a post the viewer may see; NotFound where its permalink is a 404.

    Three statements (four for a moderator), whatever the number of versions.
    """
    found = (
        await session.execute(
            select(Post, Discussion, User, col(Question.number))
            .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
            .join(User, col(User.id) == col(Post.author_id))
            .outerjoin(Question, col(Question.id) == col(Post.question_id))
            .outerjoin(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
            .where(
                col(Post.id) == post_id,
                col(Discussion.slug) == slug,
                or_(col(Post.question_id).is_(None), col(QuestionSet.opens_at) <= now),
            )
        )
    ).first()
    if found is None or not is_published(found[1], now):
        raise NotFound(f"{slug}/posts/{post_id}/history")
    post, discussion, author, number = found
    moderates = await _moderates(session, viewer, post)
    own = viewer is not None and viewer.id == post.author_id
    # as the permalink: readers see a published post, its author also one pending or rejected
    if not (post.status in (_CURRENT if own else ("approved",)) or moderates):
        raise NotFound(f"{slug}/posts/{post_id}/history")
    everything = own or moderates
    texts: list[tuple[str, str, str, datetime, str]] = [
        (r.language, r.source, r.html, r.written_at, _status_of(r.status))
        for r in await revisions(session, post_id=post_id)
    ]
    current = _CURRENT.get(post.status, "hidden")
    texts.append(
        (post.language, post.source, post.html, post.edited_at or post.created_at, current)
    )
    if post.pending_source is not None:
        texts.append(
            (
                post.pending_language or post.language,
                post.pending_source,
                post.pending_html or "",
                post.pending_at or now,
                "waiting",
            )
        )
    texts.sort(key=lambda text: text[3])  # stable: revisions keep their numbers' order
    if not everything:
        texts = [text for text in texts if text[4] in ("published", "current")]
    versions: list[Version] = []
    previous = None
    for index, (lang, source, html, written_at, status) in enumerate(texts, start=1):
        changes = word_diff(previous, source) if previous is not None else ()
        versions.append(Version(index, lang, html, written_at, status, changes))
        previous = source
    place = (await name_discussions(session, [discussion], language))[discussion.id or 0]
    assert post.id is not None
    return History(
        post.id,
        discussion.slug,
        place.title,
        discussion.timezone,
        author.id or 0,
        author.display_name,
        number,
        tuple(versions),
        everything,
    )
