"""Domain errors that services raise and routes turn into pages and status codes."""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an imported file: where it is and why it is refused."""

    file: str
    place: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.place}: {self.reason}"
            if self.place
            else (f"{self.file}: {self.reason}")
        )


class ImportRefused(DomainError):
    """A discussion file was refused; nothing of it was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems
