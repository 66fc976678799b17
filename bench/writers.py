"""Signed-in writers for the submit and soak benches: accounts, their forms, their posts.

Each account is a confirmed contributor with a real server-side session (made with
`forum.accounts.sessions.start_session`, the row a sign-in writes). A writer does what a
browser does: GET the question page with the session cookie, read the form's csrf_token and
the CSRF cookie, then POST the answer or reply form and expect a 303 to the new post.

The guidelines' "too-fast" rule refuses a sixth post from one person within ten minutes, so
an account writes at most POSTS_PER_ACCOUNT posts and the bench makes enough accounts; the
app's limits are not changed. Half the accounts are trusted (published at once: the version
bump and reply mail run), half are new (held for the moderators by "first-posts").
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from texts import SENTENCES

SLUG = "skills-in-crisis"
QUESTIONS = range(1, 7)  # week one of the demo discussion, open
POSTS_PER_ACCOUNT = 5  # the too-fast rule: at most 5 posts in 600 s (rules.toml)
MAX_ACCOUNTS = 5_000
REPLY_SHARE = 0.4  # of posts that reply to a published post, the rest answer a question
REQUEST_TIMEOUT = 30.0
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Account:
    user_id: int
    session_token: str


@dataclass
class Form:
    """An account after its GET: the cookies a browser would send and the form's token."""

    account: Account
    cookie: str
    csrf_token: str
    left: int = POSTS_PER_ACCOUNT


@dataclass
class Outcome:
    """What a set of POSTs gave: latencies of the 303s and every other answer counted."""

    seconds: list[float] = field(default_factory=list)  # each successful POST's latency
    statuses: dict[int, int] = field(default_factory=dict)  # answers other than 303
    transport_errors: int = 0
    post_ids: list[int] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  # the first few refused paths, to show

    @property
    def ok(self) -> int:
        return len(self.seconds)

    @property
    def errors(self) -> int:
        return sum(self.statuses.values()) + self.transport_errors


async def add_accounts(database_url: str, count: int) -> tuple[list[Account], list[int]]:
    """Add `count` confirmed contributors with a session each; return them and the published
    post ids (of the seeded authors) they may reply to."""
    from sqlalchemy import insert, select
    from sqlmodel import col

    from forum.accounts.sessions import SessionPolicy, start_session
    from forum.db import Database
    from forum.models import Discussion, Post, User
    from forum.models.types import PostStatus, Role, StakeholderGroup, UserState

    if not 0 < count <= MAX_ACCOUNTS:
        raise SystemExit(f"bench: accounts must be 1 to {MAX_ACCOUNTS}")
    now = datetime.now(UTC)
    policy = SessionPolicy(idle=timedelta(days=1), absolute=timedelta(days=1))
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            first = (await session.scalar(select(col(User.id)).order_by(col(User.id).desc()))) or 0
            groups = [group.value for group in StakeholderGroup]
            rows = [
                {
                    "email": f"bench.writer{first + n}@example.org",
                    "display_name": f"Writer {first + n}",
                    "stakeholder_group": groups[n % len(groups)],
                    "preferred_language": ("en", "es", "fr")[n % 3],
                    "role": Role.CONTRIBUTOR.value,
                    "state": UserState.ACTIVE.value,
                    "trusted": n % 2 == 0,
                    "email_confirmed_at": now - timedelta(days=10),
                    "created_at": now - timedelta(days=10),
                }
                for n in range(count)
            ]
            await session.execute(insert(User.__table__), rows)  # type: ignore[attr-defined]
            ids: list[int] = list(
                await session.scalars(
                    select(col(User.id)).where(col(User.id) > first).order_by(col(User.id))
                )
            )
            accounts = [
                Account(
                    user_id, await start_session(session, user_id=user_id, policy=policy, now=now)
                )
                for user_id in ids
            ]
            targets: list[int] = list(
                await session.scalars(
                    select(col(Post.id))
                    .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
                    .where(
                        col(Discussion.slug) == SLUG,
                        col(Post.status) == PostStatus.APPROVED.value,
                        col(Post.question_id).is_not(None),
                    )
                )
            )
    finally:
        await db.dispose()
    return accounts, targets


def client(connections: int = 1) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT, follow_redirects=False)


async def open_form(http: httpx.AsyncClient, base: str, account: Account) -> Form:
    """GET a question page signed in, as a browser would, and keep its form's token."""
    http.cookies.clear()  # one client serves one account at a time: send only ours
    cookie = f"forum_session={account.session_token}"
    response = await http.get(
        f"{base}/en/discussions/{SLUG}/questions/1", headers={"cookie": cookie}
    )
    found = CSRF_FIELD.search(response.text)
    csrf_cookie = response.cookies.get("csrf")
    if response.status_code != 200 or found is None or csrf_cookie is None:
        raise SystemExit(f"bench: signed-in question page answered {response.status_code}")
    return Form(account, f"{cookie}; csrf={csrf_cookie}", found.group(1))


async def open_forms(
    base: str, accounts: list[Account], connections: int, deadline: float
) -> list[Form]:
    """Open the forms of `accounts` with `connections` at once; stop at `deadline`."""
    queue = iter(accounts)
    forms: list[Form] = []

    async def worker() -> None:
        async with client() as http:
            for account in queue:
                if time.monotonic() >= deadline:
                    return
                forms.append(await open_form(http, base, account))

    await asyncio.gather(*(worker() for _ in range(connections)))
    return forms


class Texts:
    """Distinct texts, so no author sends the same one twice (the "duplicate" rule)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = 0

    def next(self) -> str:
        self.counter += 1
        language = self.rng.choice(list(SENTENCES))
        sentences = self.rng.sample(SENTENCES[language], 2)
        return f"{' '.join(sentences)} ({self.counter})"


@dataclass
class Writing:
    """Forms ready to post with, handed out one post at a time, and the reply targets."""

    forms: Iterator[Form]
    targets: list[int]
    texts: Texts
    current: Form | None = None

    def take(self) -> Form | None:
        if self.current is None or self.current.left == 0:
            self.current = next(self.forms, None)
        if self.current is not None:
            self.current.left -= 1
        return self.current


async def post_once(http: httpx.AsyncClient, base: str, writing: Writing, outcome: Outcome) -> bool:
    """Send one answer or reply; record it; False when no account is left."""
    form = writing.take()
    if form is None:
        return False
    rng = writing.texts.rng
    if writing.targets and rng.random() < REPLY_SHARE:
        path = f"/en/discussions/{SLUG}/posts/{rng.choice(writing.targets)}/reply"
    else:
        path = f"/en/discussions/{SLUG}/questions/{rng.choice(QUESTIONS)}/answer"
    data = {
        "csrf_token": form.csrf_token,
        "source": writing.texts.next(),
        "language": "",  # "Detect it for me", the form's default
        "quote_consent": "by_name",
        "action": "publish",
    }
    http.cookies.clear()
    sent = time.perf_counter()
    try:
        response = await http.post(base + path, data=data, headers={"cookie": form.cookie})
    except httpx.HTTPError:
        outcome.transport_errors += 1
        return True
    if response.status_code == 303:
        outcome.seconds.append(time.perf_counter() - sent)
        found = re.search(r"/posts/(\d+)", response.headers.get("location", ""))
        if found:
            outcome.post_ids.append(int(found.group(1)))
    else:
        outcome.statuses[response.status_code] = outcome.statuses.get(response.status_code, 0) + 1
        if len(outcome.samples) < 5:
            outcome.samples.append(f"{response.status_code} {path}")
    return True


async def write_for(
    base: str, writing: Writing, writers: int, seconds: float, max_posts: int
) -> tuple[Outcome, float]:
    """`writers` writers post back to back for `seconds` (at most `max_posts` in all);
    return the outcome and the seconds it took."""
    outcome = Outcome()
    started = time.perf_counter()
    deadline = started + seconds
    sent = 0

    async def writer() -> None:
        nonlocal sent
        async with client() as http:
            while time.perf_counter() < deadline and sent < max_posts:
                sent += 1
                if not await post_once(http, base, writing, outcome):
                    return

    await asyncio.wait_for(
        asyncio.gather(*(writer() for _ in range(writers))), timeout=seconds + 2 * REQUEST_TIMEOUT
    )
    return outcome, time.perf_counter() - started


async def posts_after(database_url: str, post_id: int) -> int:
    """Count the posts whose id is above `post_id` (those the bench wrote)."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from forum.db import Database
    from forum.models import Post

    db = Database(database_url)
    try:
        async with db.session() as session:
            return int(
                await session.scalar(
                    select(func.count()).select_from(Post).where(col(Post.id) > post_id)
                )
                or 0
            )
    finally:
        await db.dispose()


async def last_post_id(database_url: str) -> int:
    from sqlalchemy import func, select
    from sqlmodel import col

    from forum.db import Database
    from forum.models import Post

    db = Database(database_url)
    try:
        async with db.session() as session:
            return int(await session.scalar(select(func.max(col(Post.id)))) or 0)
    finally:
        await db.dispose()


def percentile(values: list[float], p: float) -> float:
    """The p-th quantile (0-1) of `values`, in milliseconds; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000
