"""An export as text chunks, in CSV, JSON or JSON lines: the HTTP exports and the CLI share it.

JSON is one object: `{"discussion": ..., "audience": ..., "columns": [...], "posts": [...]}`;
other keys (the aggregate counts of open data) may join before `posts` without breaking readers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from forum.analysis.counts import DiscussionCounts
from forum.exports.aggregates import COUNT_COLUMNS, count_rows, counts_json
from forum.exports.csvfile import csv_header, csv_rows, csv_text, neutralise
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
    counts: DiscussionCounts | None = None,
) -> AsyncIterator[str]:
    """Yield the export of `source` in `form`, one chunk per batch of posts.

    `progress`, when given, hears how many posts each chunk held; `counts`, when given, go
    into a JSON export as its `counts` (open data), before the posts.
    """
    names = columns(source.audience)
    if form is Format.CSV:
        yield csv_header(names)
    elif form is Format.JSON:
        head: dict[str, object] = {
            "discussion": source.slug,
            "audience": source.audience.value,
            "columns": names,
        }
        if counts is not None:
            head["counts"] = counts_json(counts)
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


def counts_csv(counts: DiscussionCounts) -> str:
    """The aggregate counts as a CSV file (BOM, header, one row per value)."""
    rows = [[neutralise(value) for value in row] for row in count_rows(counts)]
    return csv_header(COUNT_COLUMNS) + csv_text(rows)


def export_filename(slug: str, form: Format, audience_suffix: str = "") -> str:
    """The file name an export is saved as: the slug's safe characters and the format."""
    safe = "".join(c for c in slug if c.isascii() and (c.isalnum() or c in "-_")) or "discussion"
    return f"{safe}{audience_suffix}.{form.value}"
