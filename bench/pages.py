"""Load the forum's busiest read pages and compare them with a bare Jinja2 page.

Run:  .venv/bin/python bench/pages.py [--posts N] [--seconds S] [--connections C]

1. Seeds a throw-away SQLite database in a temporary directory (migrate, the demo, then N
   approved posts in threads over questions 1-6 of "skills-in-crisis"), and a second one
   with 10 posts to check that the question page costs the same number of SQL statements.
2. Serves the forum with uvicorn in a subprocess, and in another subprocess a bare Starlette
   app that renders the forum's question page HTML through a Jinja2 template, no database.
3. Loads each page with wrk (or, if wrk is missing, a bounded httpx loader) on loopback only.
4. Prints requests/s, p50/p99 latency, the ratio to the bare page, the HTML size and the
   SQL statements each page costs. Absolute numbers drift; compare the ratios.

The steps live beside this file: texts.py and seed.py (1), measure.py (the statement counts),
servers.py (2) and load.py (3); this module parses the options, runs them and prints the table.

See bench/README.md. This is a script, not a test: it prints figures, and exits non-zero
only when a page does not answer 200 or the question page's statement count depends on N.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The sibling modules, whether this runs as `python bench/pages.py` or a server subprocess.
_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from figures import Figure, print_figures  # noqa: E402
from load import Load, check_quiet, fetch, python_load, wrk_load  # noqa: E402
from measure import InProcess, measure_in_process  # noqa: E402
from seed import MAX_DEPTH, SLUG, Seeded, seed_database  # noqa: E402
from servers import (  # noqa: E402
    Server,
    cpu_plan,
    serve_bare,
    serve_forum,
    start_server,
    stop_server,
    versions,
    wait_idle,
    wait_ready,
)

MAX_POSTS = 100_000
MAX_SECONDS = 60
MAX_CONNECTIONS = 200
REFERENCE_POSTS = 10  # the small database the question page's statement count is checked on
WARM_UP_SECONDS = 1
ROUTES = (
    ("question", f"/en/discussions/{SLUG}/questions/1"),
    ("discussion", f"/en/discussions/{SLUG}"),
    ("home", "/en/"),
)
QUESTION_PATH = ROUTES[0][1]

Loader = Callable[[str, int, int, set[int] | None], Load]


@dataclass
class Row:
    route: str
    path: str
    load: Load
    size: int
    in_process: InProcess | None  # None for the bare page, which has no database
    ceiling: float | None = None  # req/s of this page's bytes from the bare app, for a page


@dataclass
class Plan:
    """What a run decided before seeding, and the servers it has started so far."""

    options: argparse.Namespace
    loader: str  # "wrk" or "python"
    server_cpus: set[int] | None
    load_cpus: set[int] | None
    secret_key: str
    workdir: Path
    servers: list[Server] = field(default_factory=list)


@dataclass
class Served:
    forum: Server
    bare: Server
    pages: dict[str, bytes]  # the forum's pages by path, fetched once
    bare_html: bytes


def print_table(rows: list[Row]) -> None:
    bare = rows[0].load.requests_per_second
    header = (
        "route",
        "req/s",
        "p50 ms",
        "p99 ms",
        "÷ bare",
        "÷ ceiling",
        "HTML KB",
        "SQL stmts",
        "cached",
        "1 req ms",
        "DB ms",
        "render ms",
        "errors",
    )
    table = [header]
    for row in rows:
        inner = row.in_process
        table.append(
            (
                f"{row.route} {row.path}",
                f"{row.load.requests_per_second:,.0f}",
                f"{row.load.p50_ms:.2f}",
                f"{row.load.p99_ms:.2f}",
                f"{row.load.requests_per_second / bare:.3f}" if bare else "-",
                f"{row.load.requests_per_second / row.ceiling:.3f}" if row.ceiling else "-",
                f"{row.size / 1024:.1f}",
                "0" if inner is None else str(inner.statements),
                "0" if inner is None else str(inner.cached_statements),
                "-" if inner is None else f"{inner.request_ms:.1f}",
                "-" if inner is None else f"{inner.db_ms:.1f}",
                "-" if inner is None else f"{inner.render_ms:.1f}",
                str(row.load.errors),
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for n, line in enumerate(table):
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        print("| " + " | ".join(cells) + " |")
        if n == 0:
            print(
                "|"
                + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths))
                + "|"
            )


def page_figures(rows: list[Row]) -> list[Figure]:
    """P1: each anonymous page's cache hits over its same-bytes ceiling."""
    figures = []
    for row in rows:
        if row.ceiling:
            ratio = row.load.requests_per_second / row.ceiling
            figures.append(
                Figure(
                    "P1",
                    f"anonymous {row.route} page (cache hit) ÷ its same-bytes ceiling",
                    f"{ratio:.2f} ({row.load.requests_per_second:,.0f} ÷ {row.ceiling:,.0f} req/s)",
                    "≥ 0.5",
                    ratio >= 0.5 and row.load.errors == 0,
                    f"{row.load.errors} errors" if row.load.errors else "",
                    {"requests_per_second": row.load.requests_per_second},
                )
            )
    return figures


def choose_loader(loader: str) -> str:
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "python"
        if loader == "python":
            print(
                "bench: NOTE: wrk is not installed (Debian: apt-get install wrk); falling back "
                "to a bounded Python loader, which is slower than the server and shares the "
                "CPU budget: its figures are far less trustworthy than wrk's."
            )
    return loader


def seed_both(plan: Plan, password_hash: str) -> tuple[Seeded, Seeded]:
    """Seed the database the pages are loaded on and the small reference one."""
    rendered: dict[str, str] = {}
    main = seed_database(
        plan.workdir / "bench.db", plan.options.posts, plan.secret_key, password_hash, rendered
    )
    reference = seed_database(
        plan.workdir / "reference.db", REFERENCE_POSTS, plan.secret_key, password_hash, rendered
    )
    print(
        f"bench: {main.posts} posts in {main.threads} threads "
        f"({main.threads_on_question_1} on question 1), depth up to {main.max_depth}, "
        f"{main.capped_replies} replies beside a depth-{MAX_DEPTH} parent, "
        f"{len(rendered)} distinct texts rendered once each; seeded in "
        f"{main.seconds:.1f} s (+{reference.seconds:.1f} s for the {REFERENCE_POSTS}-post "
        "database)",
        flush=True,
    )
    return main, reference


def start_both(plan: Plan, database_url: str, paths: list[str]) -> Served:
    """Start the forum, fetch its pages, then start the bare app on the question page."""
    forum = start_server(
        "forum", ["--database-url", database_url], plan.workdir, plan.server_cpus, plan.secret_key
    )
    plan.servers.append(forum)
    wait_ready(forum, "/healthz")
    pages = {path: fetch(forum.base + path) for path in paths}
    saved = plan.workdir / "pages"
    saved.mkdir()
    for name, path in ROUTES:  # each page's own bytes, for its ceiling
        (saved / f"{name}.html").write_bytes(pages[path])
    html_file = saved / "question.html"
    bare = start_server(
        "bare", ["--html-file", str(html_file)], plan.workdir, plan.server_cpus, plan.secret_key
    )
    plan.servers.append(bare)
    wait_ready(bare, "/")
    bare_html = fetch(bare.base + "/")
    if bare_html != pages[QUESTION_PATH]:
        print("bench: WARNING: the bare page differs from the saved question page")
    return Served(forum, bare, pages, bare_html)


def load_all(
    plan: Plan, load: Loader, served: Served, in_process: dict[str, InProcess]
) -> list[Row]:
    """Load the bare page, then each route, after a warm-up and until the server is idle."""
    options = plan.options
    targets: list[tuple[str, str, Server, InProcess | None]] = [("bare", "/", served.bare, None)]
    for name, path in ROUTES:  # each page's same-bytes ceiling (no template), then the page
        targets.append(("ceiling", f"/bytes/{name}", served.bare, None))
        targets.append((name, path, served.forum, in_process[path]))
    rows: list[Row] = []
    for name, path, server, measured in targets:
        url = server.base + path
        print(
            f"bench: {name}: {options.seconds} s, {options.connections} connections ...", flush=True
        )
        load(url, min(WARM_UP_SECONDS, options.seconds), options.connections, plan.load_cpus)
        result = load(url, options.seconds, options.connections, plan.load_cpus)
        wait_idle(server)
        if path.startswith("/bytes/"):
            size = len(served.pages[dict(ROUTES)[path.removeprefix("/bytes/")]])
        else:
            size = len(served.bare_html) if server is served.bare else len(served.pages[path])
        # A page's ceiling is the row loaded just before it: the same bytes, no forum.
        ceiling = rows[-1].load.requests_per_second if server is served.forum else None
        rows.append(Row(name, path, result, size, measured, ceiling))
        for other in plan.servers:
            if other.process.poll() is not None:
                raise SystemExit(f"bench: the {other.name} server died:\n{other.log_tail()}")
    return rows


def print_config(plan: Plan, posts: int, busy_before: str, busy_after: str) -> None:
    options, server_cpus = plan.options, plan.server_cpus
    for line in versions(plan.loader):
        print(line)
    pinning = (
        f"server pinned to CPU {sorted(server_cpus)}, load generator to "
        f"{sorted(plan.load_cpus or [])}"
        if server_cpus
        else "no CPU pinning (one CPU)"
    )
    print(
        f"config: {posts} posts, {options.seconds} s per route (+{WARM_UP_SECONDS} s "
        f"warm-up), {options.connections} connections, one uvicorn worker each; {pinning}; "
        f"CPU busy with servers idle: {busy_before} before, {busy_after} after"
    )


def print_counts(
    main: Seeded, reference: Seeded, question_count: int, reference_count: int
) -> None:
    equal = "equal" if question_count == reference_count else "NOT EQUAL"
    print(
        f"SQL statements on the question page: {question_count} with {main.posts} posts, "
        f"{reference_count} with {REFERENCE_POSTS} posts ({reference.threads_on_question_1} "
        f"thread(s) there) -> {equal}"
    )
    print("÷ bare: req/s of the route over req/s of the bare Jinja2 page, in this run.")
    print(
        "÷ ceiling: over req/s of the page's same bytes sent by a bare Starlette app (no "
        "template, no database), loaded just before it."
    )
    print(
        "SQL stmts (BEGIN included), 1 req ms, DB ms (awaiting AsyncSession: SQL, "
        "async bridge, ORM), render ms (Jinja2): one anonymous request alone, in this "
        "process through httpx.ASGITransport, median of 20."
    )


def run(options: argparse.Namespace) -> list[Figure]:
    """Seed, measure in process, serve, load every route; print the table; return P1."""
    from forum.accounts.passwords import hash_password

    loader = choose_loader(options.loader)
    server_cpus, load_cpus = cpu_plan()
    load: Loader = wrk_load if loader == "wrk" else python_load
    plan = Plan(
        options,
        loader,
        server_cpus,
        load_cpus,
        secrets.token_urlsafe(48),
        Path(tempfile.mkdtemp(prefix="forum-bench-")),
    )
    try:
        print(f"bench: seeding in {plan.workdir} ...", flush=True)
        password_hash = hash_password(secrets.token_urlsafe(16))  # argon2: once, shared
        main, reference = seed_both(plan, password_hash)
        paths = [path for _name, path in ROUTES]
        in_process = asyncio.run(measure_in_process(main.database_url, plan.secret_key, paths))
        reference_count = asyncio.run(
            measure_in_process(reference.database_url, plan.secret_key, [QUESTION_PATH], repeat=2)
        )[QUESTION_PATH].statements
        served = start_both(plan, main.database_url, paths)
        busy_before = check_quiet("before loading")
        rows = load_all(plan, load, served, in_process)
        busy_after = check_quiet("after loading")
        print()
        print_config(plan, main.posts, busy_before, busy_after)
        print()
        print_table(rows)
        print()
        question_count = in_process[QUESTION_PATH].statements
        print_counts(main, reference, question_count, reference_count)
        if question_count != reference_count:
            sys.exit(1)
        return page_figures(rows)
    finally:
        for server in reversed(plan.servers):
            stop_server(server)
        shutil.rmtree(plan.workdir, ignore_errors=True)


def bounded(low: int, high: int, what: str, cap: bool) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"{what} must be at least {low}")
        if value > high:
            if not cap:
                raise argparse.ArgumentTypeError(f"{what} may be at most {high:,}")
            print(f"bench: {what} capped at {high}")
            return high
        return value

    return parse


def _interrupted(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Load the forum's read pages and compare them with a bare Jinja2 page."
    )
    parser.add_argument(
        "--posts",
        type=bounded(REFERENCE_POSTS, MAX_POSTS, "--posts", False),
        default=1000,
        help=f"approved posts to seed (<= {MAX_POSTS:,})",
    )
    parser.add_argument(
        "--seconds",
        type=bounded(1, MAX_SECONDS, "--seconds", True),
        default=10,
        help=f"seconds per route (capped at {MAX_SECONDS})",
    )
    parser.add_argument(
        "--connections",
        type=bounded(1, MAX_CONNECTIONS, "--connections", True),
        default=50,
        help=f"concurrent connections (capped at {MAX_CONNECTIONS})",
    )
    parser.add_argument(
        "--loader",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk if installed (auto), or the Python one",
    )
    # Internal: how the script starts its own servers.
    parser.add_argument("--serve", choices=("forum", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--html-file", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve == "forum":
        serve_forum(options.database_url, options.port)
    elif options.serve == "bare":
        serve_bare(options.html_file, options.port)
    else:
        if options.loader == "wrk" and not shutil.which("wrk"):
            parser.error("wrk is not installed (Debian: apt-get install wrk)")
        # Ctrl-C and SIGTERM both unwind through run()'s finally, which stops the servers.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupted)
        try:
            figures = run(options)
        except KeyboardInterrupt:
            print("\nbench: interrupted; servers stopped", file=sys.stderr)
            sys.exit(130)
        print()
        print_figures(figures)


if __name__ == "__main__":
    main()
