"""What every moderation verb shares: the moderator's note as stored, or why it is refused."""

from __future__ import annotations

import pytest

from forum.core.errors import Invalid
from forum.moderation.actions import MAX_NOTE_CHARS, NOTE_TOO_LONG, NOTE_UNSHOWABLE, clean_note


def test_clean_note_keeps_line_breaks_plain_and_trims() -> None:
    note = "  Hors sujet.\r\nVoir la section 2.\rMerci.  "
    assert clean_note(note) == "Hors sujet.\nVoir la section 2.\nMerci."


def test_clean_note_accepts_the_longest_note() -> None:
    assert clean_note("a" * MAX_NOTE_CHARS) == "a" * MAX_NOTE_CHARS


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("Fuera de tema\x00", NOTE_UNSHOWABLE),
        ("Tab\tin a note", NOTE_UNSHOWABLE),
        ("\x1b[31mRouge", NOTE_UNSHOWABLE),
        ("a" * (MAX_NOTE_CHARS + 1), NOTE_TOO_LONG),
    ],
)
def test_clean_note_refuses_what_cannot_be_kept(note: str, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        clean_note(note)
    assert refused.value.field == "note"
    assert refused.value.message == message
