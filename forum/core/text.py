"""What people write: the one test for unshowable characters, Markdown to HTML, safe HTML."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection

import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Control characters (Cc) draw nothing or garble a page; a lone surrogate (Cs) is not even
# text and cannot be stored as UTF-8. Format characters (Cf) are not refused: the zero-width
# joiner builds emoji (a woman technologist is three code points) and bidi marks order
# right-to-left names.
_UNSHOWABLE = frozenset({"Cc", "Cs"})
# The controls a multi-line text (a post, a summary) may hold: line breaks and tabs.
MULTILINE = frozenset("\n\r\t")

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": False})
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def _set_rel(
    attrs: dict[tuple[str | None, str], str], new: bool = False
) -> dict[tuple[str | None, str], str]:
    attrs[(None, "rel")] = LINK_REL
    return attrs


_linker = Linker(callbacks=[_set_rel], skip_tags={"pre", "code"}, parse_email=False)


def unshowable(text: str, *, allow: Collection[str] = frozenset()) -> bool:
    """Say whether `text` holds a control character (except those in `allow`) or a surrogate."""
    return any(unicodedata.category(ch) in _UNSHOWABLE and ch not in allow for ch in text)


def clean_html(html: str) -> str:
    """Keep only the allowed elements, attributes and link schemes of `html`."""
    safe: str = _cleaner.clean(html)
    return safe


def render_markdown(source: str) -> str:
    """Render CommonMark `source` to sanitised HTML with safe, marked links."""
    return clean_html(_linker.linkify(clean_html(_markdown.render(source))))
