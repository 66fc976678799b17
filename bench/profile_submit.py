"""CPU a post on the submit path, in this process, with an optional profile.

Run:  .venv/bin/python bench/profile_submit.py [--posts N] [--writes W] [--show] [--profile]
                                               [--sort cumulative|tottime] [--lines L]

1. Seeds a throw-away SQLite database as bench/submit.py does (the demo, N approved posts)
   and adds confirmed contributors with a session each (bench/writers.py).
2. In this process (`create_app`, httpx.ASGITransport, the app's lifespan running), opens
   every account's form (GET the question page: the CSRF token and cookie), then sends W
   posts one after another as bench/submit.py's writers do (answers and replies, "Detect
   it for me", every text distinct) and expects a 303 from each.
3. Prints the CPU time of this process per post (`time.process_time`, steadier than wall
   time on a shared machine), the wall time per post and the SQL statements per post; with
   --show, the statements of the last post; with --profile, the cProfile of the W posts
   sorted by cumulative time or by own time (cProfile sees the event loop's thread only,
   not aiosqlite's, and times coroutines each time they resume).

Everything runs in one process, so the CPU a post is the server's and httpx's together;
compare figures from this script with each other, not with bench/submit.py's. A script,
not a test. Temporary directory only; at most 2,000 posts written.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import math
import pstats
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from seed import record_statements, settings_for, throwaway_database  # noqa: E402
from writers import (  # noqa: E402
    POSTS_PER_ACCOUNT,
    Outcome,
    Texts,
    Writing,
    add_accounts,
    open_form,
    post_once,
)

BASE = "http://127.0.0.1:8000"
MAX_WRITES = 2_000
WARM_UP = 20  # posts before the measured ones: imports, compiled templates, caches


@dataclass
class Measured:
    posts: int
    cpu_ms: float  # per post
    wall_ms: float  # per post
    statements: float  # per post
    last: list[str]  # the last post's statements
    profile: cProfile.Profile | None


async def _measure(url: str, secret_key: str, writes: int, profile: bool) -> Measured:
    import httpx

    from forum.app import create_app

    accounts, targets = await add_accounts(
        url, math.ceil((writes + WARM_UP) / POSTS_PER_ACCOUNT) + 1
    )
    app = create_app(settings_for(url, secret_key))
    statements = record_statements(app)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, follow_redirects=False) as http,
    ):
        forms = [await open_form(http, BASE, account) for account in accounts]
        writing = Writing(iter(forms), targets, Texts(1))
        outcome = Outcome()
        for _ in range(WARM_UP):
            await post_once(http, BASE, writing, outcome)
        outcome = Outcome()
        profiler = cProfile.Profile() if profile else None
        statements.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        last: list[str] = []
        for _ in range(writes):
            before = len(statements)
            await post_once(http, BASE, writing, outcome)
            last = statements[before:]
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await app.state.db.dispose()
    if outcome.errors:
        raise SystemExit(f"bench: {outcome.errors} posts were refused: {outcome.samples}")
    return Measured(
        outcome.ok,
        1000 * cpu / writes,
        1000 * wall / writes,
        len(statements) / writes,
        last,
        profiler,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU a post on the submit path, in process.")
    parser.add_argument("--posts", type=int, default=1000, help="posts seeded (10-100,000)")
    parser.add_argument("--writes", type=int, default=300, help="posts measured (1-2,000)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile")
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    parser.add_argument("--show", action="store_true", help="print the last post's statements")
    parser.add_argument("--lines", type=int, default=40, help="profile lines to print")
    options = parser.parse_args()
    if not 10 <= options.posts <= 100_000 or not 1 <= options.writes <= MAX_WRITES:
        raise SystemExit("bench: --posts is 10 to 100,000 and --writes 1 to 2,000")
    with throwaway_database(options.posts, "forum-bench-profile-") as throwaway:
        measured = asyncio.run(
            _measure(
                throwaway.seeded.database_url, throwaway.secret_key, options.writes, options.profile
            )
        )
    print(
        f"bench: {measured.posts} posts (303) one after another: "
        f"CPU {measured.cpu_ms:.2f} ms a post, wall {measured.wall_ms:.2f} ms a post, "
        f"{measured.statements:.2f} statements a post"
        + (" (under the profiler)" if measured.profile else "")
    )
    if options.show:
        print("\n".join(" ".join(statement.split())[:160] for statement in measured.last))
    if measured.profile:
        out = io.StringIO()
        stats = pstats.Stats(measured.profile, stream=out).strip_dirs()
        stats.sort_stats(options.sort).print_stats(options.lines)
        print(out.getvalue())


if __name__ == "__main__":
    main()
