"""An export as text chunks, in CSV, JSON or JSON lines: the HTTP exports and the CLI share it.

JSON is one object: `{"discussion": ..., "audience": ..., "columns": [...], "posts": [...]}`;
other keys (the aggregate counts of open data) may join before `posts` without breaking readers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from forum.exports.csvfile import csv_header, csv_rows
from forum.exports.rows import columns, export_row
from forum.exports.streaming import BATCH, ExportSource, post_batches


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"


MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.JSON: "application/json",
    Format.JSONL: "application/x-ndjson",
}


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def export_chunks(
    session: AsyncSession,
    source: ExportSource,
    form: Format,
    *,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> AsyncIterator[str]:
    """Yield the export of `source` in `form`, one chunk per batch of posts.

    `progress`, when given, hears how many posts each chunk held.
    """
    names = columns(source.audience)
    if form is Format.CSV:
        yield csv_header(names)
    elif form is Format.JSON:
        head = {"discussion": source.slug, "audience": source.audience.value, "columns": names}
        yield _json(head)[:-1] + ',"posts":['
    first = True
    async for records in post_batches(session, source, batch=batch):
        rows = [export_row(record, source.audience) for record in records]
        if form is Format.CSV:
            yield csv_rows(rows, names)
        elif form is Format.JSONL:
            yield "".join(_json(row) + "\n" for row in rows)
        else:
            yield ("" if first else ",") + ",".join(_json(row) for row in rows)
        first = False
        if progress is not None:
            progress(len(rows))
    if form is Format.JSON:
        yield "]}\n"


def export_filename(slug: str, form: Format, audience_suffix: str = "") -> str:
    """The file name an export is saved as: the slug's safe characters and the format."""
    safe = "".join(c for c in slug if c.isascii() and (c.isalnum() or c in "-_")) or "discussion"
    return f"{safe}{audience_suffix}.{form.value}"
