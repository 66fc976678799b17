"""Seed throw-away databases (SQLite, or PostgreSQL on the local server) with the demo,
contributors and N approved posts."""

from __future__ import annotations

import asyncio
import random
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pgdb import DEFAULT_SERVER, after_bulk_insert, postgres_database
from texts import (
    COUNTRIES,
    FIRST_NAMES,
    LANGUAGE_WEIGHTS,
    ORGANISATIONS,
    SENTENCES,
    SURNAMES,
    text_pool,
)

if TYPE_CHECKING:
    from forum.db import Database
    from forum.settings import Settings

DATABASES = ("sqlite", "postgresql")
USERS = 50
SLUG = "skills-in-crisis"
QUESTIONS = range(1, 7)  # week one of the demo discussion
MAX_DEPTH = 3  # as forum.contributions.placing.MAX_DEPTH
THREAD_SIZES = (1, 2, 3, 4, 4, 5, 6, 7)  # posts per thread: 4 on average, one root per 4 posts
INSERT_CHUNK = 5_000  # posts per transaction

# (id, question_id, parent_id, in_reply_to_id, thread_id, depth)
PlannedPost = tuple[int, int, int | None, int | None, int, int]


@dataclass
class Seeded:
    database_url: str
    posts: int
    threads: int
    threads_on_question_1: int
    max_depth: int
    capped_replies: int
    seconds: float


def on_each_statement(app: Any, listener: Callable[..., None]) -> None:
    """Call `listener` before every SQL statement of the app's database, on each of its
    engines (on SQLite the writer has one of its own)."""
    from sqlalchemy import event

    for engine in app.state.db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", listener)


def record_statements(app: Any) -> list[str]:
    """The list that every SQL statement of the app's database is appended to from now on."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    on_each_statement(app, record)
    return statements


def settings_for(
    database_url: str, secret_key: str, base_url: str = "http://127.0.0.1:8000"
) -> Settings:
    from forum.settings import Settings

    return Settings(database_url=database_url, env="test", secret_key=secret_key, base_url=base_url)


def make_users(now: datetime, password_hash: str) -> list[Any]:
    from forum.models import User
    from forum.models.types import Role, StakeholderGroup, UserState

    groups = [group.value for group in StakeholderGroup]
    languages = list(SENTENCES)
    users = []
    for n in range(USERS):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = SURNAMES[(n * 7) % len(SURNAMES)]
        users.append(
            User(
                email=f"bench.user{n:02d}@example.org",
                display_name=f"{first} {last}",
                organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
                country=COUNTRIES[n % len(COUNTRIES)],
                stakeholder_group=groups[n % len(groups)],
                preferred_language=languages[n % len(languages)],
                role=Role.CONTRIBUTOR.value,
                state=UserState.ACTIVE.value,
                password_hash=password_hash,
                email_confirmed_at=now - timedelta(days=10),
                created_at=now - timedelta(days=10),
            )
        )
    return users


@dataclass
class _Node:
    id: int
    parent_id: int | None
    depth: int


def plan_posts(
    rng: random.Random, count: int, first_id: int, question_ids: list[int]
) -> Iterator[PlannedPost]:
    """Yield (id, question_id, parent_id, in_reply_to_id, thread_id, depth) in id order.

    Replies pick a post of their thread (often the latest) and nest under it, or sit beside
    it when it is already MAX_DEPTH deep, exactly as placing.place_reply places them.
    """
    next_id = first_id
    end = first_id + count
    while next_id < end:
        # The first thread answers question 1, so even a tiny database shows posts there.
        question_id = question_ids[0] if next_id == first_id else rng.choice(question_ids)
        size = min(rng.choice(THREAD_SIZES), end - next_id)
        root = _Node(next_id, None, 0)
        nodes = [root]
        yield root.id, question_id, None, None, root.id, 0
        next_id += 1
        for _ in range(size - 1):
            target = nodes[-1] if rng.random() < 0.5 else rng.choice(nodes)
            if target.depth >= MAX_DEPTH:
                node = _Node(next_id, target.parent_id, MAX_DEPTH)
            else:
                node = _Node(next_id, target.id, target.depth + 1)
            nodes.append(node)
            yield node.id, question_id, node.parent_id, target.id, root.id, node.depth
            next_id += 1


@dataclass
class _Demo:
    """The demo discussion's week one, and the contributors added to post in it."""

    discussion_id: int | None
    question_ids: list[int]
    start: datetime  # the first post's created_at is one step after this
    first_id: int  # the highest post id before the bench posts
    author_ids: list[int]


async def _add_users(db: Database, now: datetime, password_hash: str) -> _Demo:
    """Find the demo discussion's questions 1-6 and add USERS contributors, in one transaction."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from forum.models import Discussion, Post, Question, QuestionSet

    async with db.transaction() as session:
        discussion = await session.scalar(select(Discussion).where(col(Discussion.slug) == SLUG))
        if discussion is None:
            raise SystemExit(f"bench: the demo discussion {SLUG!r} is missing")
        rows = (
            await session.execute(
                select(
                    col(Question.number),
                    col(Question.id),
                    col(QuestionSet.opens_at),
                    col(QuestionSet.closes_at),
                )
                .join(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
                .where(
                    col(Question.discussion_id) == discussion.id,
                    col(Question.number).in_(list(QUESTIONS)),
                )
                .order_by(col(Question.number))
            )
        ).all()
        if [row[0] for row in rows] != list(QUESTIONS):
            raise SystemExit(f"bench: {SLUG} lacks questions {list(QUESTIONS)}")
        if not all(opens <= now < closes for _n, _id, opens, closes in rows):
            print("bench: note: week one of the demo is not open now; posting anyway")
        question_ids = cast(list[int], [row[1] for row in rows])
        start = max(min(row[2] for row in rows), now - timedelta(days=3))
        users = make_users(now, password_hash)
        session.add_all(users)
        await session.flush()
        first_id = (await session.scalar(select(func.max(col(Post.id))))) or 0
        discussion_id = discussion.id
    author_ids = [user.id for user in users]
    return _Demo(discussion_id, question_ids, start, first_id, author_ids)


@dataclass
class _Writer:
    """Turns planned posts into rows shaped as create_post writes them, drawing on one rng."""

    rng: random.Random
    demo: _Demo
    step: timedelta  # between the created_at of consecutive posts
    rendered: dict[str, str]  # source -> HTML, shared by every database seeded in a run
    clean: Callable[[str], str]  # forum.contributions.posting.clean_source
    render: Callable[[str], str]  # forum.core.text.render_markdown
    approved: str  # PostStatus.APPROVED.value
    consents: list[str]  # the QuoteConsent values
    pool: dict[tuple[str, bool], list[str]]
    languages: list[str] = field(default_factory=lambda: list(LANGUAGE_WEIGHTS))
    weights: list[int] = field(default_factory=lambda: list(LANGUAGE_WEIGHTS.values()))
    author_weights: list[int] = field(
        default_factory=lambda: [1 + 6 * (n % 10 == 0) + 2 * (n % 3 == 0) for n in range(USERS)]
    )
    thread_language: dict[int, str] = field(default_factory=dict)
    last_consent: dict[int, str] = field(default_factory=dict)
    stats: dict[str, int] = field(
        default_factory=lambda: {"threads": 0, "q1": 0, "depth": 0, "capped": 0}
    )

    def row(self, n: int, planned: PlannedPost) -> dict[str, Any]:
        pid, qid, parent, reply_to, thread, depth = planned
        self._count(qid, parent, reply_to, depth)
        language = self._language(thread, parent)
        source = self.clean(self.rng.choice(self.pool[(language, parent is not None)]))
        if source not in self.rendered:
            self.rendered[source] = self.render(source)  # once per distinct text
        author = self.rng.choices(self.demo.author_ids, self.author_weights)[0]
        consent = self.rng.choices(self.consents, (6, 3, 1))[0]
        self.last_consent[author] = consent
        created = self.demo.start + self.step * (n + 1)
        return {
            "id": pid,
            "discussion_id": self.demo.discussion_id,
            "question_id": qid,
            "parent_id": parent,
            "in_reply_to_id": reply_to,
            "thread_id": thread,
            "depth": depth,
            "author_id": author,
            "language": language,
            "source": source,
            "html": self.rendered[source],
            "status": self.approved,
            "quote_consent": consent,
            "created_at": created,
            "edited_at": None,
            "approved_at": created,
        }

    def _count(self, qid: int, parent: int | None, reply_to: int | None, depth: int) -> None:
        if parent is None:
            self.stats["threads"] += 1
            self.stats["q1"] += qid == self.demo.question_ids[0]
        self.stats["depth"] = max(self.stats["depth"], depth)
        self.stats["capped"] += reply_to is not None and reply_to != parent

    def _language(self, thread: int, parent: int | None) -> str:
        if parent is None:
            self.thread_language[thread] = self.rng.choices(self.languages, self.weights)[0]
        # Most replies keep the thread's language; some answer in another.
        language = self.thread_language[thread]
        if parent is not None and self.rng.random() < 0.25:
            language = self.rng.choices(self.languages, self.weights)[0]
        return language


def _new_writer(
    rng: random.Random, demo: _Demo, step: timedelta, rendered: dict[str, str], seed: int
) -> _Writer:
    from forum.contributions.posting import clean_source
    from forum.core.text import render_markdown
    from forum.models.types import PostStatus, QuoteConsent

    return _Writer(
        rng=rng,
        demo=demo,
        step=step,
        rendered=rendered,
        clean=clean_source,
        render=render_markdown,
        approved=PostStatus.APPROVED.value,
        consents=[c.value for c in QuoteConsent],
        pool=text_pool(seed),
    )


async def _insert_rows(db: Database, writer: _Writer, count: int) -> None:
    """Bulk-insert `count` planned posts with Core INSERTs, INSERT_CHUNK per transaction."""
    from sqlalchemy import insert

    from forum.models import Post

    table = Post.__table__  # type: ignore[attr-defined]
    batch: list[dict[str, Any]] = []

    async def flush() -> None:
        async with db.transaction() as session:
            await session.execute(insert(table), batch)
        batch.clear()

    demo = writer.demo
    for n, planned in enumerate(
        plan_posts(writer.rng, count, demo.first_id + 1, demo.question_ids)
    ):
        batch.append(writer.row(n, planned))
        if len(batch) >= INSERT_CHUNK:
            await flush()
    if batch:
        await flush()


async def _finish(db: Database, writer: _Writer, count: int) -> int | None:
    """Bump the discussion's version, save each author's last consent; count the new posts."""
    from sqlalchemy import func, select, update
    from sqlmodel import col

    from forum.models import Discussion, Post, User
    from forum.models.types import PostStatus

    async with db.transaction() as session:
        # create_post bumps the version once per approved post and keeps the last consent.
        await session.execute(
            update(Discussion)
            .where(col(Discussion.id) == writer.demo.discussion_id)
            .values(content_version=col(Discussion.content_version) + count)
        )
        for author, consent in writer.last_consent.items():
            await session.execute(
                update(User).where(col(User.id) == author).values(quote_consent=consent)
            )
    async with db.session() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(Post)
            .where(
                col(Post.id) > writer.demo.first_id, col(Post.status) == PostStatus.APPROVED.value
            )
        )
    return stored


async def insert_posts(
    database_url: str, count: int, seed: int, password_hash: str, rendered: dict[str, str]
) -> Seeded:
    """Add USERS people and `count` approved posts, shaped as create_post writes them."""
    from forum.db import Database

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    db = Database(database_url)
    try:
        demo = await _add_users(db, now, password_hash)
        writer = _new_writer(rng, demo, (now - demo.start) / (count + 1), rendered, seed)
        await _insert_rows(db, writer, count)
        stored = await _finish(db, writer, count)
    finally:
        await db.dispose()
    if stored != count:
        raise SystemExit(f"bench: expected {count} posts, found {stored}")
    stats = writer.stats
    return Seeded(
        database_url=database_url,
        posts=count,
        threads=stats["threads"],
        threads_on_question_1=stats["q1"],
        max_depth=stats["depth"],
        capped_replies=stats["capped"],
        seconds=time.perf_counter() - started,
    )


def seed_database(
    path: Path, count: int, secret_key: str, password_hash: str, rendered: dict[str, str]
) -> Seeded:
    """Seed a new SQLite file at `path`."""
    url = f"sqlite+aiosqlite:///{path}"
    return seed_url(url, count, secret_key, password_hash, rendered)


def seed_url(
    url: str, count: int, secret_key: str, password_hash: str, rendered: dict[str, str]
) -> Seeded:
    """Migrate the empty database at `url`, load the demo and add `count` posts."""
    from forum.cli import load_demo
    from forum.schema import migrate

    started = time.perf_counter()
    settings = settings_for(url, secret_key)
    migrate(settings)
    asyncio.run(load_demo(settings))
    seeded = asyncio.run(
        insert_posts(url, count, seed=20_240_601, password_hash=password_hash, rendered=rendered)
    )
    if not url.startswith("sqlite"):
        asyncio.run(after_bulk_insert(url))
    seeded.seconds = time.perf_counter() - started
    return seeded


@dataclass
class Throwaway:
    """A seeded database, a temporary folder beside it, and the secret key it was seeded with."""

    workdir: Path
    seeded: Seeded
    secret_key: str


@contextmanager
def throwaway_database(
    posts: int, prefix: str, database: str = "sqlite", server: str = DEFAULT_SERVER
) -> Iterator[Throwaway]:
    """Seed `posts` posts in a new database; delete it and its folder afterwards.

    `database` is "sqlite" (a file in the folder) or "postgresql" (`bench_<hex>` created on
    the local `server`, dropped at the end, also on an error or Ctrl-C).
    """
    from forum.accounts.passwords import hash_password

    if database not in DATABASES:
        raise SystemExit(f"bench: --database is one of {', '.join(DATABASES)}")
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        secret_key = secrets.token_urlsafe(48)
        password_hash = hash_password(secrets.token_urlsafe(16))
        with ExitStack() as stack:
            if database == "sqlite":
                url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
            else:
                url = stack.enter_context(postgres_database(server))
            seeded = seed_url(url, posts, secret_key, password_hash, {})
            yield Throwaway(workdir, seeded, secret_key)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
