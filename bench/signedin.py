"""A signed-in contributor's question page beside a bare Jinja2 page of the same HTML.

Run:  .venv/bin/python bench/signedin.py [--posts N] [--seconds S] [--connections C]

1. Seeds a throw-away SQLite database as bench/pages.py does (the demo, then N approved posts
   in threads), keeps the first threads of question 1 of "skills-in-crisis" up to about 50
   posts there (the others move to question 2; the content version is bumped), and opens a
   session for one of the bench's confirmed contributors, as signing in does.
2. In this process (`create_app`, httpx.ASGITransport, the background version reader started
   and then left alone): counts the SQL statements of that contributor's warm question page,
   at N posts and on a second database of 10 posts, and times it alone, warm and with the
   shared store emptied before each request (the page rendered from the database, as every
   signed-in page was before).
3. Serves the forum under uvicorn, fetches the page once with the contributor's cookies (the
   session's and the CSRF cookie the page sets, so the HTML is the same on every request),
   serves those bytes from bench/servers.py's bare Jinja2 app, and loads both with wrk,
   sending the cookies with every request (`-H "Cookie: ..."`), on loopback only.

`signed_in_figures(posts, seconds, connections)` returns the summary rows (P1b, P2 signed
in) for `make bench`; `main()` prints them with the details. A script, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from figures import Figure, print_figures  # noqa: E402
from load import Load, python_load, wrk_load  # noqa: E402
from seed import SLUG, record_statements, settings_for, throwaway_database  # noqa: E402
from servers import cpu_plan, start_server, stop_server, wait_idle, wait_ready  # noqa: E402

QUESTION_PATH = f"/en/discussions/{SLUG}/questions/1"
POSTS_ON_QUESTION = 50  # about this many: whole threads are kept
REFERENCE_POSTS = 10
MAX_POSTS = 100_000
MAX_SECONDS = 60
MAX_CONNECTIONS = 200
WARM_UP_SECONDS = 1
TARGET_RATIO = 0.3
TARGET_STATEMENTS = 3


@dataclass
class Viewer:
    """A signed-in contributor: their name and session cookie's value."""

    name: str
    cookie_name: str
    token: str


@dataclass
class InProcess:
    warm_statements: int
    warm_ms: float
    rendered_statements: int  # the shared store emptied first: from the database
    rendered_ms: float
    fragment: str  # what X-Fragment said on the warm request


async def _prepare(url: str, secret_key: str) -> tuple[Viewer, int]:
    """Keep about POSTS_ON_QUESTION posts on question 1; open a session for a contributor."""
    from datetime import UTC, datetime

    from sqlalchemy import func, select, update
    from sqlmodel import col

    from forum.accounts.sessions import session_policy, start_session
    from forum.core.content import bump_content_version
    from forum.db import Database
    from forum.models import Discussion, Post, Question, User

    settings = settings_for(url, secret_key)
    db = Database(url)
    try:
        async with db.transaction() as session:
            discussion_id = await session.scalar(
                select(col(Discussion.id)).where(col(Discussion.slug) == SLUG)
            )
            numbers = dict(
                (
                    await session.execute(
                        select(col(Question.number), col(Question.id)).where(
                            col(Question.discussion_id) == discussion_id
                        )
                    )
                ).all()
            )
            sizes = (
                await session.execute(
                    select(col(Post.thread_id), func.count())
                    .where(col(Post.question_id) == numbers[1])
                    .group_by(col(Post.thread_id))
                    .order_by(col(Post.thread_id))
                )
            ).all()
            kept, last = 0, 0
            for thread_id, size in sizes:
                if kept and kept + size > POSTS_ON_QUESTION:
                    break
                kept, last = kept + size, thread_id
            await session.execute(
                update(Post)
                .where(col(Post.question_id) == numbers[1], col(Post.thread_id) > last)
                .values(question_id=numbers[2])
            )
            await bump_content_version(session, discussion_id=discussion_id or 0)
            user = await session.scalar(
                select(User)
                .where(col(User.role) == "contributor", col(User.email_confirmed_at).is_not(None))
                .order_by(col(User.id))
                .limit(1)
            )
            assert user is not None and user.id is not None
            token = await start_session(
                session, user_id=user.id, policy=session_policy(settings), now=datetime.now(UTC)
            )
    finally:
        await db.dispose()
    return Viewer(user.display_name, settings.session_cookie, token), kept


async def _measure(url: str, secret_key: str, viewer: Viewer, repeat: int) -> InProcess:
    """Count and time the viewer's question page in this process, warm and rendered."""
    from forum.app import create_app
    from forum.core import versions

    interval, versions.INTERVAL = versions.INTERVAL, 3600.0  # read at start-up, not meanwhile
    try:
        return await _requests(create_app(settings_for(url, secret_key)), viewer, repeat)
    finally:
        versions.INTERVAL = interval


async def _requests(app: Any, viewer: Viewer, repeat: int) -> InProcess:
    import httpx

    statements = record_statements(app)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client,
    ):
        for _ in range(200):  # the first read of the versions: at most 2 s
            if app.state.versions.fresh():
                break
            await asyncio.sleep(0.01)
        client.cookies.set(viewer.cookie_name, viewer.token)
        await client.get(QUESTION_PATH)  # the CSRF cookie, the store warmed

        async def one(empty: bool) -> tuple[int, float, str]:
            if empty:
                app.state.shared_store.clear()
            async with app.state.db.session() as session:  # as the reader does every 0.25 s
                await app.state.versions.read(session)
            statements.clear()
            sent = time.perf_counter()
            response = await client.get(QUESTION_PATH)
            elapsed = (time.perf_counter() - sent) * 1000
            if response.status_code != 200:
                raise SystemExit(f"bench: {QUESTION_PATH} answered {response.status_code}")
            return len(statements), elapsed, response.headers.get("x-fragment", "")

        warm = [await one(False) for _ in range(repeat)]
        rendered = [await one(True) for _ in range(repeat)]
    return InProcess(
        max(w[0] for w in warm),
        statistics.median(w[1] for w in warm),
        max(r[0] for r in rendered),
        statistics.median(r[1] for r in rendered),
        warm[-1][2],
    )


def _fetch_signed_in(base: str, viewer: Viewer) -> tuple[bytes, str]:
    """Fetch the page twice as the viewer, as a browser keeping its cookies would; return
    the HTML and the cookies to send again (the session's and the CSRF cookie)."""
    import httpx

    with httpx.Client(base_url=base, timeout=30.0) as client:
        client.cookies.set(viewer.cookie_name, viewer.token)
        client.get(QUESTION_PATH)  # sets the CSRF cookie
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return _fetch_with(base, cookies, viewer), cookies


def _fetch_with(base: str, cookies: str, viewer: Viewer) -> bytes:
    import httpx

    response = httpx.get(base + QUESTION_PATH, headers={"Cookie": cookies}, timeout=30.0)
    if response.status_code != 200 or viewer.name not in response.text:
        raise SystemExit(f"bench: the signed-in page answered {response.status_code}")
    if "set-cookie" in response.headers:
        print("bench: note: the signed-in page set a cookie again")
    return response.content


@dataclass
class Loaded:
    bare: Load
    signed_in: Load
    size: int
    same_bytes: bool


def _load_both(
    url: str, secret_key: str, workdir: Path, viewer: Viewer, seconds: int, connections: int
) -> Loaded:
    server_cpus, load_cpus = cpu_plan()
    load = wrk_load if shutil.which("wrk") else python_load
    servers = []
    try:
        forum = start_server("forum", ["--database-url", url], workdir, server_cpus, secret_key)
        servers.append(forum)
        wait_ready(forum, "/healthz")
        html, cookies = _fetch_signed_in(forum.base, viewer)
        html_file = workdir / "signed-in.html"
        html_file.write_bytes(html)
        bare = start_server(
            "bare", ["--html-file", str(html_file)], workdir, server_cpus, secret_key
        )
        servers.append(bare)
        wait_ready(bare, "/")
        again = _fetch_with(forum.base, cookies, viewer)
        results = []
        for server, path, headers in (
            (bare, "/", None),
            (forum, QUESTION_PATH, {"Cookie": cookies}),
        ):
            print(f"bench: {server.name}: {seconds} s, {connections} connections ...", flush=True)
            target = server.base + path
            load(target, min(WARM_UP_SECONDS, seconds), connections, load_cpus, headers)
            results.append(load(target, seconds, connections, load_cpus, headers))
            wait_idle(server)
            if server.process.poll() is not None:
                raise SystemExit(f"bench: the {server.name} server died:\n{server.log_tail()}")
    finally:
        for server in reversed(servers):
            stop_server(server)
    return Loaded(results[0], results[1], len(html), again == html)


def signed_in_figures(posts: int = 1000, seconds: int = 5, connections: int = 50) -> list[Figure]:
    """Seed, measure and load the signed-in question page; return the summary's rows."""
    if not REFERENCE_POSTS <= posts <= MAX_POSTS:
        raise ValueError(f"posts from {REFERENCE_POSTS} to {MAX_POSTS:,}")
    seconds = max(1, min(seconds, MAX_SECONDS))
    connections = max(1, min(connections, MAX_CONNECTIONS))
    with throwaway_database(REFERENCE_POSTS, "forum-signedin-ref-") as small:
        key = small.secret_key
        reader, _kept = asyncio.run(_prepare(small.seeded.database_url, key))
        reference = asyncio.run(_measure(small.seeded.database_url, key, reader, repeat=3))
    with throwaway_database(posts, "forum-signedin-bench-") as made:
        url, key = made.seeded.database_url, made.secret_key
        viewer, kept = asyncio.run(_prepare(url, key))
        measured = asyncio.run(_measure(url, key, viewer, repeat=20))
        loaded = _load_both(url, key, made.workdir, viewer, seconds, connections)
    _print_details(posts, kept, measured, reference, loaded)
    ratio = loaded.signed_in.requests_per_second / loaded.bare.requests_per_second
    equal = measured.warm_statements == reference.warm_statements
    counts = f"{measured.warm_statements} at {posts:,} posts, {reference.warm_statements} at 10"
    return [
        Figure(
            "P1b",
            f"signed-in question page ({kept} posts) ÷ bare Jinja2 page of its HTML",
            f"{ratio:.2f} ({loaded.signed_in.requests_per_second:,.0f} ÷ "
            f"{loaded.bare.requests_per_second:,.0f} req/s)",
            f"≥ {TARGET_RATIO}",
            ratio >= TARGET_RATIO and loaded.signed_in.errors == 0,
            f"errors {loaded.signed_in.errors}; X-Fragment {measured.fragment}",
        ),
        Figure(
            "P2",
            "statements, warm signed-in question page (BEGIN included)",
            counts,
            f"≤ {TARGET_STATEMENTS}, equal",
            equal and measured.warm_statements <= TARGET_STATEMENTS,
            f"rendered from the database: {measured.rendered_statements}",
        ),
    ]


def _print_details(
    posts: int, kept: int, measured: InProcess, reference: InProcess, loaded: Loaded
) -> None:
    print()
    print(f"signed-in question page, {posts:,} posts seeded, {kept} on the question:")
    print(
        f"  in process, one request alone (median of 20): warm {measured.warm_ms:.1f} ms, "
        f"{measured.warm_statements} statements (X-Fragment: {measured.fragment}); rendered "
        f"from the database {measured.rendered_ms:.1f} ms, {measured.rendered_statements} "
        f"statements; at {REFERENCE_POSTS} posts warm {reference.warm_statements} statements"
    )
    for name, result in (("bare", loaded.bare), ("signed in", loaded.signed_in)):
        print(
            f"  {name}: {result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
            f"p99 {result.p99_ms:.2f} ms, errors {result.errors}"
        )
    print(
        f"  HTML {loaded.size / 1024:.1f} KB; the page was the same bytes on a second fetch: "
        f"{loaded.same_bytes}"
    )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=50)
    options = parser.parse_args()
    if not REFERENCE_POSTS <= options.posts <= MAX_POSTS:
        parser.error(f"--posts from {REFERENCE_POSTS} to {MAX_POSTS:,}")
    if not 1 <= options.seconds <= MAX_SECONDS or not 1 <= options.connections <= MAX_CONNECTIONS:
        parser.error(f"--seconds 1 to {MAX_SECONDS}, --connections 1 to {MAX_CONNECTIONS}")
    print_figures(signed_in_figures(options.posts, options.seconds, options.connections))


if __name__ == "__main__":
    main()
