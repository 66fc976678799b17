"""How a person whose account was deleted is named: their row keeps no name at all."""

from __future__ import annotations

from collections.abc import Callable

from forum.core.errors import N_

FORMER_PARTICIPANT = N_("a former participant")


def shown_name(name: str, gettext: Callable[[str], str]) -> str:
    """The name to show for a person: theirs, or "a former participant" in the reader's words."""
    return name or gettext(FORMER_PARTICIPANT)
