"""French typography: a no-break space before `:`, `;`, `?`, `!` and inside « »."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from forum.core.i18n import LOCALE_DIR

NO_BREAK = "\u00a0\u202f"  # the no-break space, and the narrow one
# Punctuation with no no-break space before it; a no-break space followed by a plain one.
MISSING = re.compile(rf"(?<![{NO_BREAK}])[:;?!»]|«(?![{NO_BREAK}])|[{NO_BREAK}] ")
# What is not prose: placeholders such as %(title)s, and the colon of a web address.
NOT_PROSE = re.compile(r"%\(\w+\)[sd]|https?://")


def _french_strings() -> list[tuple[str, str]]:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        found += [(msgid, text) for text in strings]
    return found


def test_french_catalog_puts_no_break_space_before_double_punctuation() -> None:
    wrong = [
        (msgid, text)
        for msgid, text in _french_strings()
        if MISSING.search(NOT_PROSE.sub("x", text))
    ]
    assert wrong == []


def test_french_typography_check_catches_plain_spaces() -> None:
    for text in ("Langue :", "Langue:", "Prêt ?", "«\u00a0titre »", "ouverte\u00a0 : x"):
        assert MISSING.search(NOT_PROSE.sub("x", text)), text
    for text in ("Langue\u202f:", "Prêt\u00a0?", "«\u202ftitre\u202f»", "https://x.org"):
        assert not MISSING.search(NOT_PROSE.sub("x", text)), text
