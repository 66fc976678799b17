"""A bounded mixed load: many simulated people reading and some writing, for up to 60 s.

Run:  .venv/bin/python bench/soak.py [--posts N] [--seconds S] [--users U] [--think T]

1. Seeds a throw-away SQLite database as bench/pages.py does and adds contributors with a
   session each (bench/writers.py); serves the forum with one uvicorn worker pinned to one
   CPU, this process (the load) pinned to the others (bench/servers.py's cpu_plan).
2. Starts U simulated people (default 200), each at a random moment of the first think time:
   - 90 % read: two thirds of them anonymously, one third signed in. Each reads a question
     page (60 %: questions 1-6, sometimes the second page or newest first), the discussion
     (20 %) or the home page (20 %), then thinks;
   - 10 % write: signed in, each opens the answer form as a browser does (GET the question
     page, read the csrf_token) and POSTs an answer or a reply (303 expected), thinks, and
     posts again; after five posts (the guidelines' "too-fast" rule) the next account.
   Think times are drawn from an exponential law of mean T seconds (default 2), capped at
   5 × T, so U people make about U / T requests a second.
3. Prints p50/p99 for readers (anonymous and signed in, and both together) and for writers'
   POSTs, the count of 5xx answers and of other errors (other 4xx, transport errors), and
   "database is locked" lines in the server's log.

A script, not a test: it prints figures. Loopback only, temporary directory only; bounded in
time (S at most 60 s, plus at most 30 s for the requests still on their way), people (U at
most 200) and requests (at most 2,000 per person).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

import httpx  # noqa: E402
from figures import Figure, print_figures  # noqa: E402
from load import check_loopback, check_quiet, pinned  # noqa: E402
from seed import throwaway_database  # noqa: E402
from servers import Server, cpu_plan, start_server, stop_server, wait_ready  # noqa: E402
from submit import server_cpu_seconds  # noqa: E402
from writers import (  # noqa: E402
    CSRF_FIELD,
    POSTS_PER_ACCOUNT,
    QUESTIONS,
    SLUG,
    Account,
    Form,
    Outcome,
    Texts,
    Writing,
    add_accounts,
    client,
    percentile,
    post_once,
)

MAX_SECONDS = 60
MAX_USERS = 200
MAX_REQUESTS_PER_USER = 2_000
DRAIN_SECONDS = 30  # for the requests still on their way when the time is up
WRITER_SHARE = 0.1
SIGNED_IN_READER_SHARE = 1 / 3
TARGET_P99_MS = 500.0
LOCKED = "database is locked"


@dataclass
class Tally:
    """Latencies of one kind of request and what went wrong with the others."""

    seconds: list[float] = field(default_factory=list)
    server_errors: int = 0  # 5xx
    other_errors: int = 0  # any other answer not expected, and transport errors

    def record(self, sent: float, status: int | None, expected: tuple[int, ...]) -> None:
        if status is None:
            self.other_errors += 1
        elif status >= 500:
            self.server_errors += 1
        elif status not in expected:
            self.other_errors += 1
        else:
            self.seconds.append(time.perf_counter() - sent)

    def summary(self) -> str:
        return (
            f"{len(self.seconds)} ok, p50 {percentile(self.seconds, 0.5):.0f} ms, "
            f"p99 {percentile(self.seconds, 0.99):.0f} ms, 5xx {self.server_errors}, "
            f"other errors {self.other_errors}"
        )


@dataclass
class Soak:
    anonymous: Tally = field(default_factory=Tally)
    signed_in: Tally = field(default_factory=Tally)
    writes: Outcome = field(default_factory=Outcome)
    users: int = 0
    seconds: float = 0.0
    locked: int = 0
    server_cpu: float = 0.0  # seconds of CPU the server used during the load

    @property
    def readers(self) -> Tally:
        both = Tally(
            self.anonymous.seconds + self.signed_in.seconds,
            self.anonymous.server_errors + self.signed_in.server_errors,
            self.anonymous.other_errors + self.signed_in.other_errors,
        )
        return both

    @property
    def write_server_errors(self) -> int:
        return sum(n for status, n in self.writes.statuses.items() if status >= 500)

    @property
    def write_other_errors(self) -> int:
        return self.writes.errors - self.write_server_errors


def _read_path(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        path = f"/en/discussions/{SLUG}/questions/{rng.choice(QUESTIONS)}"
        extra = rng.random()
        if extra < 0.15:
            return path + "?page=2"
        if extra < 0.25:
            return path + "?order=newest"
        return path
    if roll < 0.8:
        return f"/en/discussions/{SLUG}"
    return "/en/"


async def _get(http: httpx.AsyncClient, url: str, cookie: str | None) -> httpx.Response | None:
    http.cookies.clear()  # send only this person's cookies
    try:
        return await http.get(url, headers={"cookie": cookie} if cookie else None)
    except httpx.HTTPError:
        return None


@dataclass
class Person:
    base: str
    rng: random.Random
    think: float
    deadline: float

    async def pause(self) -> bool:
        """Think for a while; False when the time is up first."""
        wait = min(5 * self.think, self.rng.expovariate(1 / self.think))
        if time.perf_counter() + wait >= self.deadline:
            return False
        await asyncio.sleep(wait)
        return True


async def _reader(
    http: httpx.AsyncClient, person: Person, tally: Tally, account: Account | None
) -> None:
    cookie = f"forum_session={account.session_token}" if account else None
    async with http:
        for _ in range(MAX_REQUESTS_PER_USER):
            if not await person.pause():
                return
            sent = time.perf_counter()
            response = await _get(http, person.base + _read_path(person.rng), cookie)
            tally.record(sent, response.status_code if response else None, (200,))


async def _writer(
    http: httpx.AsyncClient,
    person: Person,
    soak: Soak,
    accounts: Callable[[], Account | None],
    writing: Writing,
) -> None:
    async with http:
        for _ in range(MAX_REQUESTS_PER_USER):
            if writing.current is None or writing.current.left == 0:
                account = accounts()
                if account is None:
                    return
                cookie = f"forum_session={account.session_token}"
                if not await person.pause():
                    return
                sent = time.perf_counter()
                url = (
                    f"{person.base}/en/discussions/{SLUG}/questions/{person.rng.choice(QUESTIONS)}"
                )
                response = await _get(http, url, cookie)
                soak.signed_in.record(sent, response.status_code if response else None, (200,))
                found = CSRF_FIELD.search(response.text) if response else None
                csrf = response.cookies.get("csrf") if response else None
                if found is None or csrf is None:
                    continue  # counted above; try again with the next account
                writing.current = Form(account, f"{cookie}; csrf={csrf}", found.group(1))
            if not await person.pause():
                return
            await post_once(http, person.base, writing, soak.writes)


async def _soak(
    server: Server, database_url: str, users: int, seconds: float, think: float, writing: float
) -> Soak:
    writers = round(users * writing)
    signed_readers = round((users - writers) * SIGNED_IN_READER_SHARE)
    posts_each = math.ceil(seconds / think) + 1
    accounts_needed = writers * (math.ceil(posts_each / POSTS_PER_ACCOUNT) + 1) + signed_readers
    accounts, targets = await add_accounts(database_url, max(1, accounts_needed))
    reader_accounts, writer_accounts = accounts[:signed_readers], iter(accounts[signed_readers:])
    soak = Soak(users=users)
    clients = [client() for _ in range(users)]  # before the clock: each costs an SSL context
    started = time.perf_counter()
    deadline = started + seconds
    texts = Texts(3)
    tasks = []
    for n in range(users):
        person = Person(server.base, random.Random(n), think, deadline)
        if n < writers:
            pen = Writing(iter(()), targets, texts)
            accounts_left = lambda: next(writer_accounts, None)  # noqa: E731
            tasks.append(_writer(clients[n], person, soak, accounts_left, pen))
        elif n < writers + signed_readers:
            account = reader_accounts[n - writers]
            tasks.append(_reader(clients[n], person, soak.signed_in, account))
        else:
            tasks.append(_reader(clients[n], person, soak.anonymous, None))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + DRAIN_SECONDS)
    soak.seconds = time.perf_counter() - started
    return soak


def run(
    posts: int, seconds: float, users: int, think: float, writing: float = WRITER_SHARE
) -> Soak:
    server_cpus, load_cpus = cpu_plan()
    with throwaway_database(posts, "forum-bench-soak-") as throwaway:
        url = throwaway.seeded.database_url
        print(f"bench: {posts} posts seeded in {throwaway.seeded.seconds:.1f} s")
        print(f"bench: CPU busy before the server starts: {check_quiet('before the run')}")
        server = start_server(
            "forum", ["--database-url", url], throwaway.workdir, server_cpus, throwaway.secret_key
        )
        try:
            wait_ready(server, "/healthz")
            check_loopback(server.base)
            cpu_before = server_cpu_seconds(server)
            with pinned(load_cpus):
                soak = asyncio.run(_soak(server, url, users, seconds, think, writing))
            soak.server_cpu = server_cpu_seconds(server) - cpu_before
            log = server.log.read_text(encoding="utf-8", errors="replace")
            soak.locked = log.count(LOCKED)
        finally:
            stop_server(server)
    print(
        f"bench: {users} people for {soak.seconds:.1f} s (think {think} s), server busy "
        f"{soak.server_cpu / soak.seconds:.0%} of a CPU; "
        f"anonymous reads: {soak.anonymous.summary()}"
    )
    print(f"bench: signed-in reads (forms included): {soak.signed_in.summary()}")
    writes = soak.writes
    print(
        f"bench: posts: {writes.ok} ok, p50 {percentile(writes.seconds, 0.5):.0f} ms, "
        f"p99 {percentile(writes.seconds, 0.99):.0f} ms, 5xx {soak.write_server_errors}, "
        f"other errors {soak.write_other_errors} {writes.samples or ''}; '{LOCKED}' {soak.locked}"
    )
    return soak


def figures_of(soak: Soak, think: float, writing: float) -> list[Figure]:
    readers, writes = soak.readers, soak.writes
    who = f"{soak.users} people, {writing:.0%} writing, {soak.seconds:.0f} s, think {think} s"
    reader_p99 = percentile(readers.seconds, 0.99)
    writer_p99 = percentile(writes.seconds, 0.99)
    server_errors = readers.server_errors + soak.write_server_errors
    other = readers.other_errors + soak.write_other_errors
    return [
        Figure(
            "soak",
            f"readers' p50/p99, {len(readers.seconds)} pages ({who})",
            f"{percentile(readers.seconds, 0.5):.0f} / {reader_p99:.0f} ms",
            f"p99 < {TARGET_P99_MS:.0f} ms",
            reader_p99 < TARGET_P99_MS,
        ),
        Figure(
            "soak",
            f"writers' p50/p99, {writes.ok} posts ({who})",
            f"{percentile(writes.seconds, 0.5):.0f} / {writer_p99:.0f} ms",
            f"p99 < {TARGET_P99_MS:.0f} ms",
            writer_p99 < TARGET_P99_MS,
        ),
        Figure(
            "soak",
            "5xx answers (other errors, 'database is locked')",
            f"{server_errors} ({other}, {soak.locked})",
            "0",
            server_errors == 0 and other == 0 and soak.locked == 0,
        ),
    ]


def soak_figures(
    posts: int = 1000,
    seconds: float = 60,
    users: int = 200,
    think: float = 2.0,
    writing: float = WRITER_SHARE,
) -> list[Figure]:
    """Seed, serve, run the mixed load and return its figures for the summary table."""
    return figures_of(run(posts, seconds, users, think, writing), think, writing)


def _bounded(
    low: float, high: float, name: str, cast: Callable[[str], float]
) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = cast(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be {low:g} to {high:,g}")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description="A bounded mixed load (issue 15, --soak).")
    parser.add_argument("--posts", type=_bounded(10, 100_000, "--posts", int), default=1000)
    parser.add_argument("--seconds", type=_bounded(1, MAX_SECONDS, "--seconds", int), default=60)
    parser.add_argument("--users", type=_bounded(1, MAX_USERS, "--users", int), default=200)
    parser.add_argument("--think", type=_bounded(0.2, 30, "--think", float), default=2.0)
    parser.add_argument(
        "--writing", type=_bounded(0, 0.5, "--writing", float), default=WRITER_SHARE
    )
    options = parser.parse_args()
    print_figures(
        soak_figures(
            int(options.posts), options.seconds, int(options.users), options.think, options.writing
        )
    )


if __name__ == "__main__":
    main()
