"""Check a post against the community guidelines' rules before it is written."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, literal, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import DomainError
from forum.core.ratelimit import RateLimited
from forum.guidelines.rules import (
    MESSAGES,
    REFUSE,
    AuthorHistory,
    Finding,
    RuleBook,
    guideline_findings,
    holds,
    refusals,
)
from forum.models import Post, User
from forum.models.types import PostStatus

RECENT_TEXTS = 20
RECENT_WINDOW = timedelta(hours=1)


class GuidelineRefused(DomainError):
    """The text breaks a rule that refuses at once (422); the author keeps their text."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings[0].message)
        self.findings = findings
        self.section = findings[0].section


class PostingTooFast(RateLimited):
    """A refusing "too-fast" rule: like every limit, a 429 saying when to try again."""

    message = MESSAGES["too-fast"]


def _counts_approved(rules: RuleBook) -> bool:
    """Say whether a rule reads the author's approved posts ("first-posts", unless trusted)."""
    return any(rule.kind == "first-posts" for rule in rules.rules)


def posting_wait(rules: RuleBook, history: AuthorHistory, now: datetime) -> int:
    """Return the seconds until the refusing too-fast rules let the author post (0: now)."""
    wait = 0.0
    for rule in rules.rules:
        if rule.kind != "too-fast" or rule.action != REFUSE:
            continue
        param = cast(Mapping[str, int], rule.params)  # numbers, checked when the rules loaded
        most, window = param["max_posts"], timedelta(seconds=param["window_seconds"])
        recent = sorted(t for t in history.recent_post_times if t > now - window)
        if len(recent) >= most:  # free again once all but most - 1 of them are out of the window
            wait = max(wait, (recent[len(recent) - most] + window - now).total_seconds())
    return max(1, math.ceil(wait)) if wait > 0 else 0


async def author_history(
    session: AsyncSession,
    *,
    author_id: int,
    now: datetime,
    editing: int | None = None,
    trusted: bool = False,
    count_approved: bool = True,
) -> AuthorHistory:
    """Gather what the rules need to know of an author: their earlier posts, and trust.

    With `count_approved` False the approved posts are not counted (0): for a trusted author,
    or rules without "first-posts", the only kind that reads the count.
    """
    others = col(Post.author_id) == author_id
    if editing is not None:
        others = others & (col(Post.id) != editing)
    approved_posts = (
        select(func.count())
        .select_from(Post)
        .where(col(Post.author_id) == author_id, col(Post.status) == PostStatus.APPROVED.value)
    )
    texts: list[str]
    times: list[datetime] = []
    approved: int | None = 0
    if editing is not None:  # an edit is not a new post: only the texts count
        texts = list(
            await session.scalars(
                select(col(Post.source))
                .where(others)
                .order_by(col(Post.id).desc())
                .limit(RECENT_TEXTS)
            )
        )
        if count_approved:
            approved = await session.scalar(approved_posts)
    else:
        # One statement for all: the RECENT_TEXTS newest posts and every post of the window,
        # newest first, so the first RECENT_TEXTS rows are exactly the newest texts; with the
        # count of approved posts on each row when it is wanted. No row means no post at all,
        # so none approved.
        since = now - RECENT_WINDOW
        newest = (
            select(col(Post.id)).where(others).order_by(col(Post.id).desc()).limit(RECENT_TEXTS)
        )
        count = approved_posts.scalar_subquery() if count_approved else literal(0)
        rows = (
            await session.execute(
                select(col(Post.source), col(Post.created_at), count)
                .where(others, or_(col(Post.id).in_(newest), col(Post.created_at) > since))
                .order_by(col(Post.id).desc())
            )
        ).all()
        texts = [source for source, _created, _approved in rows[:RECENT_TEXTS]]
        times = [created for _source, created, _approved in rows if created > since]
        approved = rows[0][2] if rows else 0
    return AuthorHistory(texts, times, int(approved or 0), trusted)


async def screen_post(
    session: AsyncSession,
    *,
    rules: RuleBook | None,
    author: User,
    text: str,
    language: str,
    now: datetime,
    editing: int | None = None,
) -> list[Finding]:
    """Raise PostingTooFast or GuidelineRefused for a refusing rule; return those that hold."""
    if rules is None or author.id is None:
        return []
    history = await author_history(
        session,
        author_id=author.id,
        now=now,
        editing=editing,
        trusted=author.trusted,
        count_approved=not author.trusted and _counts_approved(rules),
    )
    wait = posting_wait(rules, history, now)
    if wait:
        raise PostingTooFast(wait)
    findings = guideline_findings(rules, text=text, language=language, history=history, now=now)
    refused = refusals(findings)
    if refused:
        raise GuidelineRefused(refused)
    return holds(findings)
