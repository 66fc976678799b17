"""The one place where Markdown becomes HTML and HTML is made safe."""

from __future__ import annotations

import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

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


def clean_html(html: str) -> str:
    """Keep only the allowed elements, attributes and link schemes of `html`."""
    safe: str = _cleaner.clean(html)
    return safe


def render_markdown(source: str) -> str:
    """Render CommonMark `source` to sanitised HTML with safe, marked links."""
    return clean_html(_linker.linkify(clean_html(_markdown.render(source))))
