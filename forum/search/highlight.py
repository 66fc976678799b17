"""The passage of a text that matches a search, with the matching words marked.

One highlighter for both back-ends: it reads the original text (never the query as HTML),
stems its words as the index did, marks those whose stem the query looks for, and keeps
the window of words with the most marks. Everything is escaped; only <mark> is added.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from forum.search.query import Query
from forum.search.words import stem, word_stem, words

PASSAGE_WORDS = 40


def wanted_stems(query: Query, language: str) -> frozenset[str]:
    """The stems of the words the query looks for, as a text in `language` holds them."""
    return frozenset(stem(word, language) for term in query.wanted for word in term.words)


def passage(text: str, language: str, query: Query, size: int = PASSAGE_WORDS) -> Markup:
    """Return about `size` words of `text` around its best match, the matches in <mark>."""
    found = list(words(text))
    if not found:
        return Markup("")
    looked_for = wanted_stems(query, language)
    hits = [word_stem(match.group(), language) in looked_for for match in found]
    start = _best_window(hits, size)
    end = min(len(found), start + size)
    pieces: list[str] = ["… " if start > 0 else ""]
    cursor = found[start].start()
    for index in range(start, end):
        match = found[index]
        pieces.append(escape(text[cursor : match.start()]))
        word = escape(match.group())
        pieces.append(f"<mark>{word}</mark>" if hits[index] else word)
        cursor = match.end()
    if end < len(found):
        pieces.append(" …")
    else:
        pieces.append(escape(text[cursor:]))
    return Markup("".join(pieces).strip())


def _best_window(hits: list[bool], size: int) -> int:
    """The first word of the window of `size` words holding the most hits (the earliest)."""
    if len(hits) <= size:
        return 0
    current = best = sum(hits[:size])
    best_start = 0
    for start in range(1, len(hits) - size + 1):
        current += hits[start + size - 1] - hits[start - 1]
        if current > best:
            best, best_start = current, start
    # Start a little before the first hit, so the passage reads as a sentence would.
    first = next((index for index in range(best_start, best_start + size) if hits[index]), None)
    if first is not None and first - best_start > size // 2:
        best_start = min(first - 3, len(hits) - size)
    return max(0, best_start)
