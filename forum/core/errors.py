"""Domain errors that services raise and routes turn into pages and status codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from forum.core.i18n import I18n


def N_(message: str) -> str:
    """Mark `message` for the catalogs; routes translate it when they show it."""
    return message


class DomainError(Exception):
    """Base of every error a service raises on purpose.

    `message` is an English msgid marked with N_() and `params` fill its placeholders, so
    that a route can show it in the reader's language: i18n.gettext(message) % params.
    """

    message = N_("This could not be done.")

    def __init__(self, message: str | None = None, **params: object) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.params = params


class PermissionDenied(DomainError):
    """The person may not do this (403, or a sign-in page when nobody is signed in)."""

    message = N_("You are not allowed to do this.")


class Conflict(DomainError):
    """The thing is not in a state that allows this (409)."""

    message = N_("This was changed in the meantime; reload the page and try again.")


class Invalid(DomainError):
    """Input that cannot be accepted (422); `field` names the form field at fault."""

    def __init__(self, message: str, *, field: str = "", **params: object) -> None:
        super().__init__(message, **params)
        self.field = field


class NotFound(DomainError):
    """The thing asked for does not exist, or is not visible yet."""


class FormInvalid(DomainError):
    """Some fields were refused; `errors` maps each field to its message (422)."""

    message = N_("Please correct the fields marked below.")

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__()
        self.errors = errors


class Explained(Protocol):
    """A problem said in the organiser's words (forum.discussions.checks.Problem is one)."""

    @property
    def message(self) -> str: ...

    @property
    def place(self) -> str: ...

    @property
    def params(self) -> Mapping[str, object]: ...

    def text(self, i18n: I18n) -> str: ...


class ImportRefused(DomainError):
    """A discussion file was refused; nothing of it was written.

    `problems` are every problem found, each a translatable message with its place in the
    file (`weeks[2].closes_at`); `lines` maps places to the line of `source` where they are.
    """

    message = N_("The discussion file was refused; nothing of it was written.")

    def __init__(
        self,
        problems: Sequence[Explained],
        *,
        source: str = "",
        lines: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.problems = list(problems)
        self.source = source
        self.lines = dict(lines or {})

    def line(self, place: str) -> int | None:
        """The line where `place` (or the nearest part of the file holding it) is written."""
        while True:
            if place in self.lines:
                return self.lines[place]
            if not place:
                return None
            inside = [line for key, line in self.lines.items() if key.startswith(place + "[")]
            if inside:
                return min(inside)
            place = place[: max(place.rfind("."), place.rfind("["), 0)]

    def report(self, i18n: I18n) -> list[str]:
        """One line per problem: `file.toml:42: weeks[2]: Week 2 closes before it opens.`"""
        out = []
        for problem in sorted(self.problems, key=lambda p: self.line(p.place) or 0):
            line = self.line(problem.place)
            where = f"{self.source}:{line}" if line is not None else self.source
            place = f" {problem.place}:" if problem.place else ""
            out.append(f"{where}:{place} {problem.text(i18n)}")
        return out
