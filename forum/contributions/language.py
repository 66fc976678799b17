"""Guess which of the forum's languages a contribution is written in, or admit it cannot tell."""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

from forum.contributions.language_model import LanguageModel, open_model

# Below either of these the text carries too few letters for character n-grams to mean much;
# three words and twelve letters ("Muy buena idea") is about the shortest reply the model
# still gets right in our tests, while "I fully agree" (eleven letters) is left undecided.
MIN_WORDS = 3
MIN_LETTERS = 12
# Letters must make up at least half of the visible characters left once code and addresses
# are gone (numbers and punctuation count against them): prose in these languages runs at
# 80-90 %, while statistics, tables and symbol soup fall below half.
MIN_LETTER_SHARE = 0.5
# Probability of the best candidate, among the candidates only. py3langid 0.4 softens its
# softmax with a temperature of sqrt(byte length), so the figure means much the same for a
# reply as for an essay: every sentence in our tests and even three-word replies score
# >= 0.98, while text that mixes two candidate languages about evenly scores 0.5-0.9.
# Requiring 0.9, at least 9 to 1 against the other candidates together, keeps the clear
# cases and refuses the coin flips, with two candidates as well as with three.
MIN_PROBABILITY = 0.9
# Share of the full model's probability (over its ~140 languages) that falls on the candidates
# at all. A restricted model can only choose among the candidates, so German or Portuguese
# text would otherwise come out as a confident "en" or "es". In our tests text written in a
# candidate language puts >= 0.77 of the mass on the candidates (>= 0.3 for three-word
# replies) and text in another language <= 0.05; 0.1 leaves room on both sides.
MIN_CANDIDATE_MASS = 0.1
# Evidence saturates long before these; they bound the cost of a huge post.
MAX_SCANNED_CHARS = 50_000
MAX_DETECTED_CHARS = 5_000

# Each pattern can only start where what it removes starts (a line start, a whole backtick
# run, a bracket) and never backtracks over a run (possessive quantifiers), so no post can
# make them work quadratically.
_FENCED_CODE = re.compile(
    r"^ {0,3}(?P<fence>`{3,}+|~{3,}+)[^\n]*+\n.*?(?:^ {0,3}(?P=fence)[`~]*+[ \t]*+$|\Z)",
    re.MULTILINE | re.DOTALL,
)
_INLINE_CODE = re.compile(r"(?<!`)(`++)[^`]++\1(?!`)")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\[\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")
_HTML = re.compile(r"<[^<>\n]+>|&#?\w+;")
_QUOTE_MARKERS = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)
_EMPHASIS = re.compile(r"[*_~]+")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,:/-]\d+)*%?")
_WORD = re.compile(r"[^\W\d_]+")


_LOAD_LOCK = threading.Lock()
_folder: Path | None = None  # set by warm_up: where the compact model file lives


def default_cache_dir() -> Path:
    """The user's cache folder (XDG), used when no setting chose one (scripts, tests)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "forum"


def warm_up(cache_dir: Path | None = None) -> None:
    """Open the language model now (its file written into `cache_dir` first if needed), so
    that the first contributor does not wait for it.

    Opening keeps the automaton (about 2 MB); the feature table stays in the file, read a
    text's rows at a time. Called again with another folder, it opens the file there.
    """
    global _folder
    with _LOAD_LOCK:
        if cache_dir is not None and cache_dir != _folder:
            _folder = cache_dir
            _load_model.cache_clear()
    _model()


def detect_language(text: str, candidates: Sequence[str]) -> str | None:
    """Return the most likely of `candidates` (ISO 639-1 codes) for `text`, or None if unsure.

    None means: too little prose once Markdown, code, addresses and numbers are set aside; no
    candidate the model knows (unknown codes are ignored); a near tie between candidates; or
    text that reads like none of them. A single candidate is returned unless one of those
    holds. The answer depends only on the text and the set of candidates, not on their order.
    """
    languages = frozenset(candidates) & _known_languages()
    if not languages:
        return None
    prose = _prose(text[:MAX_SCANNED_CHARS])
    if not _enough_prose(prose):
        return None
    prose = " ".join(_NUMBER.sub(" ", prose[:MAX_DETECTED_CHARS]).split())
    (language, probability), ranking = _model().classify_and_rank(prose, languages)
    if probability < MIN_PROBABILITY:
        return None
    if sum(score for code, score in ranking if code in languages) < MIN_CANDIDATE_MASS:
        return None
    return language


def _prose(text: str) -> str:
    """Strip Markdown syntax, code, URLs, e-mail addresses and mentions, keeping the words."""
    text = _FENCED_CODE.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _LINK_DEFINITION.sub(" ", text)
    text = _QUOTE_MARKERS.sub(" ", text)
    text = _LINK.sub(r" \1 ", text)
    text = _HTML.sub(" ", text)
    text = _EMPHASIS.sub(" ", text)
    return " ".join(token for token in text.split() if not _is_address(token))


def _is_address(token: str) -> bool:
    """Tell whether `token` is a URL, a bare domain with a path, an e-mail or an @mention."""
    host, slash, _ = token.partition("/")
    return (
        "://" in token
        or token.lower().startswith(("www.", "(www."))
        or "@" in token
        or bool(slash and "." in host)
    )


def _enough_prose(prose: str) -> bool:
    """Tell whether `prose` has enough words, and enough letters among its other characters."""
    words = _WORD.findall(prose)
    letters = sum(len(word) for word in words)
    visible = len(prose) - prose.count(" ")
    return (
        len(words) >= MIN_WORDS and letters >= MIN_LETTERS and letters >= MIN_LETTER_SHARE * visible
    )


def _known_languages() -> frozenset[str]:
    """Return the codes the model can recognise."""
    return frozenset(_model().labels)


def _model() -> LanguageModel:
    """Return the model, opening it once (a thread arriving mid-way waits for it)."""
    with _LOAD_LOCK:
        return _load_model()


@functools.cache
def _load_model() -> LanguageModel:
    return open_model(_folder or default_cache_dir())
