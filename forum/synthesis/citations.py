"""Citations in a synthesis: `[#123]`, `[#123 translated]` and the quoted passage before one.

A citation names a post by its id. A passage in quote marks (“…”, "…", «…», ‘…’) just
before it is a quotation: it must appear in the post, once whitespace and quote marks are
normalised. `[#123 translated]` says the passage is a translation: then only the post and its
author's consent are checked, not the wording.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import bleach

QUOTED = (
    r"(?:“(?P<curly>[^“”\n]+)”"
    r"|\"(?P<straight>[^\"\n]+)\""
    r"|«(?P<guillemets>[^«»\n]+)»"
    r"|‘(?P<single>[^‘’\n]+)’)"
)
CITATION = re.compile(
    rf"(?:{QUOTED}[ \t\u00a0]*)?\[#(?P<id>[0-9]{{1,9}})(?P<translated>[ \t]+translated)?\]"
)
# Quote marks of every kind count as one; they are dropped before comparing.
_QUOTE_MARKS = str.maketrans("", "", "\"'“”„‟‘’‚‛«»‹›`")


@dataclass(frozen=True, slots=True)
class Citation:
    """One `[#id]` in a text: where it is, the post it names, and any passage quoted."""

    start: int
    end: int
    line: int  # 1-based line of the text on which the citation stands
    post_id: int
    quote: str | None
    translated: bool


def find_citations(source: str) -> Iterator[Citation]:
    """Yield every citation of `source`, in order."""
    for match in CITATION.finditer(source):
        quote = next(
            (match[name] for name in ("curly", "straight", "guillemets", "single") if match[name]),
            None,
        )
        yield Citation(
            start=match.start(),
            end=match.end(),
            line=source.count("\n", 0, match.start()) + 1,
            post_id=int(match["id"]),
            quote=quote,
            translated=match["translated"] is not None,
        )


def normalise(text: str) -> str:
    """Fold a text for comparing quotations: NFKC, no quote marks, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS)
    return " ".join(folded.split()).casefold()


def plain_text(post_html: str) -> str:
    """The words a reader sees of a post's HTML, tags and entities removed."""
    return html.unescape(bleach.clean(post_html, tags=set(), strip=True))


def quote_appears(quote: str, source: str, post_html: str) -> bool:
    """Say whether `quote` is in the post, as its author typed it or as readers see it."""
    wanted = normalise(quote)
    if not wanted:
        return False
    return wanted in normalise(source) or wanted in normalise(plain_text(post_html))
