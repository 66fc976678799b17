"""Words as the index sees them: accents folded, lower-cased, stemmed in their own language.

Snowball stemmers (PyStemmer, the C build of the Snowball algorithms PostgreSQL also uses)
for English, Spanish and French: `formación`, `formacion` and `formaciones` all become
`formacion`; `apprentissages` becomes `apprentissag`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache

import Stemmer

# The languages the index stems, by the code posts and texts carry.
STEMMERS = {"en": "english", "es": "spanish", "fr": "french"}
SEARCH_LANGUAGES = tuple(STEMMERS)
WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORD = 60  # longer "words" are noise (a pasted link, a hash): not indexed, not searched


def fold(text: str) -> str:
    """Lower-case `text` and take the accents off its letters (ñ → n, œ stays a letter)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(STEMMERS.get(language, "english"))


def stem(word: str, language: str) -> str:
    """Return the stem of one folded word in `language` (English for any other)."""
    result: str = _stemmer(language).stemWord(word)
    return result


@lru_cache(maxsize=65_536)
def word_stem(word: str, language: str) -> str:
    """The stem of one word as written (folded first); words repeat, so it is remembered."""
    return stem(fold(word), language)


def words(text: str) -> Iterator[re.Match[str]]:
    """The words of `text` where they stand (their span lets a highlighter mark them)."""
    for match in WORD.finditer(text):
        if len(match.group()) <= MAX_WORD and match.group() != "_" * len(match.group()):
            yield match


def stems(text: str, language: str) -> list[str]:
    """The stems of the words of `text`, in order: what the SQLite index holds."""
    found: list[str] = []
    for match in words(text):
        found.extend(stem(part, language) for part in WORD.findall(fold(match.group())))
    return found
