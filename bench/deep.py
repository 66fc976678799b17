"""Time a question's first and fiftieth page of threads when it holds N posts (SQLite).

Run:  .venv/bin/python bench/deep.py [--posts N] [--repeat R]

1. Seeds a throw-away SQLite database as bench/pages.py does (migrate, the demo, N approved
   posts in threads), then moves every bench thread onto question 1 of "skills-in-crisis",
   so that one question holds N posts (default 20,000).
2. Asks `forum.contributions.threads.question_threads` (the question page's one service:
   the counts, then the page's threads with their posts, tags and authors) for pages 1, 10
   and 50, oldest and newest first, R times each, and prints p50 and p95 in milliseconds
   with the statements each page cost and the ratio of page 50 to page 1.

A script, not a test: it prints figures. It writes only to its temporary directory, which it
deletes at the end, and it is bounded: N at most 100,000, R at most 200.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from seed import throwaway_database  # noqa: E402

PAGES = (1, 10, 50)


async def _one_question(url: str) -> tuple[int, int]:
    """Move the bench's posts onto question 1; return its id and how many posts it holds."""
    from sqlalchemy import func, select, update

    from forum.db import Database
    from forum.models import Discussion, Post, Question

    db = Database(url)
    try:
        async with db.transaction() as session:
            discussion_id = await session.scalar(
                select(Discussion.id).where(Discussion.slug == "skills-in-crisis")
            )
            question_id = await session.scalar(
                select(Question.id).where(
                    Question.discussion_id == discussion_id, Question.number == 1
                )
            )
            await session.execute(
                update(Post)
                .where(Post.discussion_id == discussion_id, Post.question_id.is_not(None))  # type: ignore[union-attr]
                .values(question_id=question_id)
            )
            held = await session.scalar(
                select(func.count()).select_from(Post).where(Post.question_id == question_id)
            )
    finally:
        await db.dispose()
    assert question_id is not None
    return question_id, int(held or 0)


async def _time_pages(url: str, question_id: int, repeat: int) -> None:
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
    try:
        for order in ("oldest", "newest"):
            medians = {}
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    if not 1_000 <= options.posts <= 100_000 or not 1 <= options.repeat <= 200:
        raise SystemExit("bench: --posts from 1,000 to 100,000 and --repeat from 1 to 200")
    with throwaway_database(options.posts, "forum-deep-bench-") as made:
        url = made.seeded.database_url
        question_id, held = asyncio.run(_one_question(url))
        print(
            f"bench: {made.seeded.posts} posts seeded in {made.seeded.seconds:.1f} s; "
            f"question 1 holds {held}"
        )
        asyncio.run(_time_pages(url, question_id, options.repeat))


if __name__ == "__main__":
    main()
