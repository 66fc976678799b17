"""The privacy page's text: a Markdown file per language in `forum/data`, rendered once.

A file is an introduction, then sections each opened by a `## ` line: the page shows them
as its own h2 headings (render_markdown keeps no heading that high), each with an anchor.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from forum.core.errors import NotFound
from forum.core.text import render_markdown

TEXTS = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    heading: str
    html: str


@dataclass(frozen=True, slots=True)
class PrivacyText:
    introduction_html: str
    sections: tuple[Section, ...]


def parse_privacy(source: str) -> PrivacyText:
    """Split the Markdown at its `## ` lines and render each part."""
    chunks: list[tuple[str, list[str]]] = [("", [])]
    for line in source.splitlines():
        if line.startswith("## "):
            chunks.append((line[3:].strip(), []))
        else:
            chunks[-1][1].append(line)
    sections = tuple(
        Section(f"s{number}", heading, render_markdown("\n".join(lines)))
        for number, (heading, lines) in enumerate(chunks[1:], start=1)
    )
    return PrivacyText(render_markdown("\n".join(chunks[0][1])), sections)


@cache
def privacy_text(language: str) -> PrivacyText:
    """The privacy text in `language`; NotFound when there is none in that language."""
    path = TEXTS / f"privacy.{language}.md"
    if not language.isalpha() or not path.is_file():
        raise NotFound(language)
    return parse_privacy(path.read_text(encoding="utf-8"))
