"""The privacy page's text: a Markdown file per language in `forum/data`, rendered once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from forum.core.errors import NotFound
from forum.core.text import render_markdown

TEXTS = Path(__file__).resolve().parent.parent / "data"


@cache
def privacy_html(language: str) -> str:
    """The privacy text in `language` as sanitised HTML, its headings under the page's h1."""
    path = TEXTS / f"privacy.{language}.md"
    if not language.isalpha() or not path.is_file():
        raise NotFound(language)
    return render_markdown(path.read_text(encoding="utf-8"), headings_below=1)
