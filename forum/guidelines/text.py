"""The community guidelines people read: one Markdown file per language, in sections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from forum.core.text import render_markdown

SECTION = re.compile(r"^## \{#([a-z][a-z-]*)\} (.+)$")


class GuidelinesError(Exception):
    """A guidelines file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    number: int
    heading: str
    html: str


@dataclass(frozen=True, slots=True)
class Guidelines:
    language: str
    title: str
    introduction_html: str
    sections: tuple[Section, ...]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


def parse_guidelines(text: str, *, language: str, source: str) -> Guidelines:
    """Split a guidelines file into its title, introduction and numbered sections."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise GuidelinesError(f"{source}:1: the file must start with '# ' and the title")
    title = lines[0][2:].strip()
    chunks: list[tuple[str, str, list[str]]] = [("", "", [])]
    for number, line in enumerate(lines[1:], start=2):
        match = SECTION.match(line)
        if match:
            if any(match.group(1) == chunk[0] for chunk in chunks):
                raise GuidelinesError(f"{source}:{number}: section {match.group(1)!r} twice")
            chunks.append((match.group(1), match.group(2).strip(), []))
        elif line.startswith("## "):
            raise GuidelinesError(f"{source}:{number}: a section heading needs an id: ## {{#id}}")
        else:
            chunks[-1][2].append(line)
    sections = tuple(
        Section(section_id, index, heading, render_markdown("\n".join(body)))
        for index, (section_id, heading, body) in enumerate(chunks[1:], start=1)
    )
    return Guidelines(language, title, render_markdown("\n".join(chunks[0][2])), sections)


def load_guidelines(directory: Path, languages: Sequence[str]) -> dict[str, Guidelines]:
    """Read every language's file; refuse files whose sections differ from the first's."""
    books: dict[str, Guidelines] = {}
    for language in languages:
        path = directory / f"{language}.md"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise GuidelinesError(f"{path}: cannot be read ({error.strerror})") from error
        books[language] = parse_guidelines(text, language=language, source=str(path))
    ids = {language: [s.id for s in book.sections] for language, book in books.items()}
    first = languages[0]
    for language, found in ids.items():
        if found != ids[first]:
            raise GuidelinesError(
                f"{directory / (language + '.md')}: sections {found} differ from "
                f"{first}.md's {ids[first]}"
            )
    return books
