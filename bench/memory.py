"""Resident memory of one forum worker after every kind of page, over N posts (P5).

Run:  .venv/bin/python bench/memory.py [--posts N] [--rounds R] [--database sqlite|postgresql]

1. Seeds a throw-away database as bench/pages.py does (default 100,000 posts, SQLite in a
   temporary directory), fills the search index (SQLite) and opens a session for one
   confirmed contributor (forum.accounts.sessions.start_session, as signing in does).
2. Starts the forum as bench/pages.py's servers do (uvicorn, one worker, in its own process),
   reads its memory once it answers, then has signed-in contributors (bench/writers.py) post
   --contributions answers and replies through the real form with "Detect it for me" (so
   the language model is used), then asks R rounds of every kind of page, one request at
   a time: the 6 open questions' pages 1, 2, 10 and 50, newest first and in each language,
   the discussion, its comments and transparency pages, home, the tags and a tag, search
   (with a page deep), every kind of feed, posts and people, in the three languages; and
   the same questions, the profile and the personal data download signed in.
3. Prints VmRSS (resident now), VmHWM (the peak), and VmRSS's two parts RssAnon (the
   worker's own memory) and RssFile (mapped files: libraries and the language model's file,
   whose pages other workers share) from /proc/<pid>/status before and after, and P5's row:
   VmRSS after the load, target at most 150 MB (MB = 2^20 bytes here).

A script, not a test: it prints figures. Loopback only, its own temporary directory and
database (both deleted at the end), bounded: N at most 100,000, R at most 20, at most
--limit seconds of requests (default 300).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from figures import Figure, print_figures  # noqa: E402
from load import check_loopback  # noqa: E402
from seed import DATABASES, SLUG, USERS, throwaway_database  # noqa: E402
from servers import cpu_plan, start_server, stop_server, wait_ready  # noqa: E402
from signin import session_cookie  # noqa: E402
from writers import (  # noqa: E402
    POSTS_PER_ACCOUNT,
    Outcome,
    Texts,
    Writing,
    add_accounts,
    open_forms,
    write_for,
)

TARGET_MB = 150.0
QUESTIONS = range(1, 7)
LANGUAGES = ("en", "es", "fr")
SIGNED_IN = "bench.user00@example.org"


MEMORY_FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")
CONTRIBUTORS = 2  # each posts at most writers.POSTS_PER_ACCOUNT times (the too-fast rule)


def memory_rss_mb(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM, RssAnon and RssFile of process `pid` in MB (2^20 bytes), from
    /proc/<pid>/status."""
    found: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in MEMORY_FIELDS:
                found[name] = int(value.split()[0]) / 1024  # kB
    return found


def contribute(base: str, url: str, posts: int) -> Outcome:
    """Post `posts` answers and replies signed in, language left to detection, one at a time."""
    check_loopback(base)

    async def run() -> Outcome:
        accounts, targets = await add_accounts(url, CONTRIBUTORS)
        forms = await open_forms(base, accounts, 1, time.monotonic() + 60)
        writing = Writing(iter(forms), targets, Texts(5))
        outcome, _seconds = await write_for(base, writing, 1, 60.0, posts)
        return outcome

    return asyncio.run(run())


def anonymous_paths(post_ids: list[int], people: list[int]) -> list[str]:
    """Every kind of page an anonymous reader asks for, in each language."""
    base = f"/discussions/{SLUG}"
    paths = []
    for lang in LANGUAGES:
        paths += [f"/{lang}/", f"/{lang}/tags/", f"/{lang}/tags/apprenticeships"]
        paths += [f"/{lang}{base}", f"/{lang}{base}/comments", f"/{lang}{base}/transparency"]
        for number in QUESTIONS:
            question = f"/{lang}{base}/questions/{number}"
            paths += [question + q for q in ("", "?page=2", "?page=10", "?page=50")]
            paths += [question + "?order=newest", question + f"?language={lang}&page=3"]
        paths += [f"/{lang}/search?q=apprentices", f"/{lang}/search?q=formacion&page=5"]
        paths += [f"/{lang}/search?q=training+skills&language=fr"]
        paths += [f"/{lang}{base}/feed.atom", f"/{lang}{base}/questions/1/feed.atom"]
        paths += [f"/{lang}/tags/apprenticeships/feed.atom", f"/{lang}/search/feed.atom?q=skills"]
        paths += [f"/{lang}{base}/posts/{pid}" for pid in post_ids]
        paths += [f"/{lang}/people/{person}" for person in people]
    return paths


def signed_in_paths() -> list[str]:
    base = f"/en/discussions/{SLUG}"
    paths = [f"{base}/questions/{n}{q}" for n in QUESTIONS for q in ("", "?page=2", "?page=50")]
    return [*paths, base, "/en/", "/en/account/profile", "/en/account/data"]


async def _some_ids(url: str) -> tuple[list[int], list[int]]:
    """A few posts (first, middle, last) and a few of the bench's people."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from forum.db import Database
    from forum.models import Post, User

    db = Database(url)
    try:
        async with db.session() as session:
            row = (
                await session.execute(select(func.min(col(Post.id)), func.max(col(Post.id))))
            ).one()
            people = (
                await session.scalars(
                    select(col(User.id)).where(col(User.email).like("bench.user%")).limit(3)
                )
            ).all()
    finally:
        await db.dispose()
    low, high = int(row[0] or 0), int(row[1] or 0)
    return [low, (low + high) // 2, high], [int(person) for person in people if person]


@dataclass
class Walk:
    requests: int
    errors: list[str]
    seconds: float


def walk(
    base: str, anonymous: list[str], signed: list[str], cookie: str, rounds: int, limit: float
) -> Walk:
    """Ask every path `rounds` times, one request at a time, until `limit` seconds."""
    import httpx

    check_loopback(base)
    started = time.monotonic()
    requests, errors = 0, list[str]()
    with httpx.Client(base_url=base, timeout=60.0) as client:
        for _ in range(rounds):
            for path, headers in [(p, {}) for p in anonymous] + [
                (p, {"Cookie": cookie}) for p in signed
            ]:
                if time.monotonic() - started > limit:
                    return Walk(requests, [*errors, f"stopped at the {limit:.0f} s limit"], limit)
                response = client.get(path, headers=headers)
                requests += 1
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {path}")
    return Walk(requests, errors, time.monotonic() - started)


def memory_figures(
    posts: int = 100_000,
    rounds: int = 3,
    limit: float = 300.0,
    database: str = "sqlite",
    contributions: int = 6,
) -> list[Figure]:
    """Seed, serve, walk every page kind `rounds` times; print the memory and return P5's row."""
    server_cpus, _load_cpus = cpu_plan()
    with throwaway_database(posts, "forum-memory-bench-", database) as made:
        url = made.seeded.database_url
        print(
            f"bench: {made.seeded.posts:,} posts seeded in {made.seeded.seconds:.1f} s", flush=True
        )
        if database == "sqlite":
            from search import index_posts

            indexed, seconds = asyncio.run(index_posts(url))
            print(f"bench: {indexed:,} posts indexed for search in {seconds:.1f} s", flush=True)
        cookie = asyncio.run(session_cookie(url, made.secret_key, SIGNED_IN))
        post_ids, people = asyncio.run(_some_ids(url))
        server = start_server(
            "forum", ["--database-url", url], made.workdir, server_cpus, made.secret_key
        )
        try:
            wait_ready(server, "/healthz")
            pid = server.process.pid
            before = memory_rss_mb(pid)
            anonymous, signed = anonymous_paths(post_ids, people), signed_in_paths()
            print(
                f"bench: worker {pid} answers: VmRSS {before['VmRSS']:.1f} MB; {contributions} "
                f"post(s) signed in, then {rounds} round(s) of {len(anonymous)} anonymous, "
                f"{len(signed)} signed-in pages",
                flush=True,
            )
            posted = contribute(server.base, url, contributions)
            done = walk(server.base, anonymous, signed, cookie, rounds, limit)
            after = memory_rss_mb(pid)
        finally:
            stop_server(server)
    errors = [*posted.samples, *done.errors]
    if posted.errors > len(posted.samples):
        errors.append(f"{posted.errors - len(posted.samples)} more post(s) refused")
    print(f"bench: {posted.ok} post(s) published or held (303), {posted.errors} refused")
    print(
        f"bench: {done.requests:,} requests in {done.seconds:.1f} s, {len(done.errors)} not 200"
        + (f": {', '.join(done.errors[:5])}" if done.errors else "")
    )
    print("| worker | " + " | ".join(f"{name} MB" for name in MEMORY_FIELDS) + " |")
    print("|---|" + "---:|" * len(MEMORY_FIELDS))
    for label, found in (("on start", before), ("after the posts and pages", after)):
        print(f"| {label} | " + " | ".join(f"{found[n]:.1f}" for n in MEMORY_FIELDS) + " |")
    return [
        Figure(
            "P5",
            f"resident memory of one worker after {posted.ok} signed-in posts and "
            f"{done.requests:,} requests over every page kind, {posts:,} posts, {database}",
            f"{after['VmRSS']:.0f} MB (peak {after['VmHWM']:.0f} MB)",
            f"≤ {TARGET_MB:.0f} MB",
            after["VmRSS"] <= TARGET_MB and not errors and posted.ok == contributions,
            f"{before['VmRSS']:.0f} MB on start; RssAnon {after['RssAnon']:.0f} MB, RssFile "
            f"{after['RssFile']:.0f} MB after; {len(errors)} error(s)",
        )
    ]


def _interrupted(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=float, default=300.0, help="seconds of requests at most")
    parser.add_argument("--database", choices=DATABASES, default="sqlite")
    parser.add_argument(
        "--contributions", type=int, default=6, help="posts sent signed in before the pages"
    )
    options = parser.parse_args()
    if not 1 <= options.contributions <= CONTRIBUTORS * POSTS_PER_ACCOUNT:
        raise SystemExit(f"bench: --contributions from 1 to {CONTRIBUTORS * POSTS_PER_ACCOUNT}")
    if not USERS <= options.posts <= 100_000 or not 1 <= options.rounds <= 20:
        raise SystemExit("bench: --posts from 50 to 100,000 and --rounds from 1 to 20")
    if not 1 <= options.limit <= 1_800:
        raise SystemExit("bench: --limit from 1 to 1,800 seconds")
    signal.signal(signal.SIGTERM, _interrupted)  # unwinds: the server stopped, the data deleted
    print_figures(
        memory_figures(
            options.posts, options.rounds, options.limit, options.database, options.contributions
        )
    )


if __name__ == "__main__":
    main()
