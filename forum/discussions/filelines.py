"""Where each part of a discussion file is written: the line a problem points at.

tomllib gives no positions, so this reads the text the way a person would: table headers
(`[title]`, the n-th `[[weeks]]`, `[[weeks.questions]]` inside it) and `key = value` lines.
A best effort: a place written some other way points at the nearest part that is found.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=(.*)$"
)


def _names(dotted: str) -> list[str]:
    return [name.strip().strip("\"'") for name in dotted.split(".")]


def _join(table: str, key: str) -> str:
    return f"{table}.{key}" if table else key


def _resolve(names: list[str], counts: dict[str, int]) -> str:
    """`weeks.questions` inside the second week is `weeks[2].questions`."""
    path = ""
    for name in names:
        path = _join(path, name)
        if path in counts:
            path = f"{path}[{counts[path]}]"
    return path


def place_lines(text: str) -> dict[str, int]:
    """Map every place found in `text` (`weeks[2].questions[1].text.fr`) to its line."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}  # an array of tables (with its parents' indices) -> entries
    table = ""
    closing = ""  # the quotes that end a multi-line string being skipped
    for number, line in enumerate(text.splitlines(), start=1):
        if closing:
            if closing in line:
                closing = ""
            continue
        header = _HEADER.match(line)
        if header:
            names = _names(header.group(2))
            if header.group(1) == "[[":
                array = _join(_resolve(names[:-1], counts), names[-1])
                counts[array] = counts.get(array, 0) + 1
                table = f"{array}[{counts[array]}]"
            else:
                table = _resolve(names, counts)
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault(_join(table, ".".join(_names(key.group(1)))), number)
            value = key.group(2)
            for quotes in ('"""', "'''"):
                if value.count(quotes) % 2 == 1:
                    closing = quotes
    return lines
