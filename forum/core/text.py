"""What people write: the one test for unshowable characters, names that look alike,
Markdown to HTML, safe HTML."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import cache
from html.parser import HTMLParser

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
# text and cannot be stored as UTF-8. Format characters (Cf) are not refused in text: the
# zero-width joiner builds emoji (a woman technologist is three code points) and bidi marks
# order right-to-left words. A name refuses them (invisible=True), bar a joiner that joins.
_UNSHOWABLE = frozenset({"Cc", "Cs"})
# What draws nothing without being a format character: fillers that pose as letters (Hangul),
# a blank braille cell, the combining grapheme joiner and Khmer's two silent vowels.
_BLANK = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
_JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner
_VIRAMA = 9  # the canonical combining class of a virama, after which a joiner shapes a letter
# The controls a multi-line text (a post, a summary) may hold: line breaks and tabs.
MULTILINE = frozenset("\n\r\t")

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": False})


def _cleaner_of(tags: frozenset[str]) -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


_cleaner = _cleaner_of(ALLOWED_TAGS)


_HEADING = re.compile(r"<(?P<end>/?)h(?P<level>[1-6])>")
_with_headings = _cleaner_of(ALLOWED_TAGS | {"h3", "h4", "h5", "h6"})


def _set_rel(
    attrs: dict[tuple[str | None, str], str], new: bool = False
) -> dict[tuple[str | None, str], str]:
    attrs[(None, "rel")] = LINK_REL
    return attrs


_linker = Linker(callbacks=[_set_rel], skip_tags={"pre", "code"}, parse_email=False)


def unshowable(text: str, *, allow: Collection[str] = frozenset(), invisible: bool = False) -> bool:
    """Say whether `text` holds a control character (except those in `allow`) or a surrogate;
    with `invisible`, also a character that hides or turns text (zero-width, bidi controls)."""
    if any(unicodedata.category(ch) in _UNSHOWABLE and ch not in allow for ch in text):
        return True
    return invisible and any(_hidden(text, index) for index in range(len(text)))


def _hidden(text: str, index: int) -> bool:
    """Say whether the character at `index` draws nothing and does no work where it stands."""
    ch = text[index]
    if ch in _BLANK:
        return True
    if unicodedata.category(ch) != "Cf":
        return False
    if ch not in _JOINERS or not 0 < index < len(text) - 1:
        return True
    before, after = text[index - 1], text[index + 1]
    if unicodedata.combining(before) == _VIRAMA:
        return False  # a conjunct or half form in an Indic script
    if unicodedata.category(after) == "So" and unicodedata.category(before) in ("So", "Sk", "Mn"):
        return False  # an emoji sequence (the one before may end in a skin tone or selector)
    # Between two letters of a script that joins (Arabic, Persian...): Latin, Greek, Cyrillic
    # and Armenian, below U+0590, never need a joiner.
    letters = all(unicodedata.category(c)[0] in "LM" for c in (before, after))
    return not (letters and min(ord(before), ord(after)) >= 0x0590)


@cache
def _confusable_map() -> dict[str, str]:
    """Map each character of Unicode's confusables list to one shared by all its look-alikes.

    The list maps each look-alike to a prototype; the library keeps each pair both ways, so a
    character with a longer entry maps to it (m to "rn"), and the others fall into groups,
    each a prototype and its look-alikes, named by their lowest code point.
    """
    # Imported here: the list (6 MB once read) is needed only when names are compared.
    from confusable_homoglyphs.confusables import confusables_data

    group: dict[str, str] = {}

    def find(ch: str) -> str:
        while group.get(ch, ch) != ch:
            ch = group[ch]
        return ch

    longer: dict[str, str] = {}
    for key, entries in confusables_data.items():
        for entry in entries:
            other = entry["c"].replace("\u200e", "")  # right-to-left entries come marked
            if len(key) != 1 or not other:
                continue
            if len(other) > 1:
                longer[key] = other
            else:
                first, second = sorted((find(key), find(other)))
                group[second] = first
    mapping = {ch: find(ch) for ch in group}
    for ch, sequence in longer.items():
        mapping[ch] = "".join(find(part) for part in sequence)
    return mapping


def _skeleton(text: str) -> str:
    mapping = _confusable_map()
    decomposed = unicodedata.normalize("NFD", text)
    shown = (mapping.get(ch, ch) for ch in decomposed if unicodedata.category(ch) != "Cf")
    return " ".join(unicodedata.normalize("NFD", "".join(shown)).split())


def lookalike_keys(text: str) -> frozenset[str]:
    """Return the forms under which `text` looks like another text (NFKC, case, confusables).

    Case is folded before and after the confusables, so that both "BILL" and "BiII" (capital
    i for l) meet "Bill".
    """
    plain = unicodedata.normalize("NFKC", text)
    return frozenset({_skeleton(plain.casefold()), _skeleton(plain).casefold()})


def looks_alike(text: str, other: str) -> bool:
    """Say whether two texts (names, say) could be taken for each other on a page."""
    return not lookalike_keys(text).isdisjoint(lookalike_keys(other))


def clean_html(html: str) -> str:
    """Keep only the allowed elements, attributes and link schemes of `html`."""
    safe: str = _cleaner.clean(html)
    return safe


def render_markdown(source: str, *, headings_below: int | None = None) -> str:
    """Render CommonMark `source` to sanitised HTML with safe, marked links.

    Headings are dropped (their words kept as text), unless `headings_below` gives the level of
    the page's heading the text sits under: then a text's headings nest beneath it (`#` and
    `##` one level down, `###` two, and so on, h6 at most), for long texts such as a synthesis.
    """
    html = _markdown.render(source)
    if headings_below is None:
        return clean_html(_linker.linkify(clean_html(html)))
    top = headings_below + 1

    def nested(found: re.Match[str]) -> str:
        level = min(6, max(top, int(found["level"]) + headings_below - 1))
        return f"<{found['end']}h{level}>"

    html = _HEADING.sub(nested, html)
    safe: str = _with_headings.clean(_linker.linkify(_with_headings.clean(html)))
    return safe


_BLOCKS = frozenset({"p", "br", "li", "ul", "ol", "blockquote", "pre", "h3", "h4", "h5", "h6"})


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    """The words a reader sees in sanitised `html`: no tags, entities decoded, one space."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())
