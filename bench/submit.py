"""The submit path through the real POST endpoints: posts per second, and many writers at once.

Run:  .venv/bin/python bench/submit.py [--posts N] [--seconds S] [--writers W]
                                       [--busy-seconds B] [--busy-writers C]

1. Seeds a throw-away SQLite database as bench/pages.py does (migrate, the demo, N approved
   posts) and adds confirmed contributors with a session each (bench/writers.py).
2. Serves the forum with one uvicorn worker (bench/servers.py, pinned to one CPU; this
   process, the load, to the others).
3. Each writer opens the form as a browser does (GET the question page signed in, read the
   csrf_token and the CSRF cookie), then POSTs answers and replies ("Detect it for me" as the
   language, so detection runs) and expects a 303. Every post goes through the guidelines'
   rules, Markdown and the sanitiser, the insert, the search index, the version bump and,
   for a reply to someone else, the mail queued in the outbox.
4. Measures (a) posts per second with W writers back to back for S seconds, then (b) C writers
   for B seconds: answers other than 303, "database is locked" in the server's log, and the
   posts that landed in the database, which must equal the 303s.

A script, not a test: it prints figures. Loopback only, temporary directory only; bounded in
time (S, B at most 60 s) and count (W, C at most 64 writers; accounts at most 5,000).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from figures import Figure, print_figures  # noqa: E402
from load import check_loopback, check_quiet, pinned  # noqa: E402
from seed import throwaway_database  # noqa: E402
from servers import Server, cpu_plan, start_server, stop_server, wait_idle, wait_ready  # noqa: E402
from writers import (  # noqa: E402
    MAX_ACCOUNTS,
    POSTS_PER_ACCOUNT,
    Outcome,
    Texts,
    Writing,
    add_accounts,
    last_post_id,
    open_forms,
    percentile,
    posts_after,
    write_for,
)

MAX_SECONDS = 60
MAX_WRITERS = 64
MAX_POSTS = 100_000
TARGET_POSTS_PER_SECOND = 80
FORM_CONNECTIONS = 8  # opening forms before the timed part
GUESS_POSTS_PER_SECOND = 150  # accounts for the first part; the second sizes from the first
LOCKED = "database is locked"


@dataclass
class Part:
    """One timed part: who wrote, for how long, what came back, what the server logged."""

    writers: int
    planned_seconds: float
    outcome: Outcome
    elapsed: float
    landed: int
    locked: int
    tracebacks: int
    ran_out: bool  # every prepared account had written its posts before the time was up
    server_cpu: float  # seconds of CPU the server process used during the timed part

    @property
    def cpu_ms_per_post(self) -> float:
        return 1000 * self.server_cpu / self.outcome.ok if self.outcome.ok else float("nan")

    @property
    def rate(self) -> float:
        return self.outcome.ok / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        out = self.outcome
        others = ", ".join(f"{n}×{status}" for status, n in sorted(out.statuses.items()))
        return (
            f"{self.writers} writers, {self.elapsed:.1f} s: {out.ok} posts (303), "
            f"{self.rate:.1f} posts/s, server CPU {self.cpu_ms_per_post:.1f} ms a post, "
            f"p50 {percentile(out.seconds, 0.5):.0f} ms, "
            f"p99 {percentile(out.seconds, 0.99):.0f} ms; other answers: {others or 'none'}; "
            f"transport errors {out.transport_errors}; '{LOCKED}' in the log {self.locked}; "
            f"tracebacks {self.tracebacks}; posts in the database {self.landed}"
            + ("; ran out of prepared accounts" if self.ran_out else "")
            + (f"; e.g. {', '.join(out.samples)}" if out.samples else "")
        )


def server_cpu_seconds(server: Server) -> float:
    """CPU seconds (user + system) the server process has used so far; 0 without /proc."""
    try:
        stat = Path(f"/proc/{server.process.pid}/stat").read_text(encoding="ascii")
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _log_counts(server: Server) -> tuple[int, int]:
    try:
        text = server.log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0, 0
    return text.count(LOCKED), text.count("Traceback")


async def _part(
    server: Server, database_url: str, writers: int, seconds: float, accounts_count: int, seed: int
) -> Part:
    """Add and open `accounts_count` accounts, then write with `writers` for `seconds`."""
    accounts, targets = await add_accounts(database_url, accounts_count)
    forms = await open_forms(
        server.base, accounts, FORM_CONNECTIONS, time.monotonic() + 10 * MAX_SECONDS
    )
    wait_idle(server)
    before_id = await last_post_id(database_url)
    locked_before, tracebacks_before = _log_counts(server)
    writing = Writing(iter(forms), targets, Texts(seed))
    max_posts = min(MAX_POSTS, len(forms) * POSTS_PER_ACCOUNT)
    cpu_before = server_cpu_seconds(server)
    outcome, elapsed = await write_for(server.base, writing, writers, seconds, max_posts)
    cpu = server_cpu_seconds(server) - cpu_before
    wait_idle(server)
    locked, tracebacks = _log_counts(server)
    landed = await posts_after(database_url, before_id)
    ran_out = elapsed < seconds - 0.5
    return Part(
        writers,
        seconds,
        outcome,
        elapsed,
        landed,
        locked - locked_before,
        tracebacks - tracebacks_before,
        ran_out,
        cpu,
    )


def _accounts_for(rate: float, seconds: float) -> int:
    """Enough accounts to keep writing for `seconds` at 1.3 × `rate`, within MAX_ACCOUNTS."""
    return max(1, min(MAX_ACCOUNTS, math.ceil(1.3 * rate * seconds / POSTS_PER_ACCOUNT)))


def run(
    posts: int, seconds: float, writers: int, busy_seconds: float, busy_writers: int
) -> tuple[Part, Part]:
    server_cpus, load_cpus = cpu_plan()
    with throwaway_database(posts, "forum-bench-submit-") as throwaway:
        url = throwaway.seeded.database_url
        print(f"bench: {posts} posts seeded in {throwaway.seeded.seconds:.1f} s")
        print(f"bench: CPU busy before the server starts: {check_quiet('before the run')}")
        server = start_server(
            "forum", ["--database-url", url], throwaway.workdir, server_cpus, throwaway.secret_key
        )
        try:
            wait_ready(server, "/healthz")
            check_loopback(server.base)
            with pinned(load_cpus):
                first = asyncio.run(
                    _part(
                        server,
                        url,
                        writers,
                        seconds,
                        _accounts_for(GUESS_POSTS_PER_SECOND, seconds),
                        1,
                    )
                )
                print(f"bench: (a) {first.summary()}")
                second = asyncio.run(
                    _part(
                        server,
                        url,
                        busy_writers,
                        busy_seconds,
                        _accounts_for(max(first.rate, 10.0), busy_seconds),
                        2,
                    )
                )
                print(f"bench: (b) {second.summary()}")
        finally:
            stop_server(server)
    return first, second


def figures_of(first: Part, second: Part) -> list[Figure]:
    """The two P4 rows of `make bench`'s summary."""
    target = f"≥ {TARGET_POSTS_PER_SECOND} posts/s, 0 errors"
    rate_met = first.rate >= TARGET_POSTS_PER_SECOND and first.outcome.errors == 0
    busy = second.outcome
    clean = busy.errors == 0 and second.locked == 0 and second.landed == busy.ok
    return [
        Figure(
            "P4",
            f"posts/s through the POST endpoints, {first.writers} writers, one worker (SQLite)",
            f"{first.rate:.0f} posts/s (p50 {percentile(first.outcome.seconds, 0.5):.0f} ms, "
            f"p99 {percentile(first.outcome.seconds, 0.99):.0f} ms), "
            f"{first.outcome.errors} errors",
            target,
            rate_met,
            "ran out of accounts early" if first.ran_out else "",
        ),
        Figure(
            "P4",
            f"{second.writers} writers for {second.planned_seconds:.0f} s on SQLite",
            f"{busy.ok} posts, {busy.errors} errors, {second.locked} '{LOCKED}', "
            f"{second.landed} in the database",
            "0 errors, 0 locked, every 303 in the database",
            clean and not second.ran_out,
            f"ran out of accounts after {second.elapsed:.0f} s" if second.ran_out else "",
        ),
    ]


def submit_figures(
    posts: int = 1000,
    seconds: float = 10,
    writers: int = 16,
    busy_seconds: float = 30,
    busy_writers: int = 32,
) -> list[Figure]:
    """Seed, serve, measure both parts and return P4's figures for the summary table."""
    return figures_of(*run(posts, seconds, writers, busy_seconds, busy_writers))


def _bounded(low: int, high: int, name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be {low} to {high:,}")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure the submit path (issue 15, P4).")
    parser.add_argument("--posts", type=_bounded(10, MAX_POSTS, "--posts"), default=1000)
    parser.add_argument("--seconds", type=_bounded(1, MAX_SECONDS, "--seconds"), default=10)
    parser.add_argument("--writers", type=_bounded(1, MAX_WRITERS, "--writers"), default=16)
    parser.add_argument(
        "--busy-seconds", type=_bounded(1, MAX_SECONDS, "--busy-seconds"), default=30
    )
    parser.add_argument(
        "--busy-writers", type=_bounded(1, MAX_WRITERS, "--busy-writers"), default=32
    )
    options = parser.parse_args()
    print_figures(
        submit_figures(
            options.posts,
            options.seconds,
            options.writers,
            options.busy_seconds,
            options.busy_writers,
        )
    )


if __name__ == "__main__":
    main()
