"""PostgreSQL, `forum serve --workers 1` against `--workers 2` on the signed-in question page (P6).

Run:  .venv/bin/python bench/workers.py [--posts N] [--seconds S] [--connections C]

1. Seeds a throw-away PostgreSQL database on the local server as bench/pages.py seeds SQLite
   (`bench_<hex>` on postgresql+asyncpg://postgres@127.0.0.1:5432/, dropped at the end) and
   opens a session for one confirmed contributor (start_session, as signing in does).
2. Starts `forum serve --workers W` (the command, reading FORUM_* from its environment) for
   W = 1 then 2, unpinned, and loads the question page signed in
   (`wrk -H "Cookie: forum_session=..."`) for S seconds after a 1-second warm-up, once with
   wrk's threads on every CPU and once with wrk on one thread (`-t1`, pinned to the last CPU).
3. Prints req/s, p50, p99, the server's CPU time per request (its processes' user + system
   time over the run, from /proc, divided by the requests answered) and errors of each run,
   and the ratio of 2 workers to 1 for each wrk setting. The machine's CPUs are shared by the
   server's workers, PostgreSQL and wrk itself, so on 2 CPUs the ratio is bounded by them, not
   by the forum alone; the CPU time per request does not depend on how busy the machine is.

A script, not a test: it prints figures. Loopback only, its own temporary directory and
database (both deleted at the end, also on Ctrl-C), bounded: N at most 100,000, S at most 60,
C at most 256.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from figures import Figure, print_figures  # noqa: E402
from load import Load, check_loopback, parse_wrk  # noqa: E402
from seed import SLUG, throwaway_database  # noqa: E402
from servers import Server, free_port, stop_server, wait_ready  # noqa: E402
from signin import session_cookie  # noqa: E402

TARGET = 1.7  # issue 15, P6
QUESTION_PATH = f"/en/discussions/{SLUG}/questions/1"
SIGNED_IN = "bench.user00@example.org"
ROOT = Path(__file__).resolve().parent.parent  # the checkout whose `forum` is served
SERVE = "import sys; from forum.cli import main; sys.exit(main(sys.argv[1:]))"


def start_forum(workers: int, database_url: str, secret_key: str, workdir: Path) -> Server:
    """`forum serve --workers N` on a free loopback port, configured by its environment."""
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(":"),
        FORUM_ENV="test",
        FORUM_DATABASE_URL=database_url,
        FORUM_SECRET_KEY=secret_key,
        FORUM_BASE_URL=f"http://127.0.0.1:{port}",
        FORUM_DATA_DIR=str(workdir / "data"),
        PYTHONUNBUFFERED="1",
    )
    log = workdir / f"forum-{workers}.log"
    command = [sys.executable, "-c", SERVE, "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir
        )
    return Server(f"forum --workers {workers}", process, port, log)


def wrk(url: str, cookie: str, seconds: int, connections: int, threads: int) -> Load:
    """wrk on `url` with the session cookie; one thread is pinned to the last CPU.

    wrk's own CPU time is `children_cpu_seconds()` after it minus before it."""
    check_loopback(url)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "10s", "--latency", "-H", f"Cookie: {cookie}", url]
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []

    def pin() -> None:
        if threads == 1 and cpus:
            os.sched_setaffinity(0, {cpus[-1]})

    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, preexec_fn=pin, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


@dataclass
class Run:
    workers: int
    threads: int
    load: Load
    cpu_ms: float  # CPU time of the server's processes per request answered
    wrk_ms: float  # wrk's own CPU time per request
    busy: float  # share of the machine's CPU time in use during the load (all processes)


def children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's children that have ended (wrk's runs)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def machine_ticks() -> tuple[int, int]:
    """The machine's CPU ticks since boot from /proc/stat: (busy, all)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` and of its children now running (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # itself, or a child
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _signed_in_page(server: Server, cookie: str) -> int:
    """Check the page answers signed in (a sign-out form shows only then); return its size."""
    import httpx

    response = httpx.get(server.base + QUESTION_PATH, headers={"Cookie": cookie}, timeout=30.0)
    if response.status_code != 200 or "sign-out" not in response.text:
        raise SystemExit(f"bench: the signed-in question page answered {response.status_code}")
    return len(response.content)


def measure(
    workers: int, url: str, made_key: str, workdir: Path, cookie: str, seconds: int, conns: int
) -> list[Run]:
    server = start_forum(workers, url, made_key, workdir)
    try:
        wait_ready(server, "/healthz")
        wait_settled(server.process.pid)
        size = _signed_in_page(server, cookie)
        threads_all = max(1, min(os.cpu_count() or 1, conns))
        runs = []
        for threads in (threads_all, 1):
            print(
                f"bench: {workers} worker(s), wrk -t{threads}: {seconds} s, {conns} connections, "
                f"{size / 1024:.1f} KB page ...",
                flush=True,
            )
            wrk(server.base + QUESTION_PATH, cookie, 1, conns, threads)  # warm-up
            wait_settled(server.process.pid)
            before = cpu_seconds(server.process.pid)
            wrk_before, (busy_before, all_before) = children_cpu_seconds(), machine_ticks()
            load = wrk(server.base + QUESTION_PATH, cookie, seconds, conns, threads)
            wrk_spent, (busy_after, all_after) = (
                children_cpu_seconds() - wrk_before,
                machine_ticks(),
            )
            wait_settled(server.process.pid)
            spent = cpu_seconds(server.process.pid) - before
            answered = max(load.requests, 1)
            busy = (busy_after - busy_before) / max(all_after - all_before, 1)
            runs.append(
                Run(
                    workers,
                    threads,
                    load,
                    1000 * spent / answered,
                    1000 * wrk_spent / answered,
                    busy,
                )
            )
        if server.process.poll() is not None:
            raise SystemExit(f"bench: the forum exited:\n{server.log_tail()}")
        return runs
    finally:
        stop_server(server)


def workers_figures(posts: int = 1_000, seconds: int = 5, connections: int = 32) -> list[Figure]:
    """Seed PostgreSQL, load the signed-in page with 1 then 2 workers; print, return P6's rows."""
    if not shutil.which("wrk"):
        return [Figure("P6", "2 workers ÷ 1 on PostgreSQL", "-", f"≥ {TARGET}", None, "no wrk")]
    with throwaway_database(posts, "forum-workers-bench-", "postgresql") as made:
        url = made.seeded.database_url
        print(
            f"bench: {made.seeded.posts:,} posts seeded in {made.seeded.seconds:.1f} s", flush=True
        )
        cookie = asyncio.run(session_cookie(url, made.secret_key, SIGNED_IN))
        runs = []
        for workers in (1, 2):
            runs += measure(
                workers, url, made.secret_key, made.workdir, cookie, seconds, connections
            )
    print(f"machine: os.cpu_count()={os.cpu_count()}; PostgreSQL, the workers and wrk share them")
    print(
        "| workers | wrk threads | req/s | p50 ms | p99 ms | server CPU ms a request "
        "| wrk CPU ms a request | machine busy | errors |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for run in runs:
        load = run.load
        print(
            f"| {run.workers} | {run.threads} | {load.requests_per_second:,.0f} "
            f"| {load.p50_ms:.1f} | {load.p99_ms:.1f} | {run.cpu_ms:.2f} | {run.wrk_ms:.2f} "
            f"| {run.busy:.0%} | {load.errors} |"
        )
    figures = []
    for threads in sorted({run.threads for run in runs}, reverse=True):
        one, two = (
            next(r.load for r in runs if r.workers == w and r.threads == threads) for w in (1, 2)
        )
        ratio = two.requests_per_second / one.requests_per_second
        errors = one.errors + two.errors
        two_run = next(r for r in runs if r.workers == 2 and r.threads == threads)
        figures.append(
            Figure(
                "P6",
                f"signed-in question page, PostgreSQL, 2 workers ÷ 1, wrk -t{threads}",
                f"{ratio:.2f} ({one.requests_per_second:,.0f} → "
                f"{two.requests_per_second:,.0f} req/s)",
                f"≥ {TARGET}",
                ratio >= TARGET and errors == 0,
                f"{os.cpu_count()} CPUs shared with PostgreSQL and wrk, {two_run.busy:.0%} busy "
                f"with 2 workers; {errors} errors; CPU a request {runs_cpu(runs, 1, threads):.2f}"
                f" → {runs_cpu(runs, 2, threads):.2f} ms, wrk's {two_run.wrk_ms:.2f} ms",
            )
        )
    return figures


def wait_settled(pid: int, limit: float = 90.0) -> None:
    """Wait until the server and its workers use under 5 % of a CPU: every worker has started
    (each loads the language model, seconds of CPU) and the last load's backlog is done."""
    deadline = time.monotonic() + limit
    previous = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        current = cpu_seconds(pid)
        if current - previous < 0.5 * 0.05:
            return
        previous = current
    print(f"bench: WARNING: the server was still busy after {limit:.0f} s")


def runs_cpu(runs: list[Run], workers: int, threads: int) -> float:
    return next(r.cpu_ms for r in runs if r.workers == workers and r.threads == threads)


def _interrupted(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    if not 10 <= options.posts <= 100_000 or not 1 <= options.seconds <= 60:
        raise SystemExit("bench: --posts from 10 to 100,000 and --seconds from 1 to 60")
    if not 1 <= options.connections <= 256:
        raise SystemExit("bench: --connections from 1 to 256")
    signal.signal(signal.SIGTERM, _interrupted)  # unwinds: servers stopped, database dropped
    started = time.monotonic()
    figures = workers_figures(options.posts, options.seconds, options.connections)
    print(f"bench: done in {time.monotonic() - started:.0f} s\n")
    print_figures(figures)


if __name__ == "__main__":
    main()
