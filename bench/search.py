"""Time the search service over N posts on SQLite (default 100,000), in process.

Run:  .venv/bin/python bench/search.py [--posts N] [--repeat R]

1. Seeds a throw-away SQLite database in a temporary directory as bench/pages.py does
   (migrate, the demo, N approved posts in English, Spanish and French), then fills the
   search index with the statements the services use, and says how long that took.
2. Runs each kind of query R times through `forum.search.searching.search` (the page's one
   service: the count, a page of 20 results with their passages, titles and questions),
   and prints p50 and p95 in milliseconds with the number of matching posts.

A script, not a test: it prints figures. It writes only to its temporary directory, which
it deletes at the end, and it is bounded: N at most 200,000, R at most 200.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from seed import SLUG, throwaway_database  # noqa: E402

# (what it shows, the query, the filters): each a kind of search a reader makes.
QUERIES: list[tuple[str, str, dict[str, object]]] = [
    ("common word (en)", "apprentices", {}),
    ("accents folded (es)", "formacion", {}),
    ("stemmed plural (fr)", "apprentissages", {}),
    ("two words", "radio programme", {}),
    ("phrase", '"mobile data"', {}),
    ("word left out", "apprentices -laptop", {}),
    ("rare word", "simulation", {}),
    ("no match", "zeppelin", {}),
    (
        "filtered: Spanish, question 3",
        "taller",
        {"language": "es", "discussion": SLUG, "question": 3},
    ),
    ("newest first", "apprentices", {"sort": "date"}),
    ("page 40", "apprentices", {"page": 40}),
]


async def index_posts(url: str) -> tuple[int, float]:
    from sqlalchemy import text

    from forum.db import Database
    from forum.search.indexing import post_params, post_statement

    started = time.perf_counter()
    db = Database(url)
    count, last = 0, 0
    try:
        while True:
            async with db.transaction() as session:
                rows = (
                    await session.execute(
                        text(
                            "SELECT id, language, html FROM posts WHERE id > :last "
                            "ORDER BY id LIMIT 5000"
                        ),
                        {"last": last},
                    )
                ).all()
                if not rows:
                    break
                await session.execute(
                    text("DELETE FROM post_search WHERE rowid > :last AND rowid <= :upto"),
                    {"last": last, "upto": rows[-1][0]},
                )
                await session.execute(
                    text(post_statement("sqlite")),
                    [post_params("sqlite", *row) for row in rows],
                )
            count += len(rows)
            last = rows[-1][0]
    finally:
        await db.dispose()
    return count, time.perf_counter() - started


async def time_queries(url: str, repeat: int) -> None:
    from forum.db import Database
    from forum.search.query import parse_query
    from forum.search.searching import Filters, search

    db = Database(url)
    now = datetime.now(UTC) + timedelta(minutes=1)
    print("| query | matches | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    try:
        for label, typed, given in QUERIES:
            options = dict(given)
            page = int(options.pop("page", 1))  # type: ignore[call-overload]
            filters = Filters(**options)  # type: ignore[arg-type]
            query = parse_query(typed)
            timings, total = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                async with db.session() as session:
                    results = await search(
                        session, query, filters, language="en", now=now, page=page
                    )
                timings.append((time.perf_counter() - started) * 1000)
                total = results.total
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
            print(f"| {label} | {total} | {statistics.median(timings):.1f} | {p95:.1f} |")
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args()
    if not 10 <= options.posts <= 200_000 or not 1 <= options.repeat <= 200:
        raise SystemExit("bench: --posts from 10 to 200,000 and --repeat from 1 to 200")
    with throwaway_database(options.posts, "forum-search-bench-") as made:
        url = made.seeded.database_url
        print(f"bench: {made.seeded.posts} posts seeded in {made.seeded.seconds:.1f} s", flush=True)
        indexed, seconds = asyncio.run(index_posts(url))
        print(
            f"bench: {indexed} posts indexed in {seconds:.1f} s ({indexed / seconds:,.0f} posts/s)",
            flush=True,
        )
        asyncio.run(time_queries(url, options.repeat))


if __name__ == "__main__":
    main()
