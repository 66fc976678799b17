"""Streamed export benchmark: seed N posts, export them, print peak memory and time.

    .venv/bin/python bench/export.py [--posts N] [--format csv|json|jsonl]

Seeds a throw-away SQLite database in a temporary directory (the demo plus N approved posts,
as bench/pages.py does), then writes the moderators' export of the demo discussion to a file
there twice: once timed, once under tracemalloc for the peak of Python allocations. Prints
the figures and deletes the directory. Nothing is written elsewhere and nothing listens.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import tracemalloc
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from seed import SLUG, settings_for, throwaway_database  # noqa: E402

MIN_POSTS, MAX_POSTS = 10, 100_000


def _posts(text: str) -> int:
    value = int(text)
    if not MIN_POSTS <= value <= MAX_POSTS:
        raise argparse.ArgumentTypeError(f"between {MIN_POSTS} and {MAX_POSTS:,}")
    return value


async def _export(database_url: str, secret_key: str, form: str, out: Path) -> int:
    from forum.exports.cli import run_export
    from forum.exports.formats import Format

    return await run_export(settings_for(database_url, secret_key), SLUG, Format(form), out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=_posts, default=MAX_POSTS)
    parser.add_argument("--format", choices=["csv", "json", "jsonl"], default="csv")
    options = parser.parse_args(argv)
    print(f"bench: seeding {options.posts:,} posts ...", flush=True)
    with throwaway_database(options.posts, "forum-export-bench-") as made:
        workdir, seeded, secret_key = made.workdir, made.seeded, made.secret_key
        print(f"bench: seeded in {seeded.seconds:.1f} s", flush=True)
        out = workdir / f"export.{options.format}"
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        count = asyncio.run(_export(seeded.database_url, secret_key, options.format, out))
        seconds = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = out.stat().st_size
        tracemalloc.start()
        asyncio.run(_export(seeded.database_url, secret_key, options.format, out))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"bench: exported {count:,} posts as {options.format} ({size / 2**20:.1f} MiB) "
            f"in {seconds:.1f} s ({count / seconds:,.0f} posts/s)"
        )
        print(
            f"bench: peak Python allocations during the export (tracemalloc): "
            f"{peak / 2**20:.1f} MiB"
        )
        print(
            f"bench: process peak RSS {rss_after / 1024:.0f} MiB "
            f"(before the export: {rss_before / 1024:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
