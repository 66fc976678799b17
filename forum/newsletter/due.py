"""Queue the newsletter mail that is due: new question sets, new discussions, weekly digests.

Nothing here sends: every message goes to the outbox with a key unique per subscriber and
item, so cron may run `queue_due` on several machines at once and each reader gets each mail
once. `forum worker` sends the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.db import Database
from forum.discussions.listing import published
from forum.mail.compose import Postman
from forum.mail.outbox import BadAddress
from forum.models import DigestRun, Discussion, QuestionSet, Subscriber
from forum.newsletter.content import (
    DiscussionInfo,
    SetInfo,
    digest_context,
    discussion_context,
    load_digest,
    load_discussions,
    load_sets,
    set_context,
)
from forum.newsletter.subscriptions import list_headers, manage_token, recipients

WEEK = timedelta(days=7)
# A closed discussion still gets the digest of the week it closed in, sent within this time.
FINAL_DIGEST_WITHIN = timedelta(days=14)
Progress = Callable[[int, int], None]
ContextFor = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class DueReport:
    """How many messages one round put in the outbox, by kind (already queued ones not counted)."""

    set_announcements: int = 0
    digests: int = 0
    discussion_notices: int = 0
    skipped: int = 0  # addresses the outbox refused to queue

    def __bool__(self) -> bool:
        return bool(self.set_announcements or self.digests or self.discussion_notices)

    def summary(self) -> str:
        """One line for an operator (`forum newsletter send-due`, the scheduler's log)."""
        return (
            f"queued {self.set_announcements} question-set, {self.discussion_notices} "
            f"new-discussion and {self.digests} digest mails"
            + (f"; {self.skipped} addresses refused" if self.skipped else "")
        )


@dataclass(frozen=True)
class DigestDue:
    """A digest to make for a discussion: posts approved in [start, end)."""

    discussion_id: int
    start: datetime
    end: datetime


@dataclass
class _Plan:
    discussions: dict[int, DiscussionInfo]
    sets: list[SetInfo]
    opened: list[int]  # discussions that opened this week
    digests: list[DigestDue]
    readers: dict[int, list[Subscriber]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.sets) + len(self.opened) + len(self.digests)


@dataclass(frozen=True)
class _Mailing:
    """One round of newsletter mail: the composer, the secret that signs links, the time."""

    postman: Postman
    secret: str
    now: datetime

    async def queue(
        self,
        session: AsyncSession,
        subscriber: Subscriber,
        template: str,
        context_for: ContextFor,
        dedupe_key: str,
    ) -> bool | None:
        """Queue one mail with its manage link and list headers.

        Return True if it was queued, False if it already was, None if the address is refused.
        """
        assert subscriber.id is not None
        language = self.postman.language_for(subscriber.language)
        token = manage_token(self.secret, subscriber.id)
        url = self.postman.url(language)
        manage_url = url("newsletter_manage", token=token)
        try:
            return await self.postman.post(
                session,
                to_address=subscriber.email,
                to_name="",
                language=language,
                template=template,
                context=context_for(language) | {"manage_url": manage_url},
                now=self.now,
                headers=list_headers(url, token),
                dedupe_key=dedupe_key,
            )
        except BadAddress:  # found before any SQL runs: the transaction goes on
            return None


def _cached(contexts: dict[str, dict[str, Any]], build: ContextFor) -> ContextFor:
    """Build each language's context once per item, not once per reader."""

    def context_for(language: str) -> dict[str, Any]:
        if language not in contexts:
            contexts[language] = build(language)
        return contexts[language]

    return context_for


def digest_period(
    last_end: datetime | None, opens_at: datetime, now: datetime
) -> tuple[datetime, datetime] | None:
    """Return the whole weeks since the last digest (or the opening) that have ended by `now`.

    The end falls on the weekly grid that starts at `opens_at`, not on `now`, so that
    runners on several machines choose the same period and the unique key stops all but one.
    """
    start = last_end or opens_at
    weeks = (now - start) // WEEK
    if weeks < 1:
        return None
    return start, start + WEEK * weeks


async def _plan(session: AsyncSession, now: datetime) -> _Plan:
    """Find what is due at `now`, loading the content of all of it in a few queries."""
    sets = list(
        await session.scalars(
            select(QuestionSet)
            .where(col(QuestionSet.opens_at) > now - WEEK, col(QuestionSet.opens_at) <= now)
            .order_by(col(QuestionSet.opens_at), col(QuestionSet.id))
        )
    )
    active = and_(
        col(Discussion.opens_at) <= now, col(Discussion.closes_at) > now - FINAL_DIGEST_WITHIN
    )
    discussions = list(
        await session.scalars(
            select(Discussion)
            .where(or_(active, col(Discussion.id).in_({s.discussion_id for s in sets})))
            .where(published(now))
            .order_by(col(Discussion.opens_at), col(Discussion.id))
        )
    )
    return _Plan(
        discussions=await load_discussions(session, discussions),
        sets=await load_sets(session, sets),
        opened=[d.id or 0 for d in discussions if now - WEEK < d.opens_at <= now],
        digests=await _digests_due(session, discussions, now),
    )


async def _digests_due(
    session: AsyncSession, discussions: list[Discussion], now: datetime
) -> list[DigestDue]:
    rows = await session.execute(
        select(col(DigestRun.discussion_id), func.max(col(DigestRun.period_end)))
        .where(col(DigestRun.discussion_id).in_([d.id for d in discussions]))
        .group_by(col(DigestRun.discussion_id))
    )
    ends: dict[int, datetime] = dict(rows.all())
    due = []
    for discussion in discussions:
        last_end = ends.get(discussion.id or 0)
        if last_end is not None and last_end >= discussion.closes_at:
            continue  # the week it closed in has had its digest: that was the last one
        period = digest_period(last_end, discussion.opens_at, now)
        if period is not None:
            due.append(DigestDue(discussion.id or 0, *period))
    return due


async def _readers(db: Database, plan: _Plan, discussion_id: int) -> list[Subscriber]:
    """Return the recipients of a discussion, loaded once per round."""
    if discussion_id not in plan.readers:
        async with db.session() as session:
            plan.readers[discussion_id] = await recipients(session, discussion_id=discussion_id)
    return plan.readers[discussion_id]


async def _send_all(
    session: AsyncSession,
    mailing: _Mailing,
    readers: list[Subscriber],
    template: str,
    build: ContextFor,
    key_prefix: str,
) -> tuple[int, int]:
    """Queue `template` to every reader; return (queued, refused)."""
    context_for = _cached({}, build)
    queued = refused = 0
    for reader in readers:
        outcome = await mailing.queue(
            session, reader, template, context_for, f"{key_prefix}:{reader.id}"
        )
        queued += outcome is True
        refused += outcome is None
    return queued, refused


async def _announce_set(
    db: Database, mailing: _Mailing, plan: _Plan, week: SetInfo
) -> tuple[int, int]:
    info = plan.discussions[week.discussion_id]
    readers = await _readers(db, plan, info.id)
    async with db.transaction() as session:
        return await _send_all(
            session,
            mailing,
            readers,
            "set_open",
            lambda language: set_context(info, week, language, mailing.postman.url(language)),
            f"set-open:{week.id}",
        )


async def _announce_discussion(
    db: Database, mailing: _Mailing, plan: _Plan, discussion_id: int
) -> tuple[int, int]:
    info = plan.discussions[discussion_id]
    readers = [r for r in await _readers(db, plan, discussion_id) if r.all_discussions]
    async with db.transaction() as session:
        return await _send_all(
            session,
            mailing,
            readers,
            "discussion_open",
            lambda language: discussion_context(info, language, mailing.postman.url(language)),
            f"discussion-open:{discussion_id}",
        )


async def _claim_run(session: AsyncSession, due: DigestDue, now: datetime) -> int | None:
    """Record the digest run; return its id, or None if another runner recorded it first."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (
        insert(DigestRun)
        .values(
            discussion_id=due.discussion_id,
            period_start=due.start,
            period_end=due.end,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["discussion_id", "period_end"])
        .returning(col(DigestRun.id))
    )
    run_id = (await session.execute(statement)).scalar()
    return None if run_id is None else int(run_id)


async def _send_digest(
    db: Database, mailing: _Mailing, plan: _Plan, due: DigestDue
) -> tuple[int, int]:
    info = plan.discussions[due.discussion_id]
    readers = await _readers(db, plan, info.id)
    # The run and its mail commit together: if queuing fails, the next round tries again.
    async with db.transaction() as session:
        run_id = await _claim_run(session, due, mailing.now)
        if run_id is None:
            return 0, 0
        material = await load_digest(session, info.id, due.start, due.end)
        if not material:
            return 0, 0  # nothing was approved and no summary: the run is kept, no mail
        period = (due.start, due.end)
        return await _send_all(
            session,
            mailing,
            readers,
            "digest",
            lambda language: digest_context(
                info, material, period, language, mailing.postman.url(language)
            ),
            f"digest:{run_id}",
        )


async def queue_due(
    session_factory: Database,
    *,
    postman: Postman,
    secret: str,
    now: datetime,
    progress: Progress | None = None,
) -> DueReport:
    """Queue every newsletter mail due at `now`, each item in its own transaction."""
    db = session_factory
    mailing = _Mailing(postman, secret, now)
    async with db.session() as session:
        plan = await _plan(session, now)
    counts = {"sets": 0, "discussions": 0, "digests": 0, "skipped": 0}
    done = 0

    def tick(kind: str, outcome: tuple[int, int]) -> None:
        nonlocal done
        counts[kind] += outcome[0]
        counts["skipped"] += outcome[1]
        done += 1
        if progress is not None:
            progress(done, plan.total)

    for week in plan.sets:
        tick("sets", await _announce_set(db, mailing, plan, week))
    for discussion_id in plan.opened:
        tick("discussions", await _announce_discussion(db, mailing, plan, discussion_id))
    for due in plan.digests:
        tick("digests", await _send_digest(db, mailing, plan, due))
    return DueReport(
        set_announcements=counts["sets"],
        digests=counts["digests"],
        discussion_notices=counts["discussions"],
        skipped=counts["skipped"],
    )
