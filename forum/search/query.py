"""What a reader typed in the search box, read into words, phrases and words to leave out.

The syntax is the one search engines taught everyone: words (all must be there), a phrase
in double quotes, `-word` (or `-"a phrase"`) to leave out. Everything else is a separator,
so FTS operators, brackets, stray quotes and markup are just text: no query is invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from forum.search.words import fold, stem, words

MAX_QUERY = 300  # characters read from the box; the rest is ignored
MAX_TERMS = 12  # words and phrases read from those; the rest is ignored
_PART = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


@dataclass(frozen=True, slots=True)
class Term:
    """A word, or a phrase of several, as typed (folded), to find or to leave out."""

    words: tuple[str, ...]
    excluded: bool = False

    def stems(self, language: str) -> tuple[str, ...]:
        return tuple(stem(word, language) for word in self.words)


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # what was read, as the search box shows it again
    terms: tuple[Term, ...] = field(default=())
    cut: bool = False  # the reader typed more than is read

    @property
    def wanted(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.excluded)

    @property
    def excluded(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.excluded)

    @property
    def searchable(self) -> bool:
        """Something to look for: at least one word that is not left out."""
        return bool(self.wanted)


def _folded_words(text: str) -> tuple[str, ...]:
    return tuple(part for match in words(text) for part in re.findall(r"\w+", fold(match.group())))


def parse_query(typed: str) -> Query:
    """Read what was typed; never fails, whatever it holds."""
    text = " ".join(typed.split())
    cut = len(text) > MAX_QUERY
    text = text[:MAX_QUERY]
    terms: list[Term] = []
    for match in _PART.finditer(text):
        phrase_minus, phrase, word_minus, word = match.groups()
        found = _folded_words(phrase if phrase is not None else word)
        if not found:
            continue
        # A phrase, or a word such as "covid-19" that holds several: its words in order.
        terms.append(Term(found, bool(phrase_minus if phrase is not None else word_minus)))
        if len(terms) >= MAX_TERMS:
            cut = cut or match.end() < len(text)
            break
    return Query(text=text, terms=tuple(dict.fromkeys(terms)), cut=cut)
