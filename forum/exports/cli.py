"""`forum export SLUG --format csv|json|jsonl`: every post, to stdout or a file, with progress.

The progress bar is a line redrawn on stderr when stderr is a terminal, as `forum worker`
draws its own: Python's own is enough for one counter, so no library is added for it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from forum.core.clock import SystemClock
from forum.db import Database
from forum.exports.formats import Format, export_chunks
from forum.exports.rows import Audience
from forum.exports.streaming import ExportSource, export_source, post_count
from forum.settings import Settings


class Progress:
    """A bar on stderr when it is a terminal; nothing at all otherwise (cron, pipes)."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.total, self.done, self.width = total, 0, width
        self.shown = self.stream.isatty() and total > 0

    def __call__(self, count: int) -> None:
        self.done += count
        if not self.shown:
            return
        filled = self.width * min(self.done, self.total) // self.total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


async def write_export(database: Database, source: ExportSource, form: Format, out: TextIO) -> int:
    """Write the export of `source` to `out`; return how many posts it held."""
    async with database.session() as session:
        progress = Progress(await post_count(session, source))
        async for chunk in export_chunks(session, source, form, progress=progress):
            out.write(chunk)
    return progress.done


async def run_export(settings: Settings, slug: str, form: Format, output: Path | None) -> int:
    """Export every post of `slug` for its moderators (the command line is theirs)."""
    database = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        async with database.session() as session:
            source = await export_source(
                session,
                slug=slug,
                audience=Audience.MODERATORS,
                user=None,
                now=SystemClock().now(),
                trusted=True,
            )
        if output is None:
            return await write_export(database, source, form, sys.stdout)
        with output.open("w", encoding="utf-8", newline="") as out:
            return await write_export(database, source, form, out)
    finally:
        await database.dispose()
