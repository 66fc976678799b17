"""The one order in which content falls back from the reader's language, and picking by it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_LANGUAGE = "en"  # the site's own language: the last resort before any text at all

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Localized:
    """A translated text and the language it is actually in (after any fallback)."""

    text: str
    language: str


def fallback_order(
    reader: str, discussion_languages: Sequence[str], default: str = DEFAULT_LANGUAGE
) -> tuple[str, ...]:
    """Return the languages to try, best first.

    The reader's language, then the discussion's first (its own) language, then the site's
    default, then the discussion's other languages; each once.
    """
    first, rest = discussion_languages[:1], discussion_languages[1:]
    return tuple(dict.fromkeys((reader, *first, default, *rest)))


def pick(texts: Mapping[str, T], order: Sequence[str]) -> tuple[T, str] | None:
    """Return the text in the first language of `order` that has one, with that language.

    Failing those, any text there is (the lowest language code, so every backend agrees);
    None when there is no text at all.
    """
    for language in order:
        if language in texts:
            return texts[language], language
    if not texts:
        return None
    language = min(texts)
    return texts[language], language


def localize(texts: Mapping[str, str], order: Sequence[str]) -> Localized:
    """Pick a text to show; an empty one, said to be in the reader's language, if none.

    A blank text counts as missing: an organiser may save one language before the others.
    """
    found = pick({language: text for language, text in texts.items() if text.strip()}, order)
    return Localized(*found) if found else Localized("", order[0])
