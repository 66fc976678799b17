"""Reading the values of a discussion file, each problem said in the organiser's words.

A `Reader` walks the parsed TOML: it takes what is right, reports what is not (once) and
remembers which places could not be read, so the checker's findings about them are dropped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from forum.discussions import checks
from forum.discussions import filespec as say
from forum.discussions.checks import Problem

EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_E = TypeVar("_E", bound=StrEnum)


def join(place: str, key: str) -> str:
    return f"{place}.{key}" if place else key


def under(place: str, prefix: str) -> bool:
    return place == prefix or place.startswith((prefix + ".", prefix + "["))


@dataclass
class Reader:
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    text_tables: list[tuple[str, list[str]]] = field(default_factory=list)
    languages: list[str] | None = None
    dates_unread: bool = False
    bad_weeks: set[int] = field(default_factory=set)

    def refuse(self, message: str, place: str, **params: object) -> None:
        """Report a problem at `place`, unless what holds it was reported already."""
        if any(under(place, unread) for unread in self.unreadable):
            return
        self.problems.append(Problem(message, place, params))
        if place:
            self.unreadable.add(place)

    def table(self, value: object, place: str, known: Sequence[str]) -> dict[str, Any]:
        """`value` as a table, each key we do not know reported (with a close one we do)."""
        if not isinstance(value, dict):
            self.refuse(say.NOT_TABLE, place, key=place.rsplit(".", 1)[-1])
            return {}
        for key in value:
            close = difflib.get_close_matches(key, known, n=1)
            if key not in known and close:
                self.refuse(say.UNKNOWN_KEY_CLOSE, join(place, key), key=key, suggestion=close[0])
                if close[0] not in value:  # the misspelt key says all about the one meant
                    self.unreadable.add(join(place, close[0]))
            elif key not in known:
                self.refuse(say.UNKNOWN_KEY, join(place, key), key=key)
        return value

    def value(
        self, data: dict[str, Any], key: str, place: str, missing: str | None, **params: object
    ) -> object:
        if key not in data and missing:
            self.refuse(missing, join(place, key), **params)
        return data.get(key)

    def text(
        self,
        data: dict[str, Any],
        key: str,
        place: str,
        missing: str | None = None,
        limit: int | None = None,
        **params: object,
    ) -> str | None:
        value = self.value(data, key, place, missing, **params)
        if value is None:
            return None
        if not isinstance(value, str):
            self.refuse(say.NOT_TEXT, join(place, key), key=key)
            return None
        if not value.strip() and missing:
            self.refuse(missing, join(place, key), **params)
            return None
        if limit is not None and len(value.strip()) > limit:
            self.refuse(checks.TOO_LONG, join(place, key), limit=limit)
            return None
        return value.strip()

    def date(
        self, data: dict[str, Any], key: str, place: str, missing: str | None, **params: object
    ) -> datetime | None:
        value = self.value(data, key, place, missing, **params)
        if value is None:
            return None
        if not isinstance(value, datetime):
            self.refuse(say.NOT_DATE, join(place, key), key=key, example=say.DATE_EXAMPLE)
            return None
        if value.tzinfo is None:
            self.refuse(say.NAIVE_DATE, join(place, key), key=key, example=say.DATE_EXAMPLE)
            return None
        return value

    def number(
        self, data: dict[str, Any], key: str, place: str, missing: str, **params: object
    ) -> int | None:
        value = self.value(data, key, place, missing, **params)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            self.refuse(say.NOT_NUMBER, join(place, key), key=key)
            return None
        return value

    def boolean(self, data: dict[str, Any], key: str, place: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.refuse(say.NOT_BOOLEAN, join(place, key), key=key)
            return False
        return value

    def choice(
        self, data: dict[str, Any], key: str, place: str, kind: type[_E], missing: str | None
    ) -> _E | None:
        value = self.value(data, key, place, missing)
        if value is None:
            return None
        if value not in [member.value for member in kind]:
            choices = ", ".join(member.value for member in kind)
            self.refuse(say.BAD_CHOICE, join(place, key), key=key, choices=choices)
            return None
        return kind(value)

    def texts(self, data: dict[str, Any], key: str, place: str) -> dict[str, str]:
        """One text per language; a table not given is empty (the checker says what lacks)."""
        value = data.get(key, {})
        where = join(place, key)
        if not isinstance(value, dict):
            self.refuse(say.NOT_TEXTS, where, key=key)
            return {}
        texts = {}
        for code, text in value.items():
            if isinstance(text, str):
                texts[code] = text.strip()
            else:
                self.refuse(say.NOT_TEXT, f"{where}.{code}", key=f"{key}.{code}")
        self.text_tables.append((where, list(value)))
        return texts

    def strings(
        self, data: dict[str, Any], key: str, place: str, missing: str | None
    ) -> list[str] | None:
        value = self.value(data, key, place, missing)
        if value is None:
            return None
        if not isinstance(value, list):
            self.refuse(say.NOT_LIST, join(place, key), key=key)
            return None
        if not all(isinstance(item, str) for item in value):
            self.refuse(say.NOT_TEXT, join(place, key), key=key)
            return None
        return [item.strip() for item in value]

    def tables(
        self, data: dict[str, Any], key: str, known: Sequence[str]
    ) -> list[tuple[str, int, dict[str, Any]]]:
        """Each entry of an array of tables as (place, position from 1, table)."""
        value = data.get(key, [])
        if not isinstance(value, list):
            self.refuse(say.NOT_LIST, key, key=key)
            return []
        return [
            (f"{key}[{i}]", i, self.table(item, f"{key}[{i}]", known))
            for i, item in enumerate(value, start=1)
        ]

    def email(self, value: str | None, place: str) -> str | None:
        if value is not None and not EMAIL.fullmatch(value):
            self.refuse(say.BAD_EMAIL, place, email=value)
            return None
        return value.lower() if value is not None else None
