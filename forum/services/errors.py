"""Domain errors that services raise and routes turn into pages and status codes."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class NotFound(DomainError):
    """The thing asked for does not exist, or is not visible yet."""


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
