"""Time a question's first and fiftieth page of threads when it holds N posts.

Run:  .venv/bin/python bench/deep.py [--posts N] [--repeat R] [--database sqlite|postgresql]
      [--explain]

1. Seeds a throw-away database as bench/pages.py does (migrate, the demo, N approved posts in
   threads): a SQLite file in a temporary directory, or with `--database postgresql` a
   `bench_<hex>` database on the local server (postgresql+asyncpg://postgres@127.0.0.1:5432/),
   dropped at the end. Then it moves every bench thread onto question 1 of
   "skills-in-crisis", so that one question holds N posts (default 20,000).
2. Asks `forum.contributions.threads.question_threads` (the question page's one service:
   the counts, then the page's threads with their posts, tags and authors) for pages 1, 10
   and 50, oldest and newest first, R times each, and prints p50 and p95 in milliseconds
   with the statements each page cost and the ratio of page 50 to page 1.
3. With `--explain`, prints the plan of each statement page 50 runs (EXPLAIN ANALYZE on
   PostgreSQL, EXPLAIN QUERY PLAN on SQLite) and the indexes each one uses.

A script, not a test: it prints figures. It writes only to its temporary directory and its
own database, which it deletes at the end, and it is bounded: N at most 100,000, R at most 200.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from figures import Figure, print_figures  # noqa: E402
from pgdb import after_bulk_insert  # noqa: E402
from seed import DATABASES, throwaway_database  # noqa: E402

PAGES = (1, 10, 50)
TARGET = 1.3  # issue 15, P3: page 50 in at most 1.3 × page 1's p50


async def _one_question(url: str) -> tuple[int, int]:
    """Move the bench's posts onto question 1; return its id and how many posts it holds."""
    from sqlalchemy import func, select, update
    from sqlmodel import col

    from forum.db import Database
    from forum.models import Discussion, Post, Question

    db = Database(url)
    try:
        async with db.transaction() as session:
            discussion_id = await session.scalar(
                select(col(Discussion.id)).where(col(Discussion.slug) == "skills-in-crisis")
            )
            question_id = await session.scalar(
                select(col(Question.id)).where(
                    col(Question.discussion_id) == discussion_id, col(Question.number) == 1
                )
            )
            await session.execute(
                update(Post)
                .where(col(Post.discussion_id) == discussion_id, col(Post.question_id).is_not(None))
                .values(question_id=question_id)
            )
            held = await session.scalar(
                select(func.count()).select_from(Post).where(col(Post.question_id) == question_id)
            )
    finally:
        await db.dispose()
    if not db.is_sqlite:
        await after_bulk_insert(url)  # the planner's statistics after the move
    assert question_id is not None
    return question_id, int(held or 0)


async def _time_pages(url: str, question_id: int, repeat: int) -> dict[str, dict[int, float]]:
    """Print the table; return the p50 in ms of each page, by order."""
    from sqlalchemy import event

    from forum.contributions.threads import question_threads
    from forum.db import Database

    db = Database(url)
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    print("| order | page | threads a page | p50 ms | p95 ms | statements |")
    print("|---|---:|---:|---:|---:|---:|")
    results: dict[str, dict[int, float]] = {}
    try:
        for order in ("oldest", "newest"):
            medians = results.setdefault(order, {})
            for page in PAGES:
                timings = []
                for _ in range(repeat):
                    before = statements
                    started = time.perf_counter()
                    async with db.session() as session:
                        found = await question_threads(
                            session, question_id=question_id, viewer_id=None, order=order, page=page
                        )
                    timings.append((time.perf_counter() - started) * 1000)
                    spent = statements - before
                timings.sort()
                medians[page] = statistics.median(timings)
                p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
                print(
                    f"| {order} | {found.page} of {found.pages} | {len(found.threads)} "
                    f"| {medians[page]:.1f} | {p95:.1f} | {spent} |"
                )
            print(f"| {order} | page 50 ÷ page 1 | | {medians[50] / medians[1]:.2f} | | |")
    finally:
        await db.dispose()
    return results


async def _page_statements(url: str, question_id: int) -> list[tuple[str, Any]]:
    """The SELECTs page 50 (oldest first) sends, with their parameters as the driver got them."""
    from sqlalchemy import event

    from forum.contributions.threads import question_threads
    from forum.db import Database

    db = Database(url)
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", keep)
    try:
        async with db.session() as session:
            await question_threads(session, question_id=question_id, viewer_id=None, page=50)
    finally:
        await db.dispose()
    return sent


async def _plans(url: str, sent: list[tuple[str, Any]]) -> list[list[str]]:
    """Each statement's plan as lines of text, from the database itself."""
    plans = []
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(url.split(":///", 1)[1])
        try:
            for statement, parameters in sent:
                rows = connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
                plans.append([str(row[-1]) for row in rows])
        finally:
            connection.close()
        return plans
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    pg = await asyncpg.connect(dsn, timeout=10)
    try:
        for statement, parameters in sent:
            rows = await pg.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *parameters)
            plans.append([row[0] for row in rows])
    finally:
        await pg.close()
    return plans


_INDEX = re.compile(r"\b(ix_\w+|pk_\w+|sqlite_autoindex_\w+|\w+_pkey)\b|(INTEGER PRIMARY KEY)")
_FULL_SCAN = re.compile(r"^\s*(->\s*)?Seq Scan on posts\b|^\s*SCAN posts\b", re.MULTILINE)


def explain(url: str, question_id: int) -> None:
    """Print page 50's plans and, for each statement, the indexes it uses."""
    sent = asyncio.run(_page_statements(url, question_id))
    plans = asyncio.run(_plans(url, sent))
    for n, ((statement, _params), plan) in enumerate(zip(sent, plans, strict=True), 1):
        text = "\n".join(plan)
        used = sorted({m.group(1) or "rowid" for m in _INDEX.finditer(text)})
        scan = " FULL SCAN OF posts" if _FULL_SCAN.search(text) else ""
        print(f"\nstatement {n}: indexes {', '.join(used) or 'none'}{scan}")
        print("  " + " ".join(statement.split())[:300])
        print("\n".join("    " + line for line in plan))


def deep_figures(
    posts: int = 20_000, repeat: int = 20, database: str = "sqlite", show_plans: bool = False
) -> list[Figure]:
    """Seed, time the pages (printing the table) and return P3's figure for `database`."""
    with throwaway_database(posts, "forum-deep-bench-", database) as made:
        url = made.seeded.database_url
        question_id, held = asyncio.run(_one_question(url))
        print(
            f"bench: {database}, {made.seeded.posts} posts seeded in "
            f"{made.seeded.seconds:.1f} s; question 1 holds {held}",
            flush=True,
        )
        medians = asyncio.run(_time_pages(url, question_id, repeat))
        if show_plans:
            explain(url, question_id)
    ratio = medians["oldest"][50] / medians["oldest"][1]
    newest = medians["newest"][50] / medians["newest"][1]
    return [
        Figure(
            "P3",
            f"page 50 ÷ page 1 of a question holding {held:,} posts, p50, {database}",
            f"{ratio:.2f} (newest first {newest:.2f})",
            f"≤ {TARGET}",
            ratio <= TARGET and newest <= TARGET,
            f"page 1 {medians['oldest'][1]:.1f} ms, page 50 {medians['oldest'][50]:.1f} ms",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", choices=DATABASES, default="sqlite")
    parser.add_argument("--explain", action="store_true", help="print page 50's query plans")
    options = parser.parse_args()
    if not 1_000 <= options.posts <= 100_000 or not 1 <= options.repeat <= 200:
        raise SystemExit("bench: --posts from 1,000 to 100,000 and --repeat from 1 to 200")
    figures = deep_figures(options.posts, options.repeat, options.database, options.explain)
    print()
    print_figures(figures)


if __name__ == "__main__":
    main()
