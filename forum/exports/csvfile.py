"""CSV that spreadsheet programs open as it is meant: UTF-8 with a BOM, formulas neutralised.

One row per post; a line break inside a text stays inside its quoted cell. A cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula by a
spreadsheet (formula injection): it gets a leading apostrophe, which the program shows as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from forum.exports.rows import Value

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TAG_SEPARATOR = ";"


def neutralise(text: str) -> str:
    """Return `text` as a spreadsheet shows it as text, never as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Value) -> str:
    """A row value as a CSV cell: lists joined, booleans and empty values spelt plainly."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)  # a negative number is data, not a formula
    if isinstance(value, list):
        return neutralise(TAG_SEPARATOR.join(value))
    return neutralise(value)


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """The CSV lines of `rows` (already cells), CRLF-terminated, quoted where needed."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def csv_header(names: Sequence[str]) -> str:
    """The first chunk of a CSV export: the BOM and the header row."""
    return BOM + csv_text([list(names)])


def csv_rows(rows: Iterable[dict[str, Value]], names: Sequence[str]) -> str:
    """The CSV lines of export rows, columns in the order of `names`."""
    return csv_text([cell(row[name]) for name in names] for row in rows)
