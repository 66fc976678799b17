"""Locale negotiation, Babel translations and the Jinja2 environment that uses them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    DateTimePattern,
    format_date,
    format_interval,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

from forum.core.permissions import is_admin, is_staff

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


class CatalogMissing(Exception):
    """A compiled message catalog is missing: the messages were not compiled."""


@dataclass(frozen=True)
class I18n:
    """Everything a page needs to speak one language."""

    language: str
    locale: Locale
    translations: NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def date(self, value: datetime, zone: str = "UTC", fmt: str = "long") -> str:
        return str(format_date(value.astimezone(ZoneInfo(zone)), format=fmt, locale=self.locale))

    def date_time(self, value: datetime, zone: str = "UTC") -> str:
        """Write a moment as "December 3, 2026, 7:00 PM GMT+01:00" in the reader's locale."""
        local = value.astimezone(_zone(zone))
        day, clock, offset, combined = _moment_patterns(self.language)
        return combined.replace("{1}", day.apply(local, self.locale)).replace(
            "{0}", f"{clock.apply(local, self.locale)} {offset.apply(local, self.locale)}"
        )

    def number(self, value: float) -> str:
        return str(format_decimal(value, locale=self.locale))

    def interval(self, start: datetime, end: datetime, zone: str = "UTC") -> str:
        """Format a span of days ("16 Nov – 14 Dec 2026") in the reader's locale."""
        tz = ZoneInfo(zone)
        return format_interval(
            start.astimezone(tz).date(),
            end.astimezone(tz).date(),
            skeleton="yMMMd",
            locale=self.locale,
        )

    def language_label(self, code: str) -> str:
        """Name language `code` in the reader's language ("inglés" for a Spanish reader)."""
        return str(self.locale.languages.get(code, code))

    def language_name(self, code: str) -> str:
        """Name language `code` in its own words ("español"), for language switchers."""
        return _own_name(code)


@lru_cache(maxsize=256)
def _own_name(code: str) -> str:
    """A language's name in its own words: parsed once, as every page's switcher shows it."""
    return Locale.parse(code).get_display_name(code) or code


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


MomentPatterns = tuple[DateTimePattern, DateTimePattern, DateTimePattern, str]


@lru_cache(maxsize=16)
def _moment_patterns(
    language: str,
) -> tuple[DateTimePattern, DateTimePattern, DateTimePattern, str]:
    """Parse a locale's long date, short time and zone patterns once: pages show many times."""
    locale = Locale.parse(language)
    return (
        get_date_format("long", locale=locale),
        get_time_format("short", locale=locale),
        parse_pattern("ZZZZ"),
        str(get_datetime_format("long", locale=locale)).replace("'", ""),
    )


def load_catalogs(languages: Iterable[str]) -> dict[str, I18n]:
    """Load the compiled catalog of every language; English is the source language."""
    catalogs: dict[str, I18n] = {}
    for language in languages:
        translations: NullTranslations
        if language == "en":
            translations = NullTranslations()
        else:
            mo = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not mo.is_file():
                raise CatalogMissing(
                    f"{mo} is missing: compile the catalogs with `make messages` "
                    "(pybabel compile -d forum/locale)."
                )
            with mo.open("rb") as handle:
                translations = Translations(handle, domain=DOMAIN)
        catalogs[language] = I18n(language, Locale.parse(language), translations)
    return catalogs


def negotiate_language(header: str | None, available: Iterable[str], default: str) -> str:
    """Choose among `available` the language the Accept-Language `header` prefers most."""
    offered = list(available)
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            choices.append((-quality, index, tag.strip().lower()))
    for _quality, _index, tag in sorted(choices):
        primary = tag.split("-")[0]
        if primary in offered:
            return primary
        if tag == "*":
            return default
    return default


@pass_context
def _gettext(context: Mapping[str, Any], message: str) -> str:
    i18n: I18n = context["i18n"]
    return i18n.gettext(message)


@pass_context
def _ngettext(context: Mapping[str, Any], singular: str, plural: str, n: int) -> str:
    i18n: I18n = context["i18n"]
    return i18n.ngettext(singular, plural, n)


@pass_context
def _format_date(context: Mapping[str, Any], value: datetime, zone: str = "UTC") -> str:
    i18n: I18n = context["i18n"]
    return i18n.date(value, zone)


@pass_context
def _format_datetime(context: Mapping[str, Any], value: datetime, zone: str = "UTC") -> str:
    i18n: I18n = context["i18n"]
    return i18n.date_time(value, zone)


@pass_context
def _format_number(context: Mapping[str, Any], value: float) -> str:
    i18n: I18n = context["i18n"]
    return i18n.number(value)


def filesize(i18n: I18n, size: int) -> str:
    """A number of bytes as people read it: 512 bytes, 12.5 KB, 20 MB, in their locale."""
    if size < 1024:
        return i18n.ngettext("%(num)d byte", "%(num)d bytes", size) % {"num": size}
    if size < 1024 * 1024:
        return i18n.gettext("%(size)s KB") % {"size": i18n.number(round(size / 1024, 1))}
    return i18n.gettext("%(size)s MB") % {"size": i18n.number(round(size / 1024 / 1024, 1))}


def _filesize(context: Mapping[str, Any], size: int) -> str:
    i18n: I18n = context["i18n"]
    return filesize(i18n, size)


def build_templates(directory: Path) -> Environment:
    """Build the Jinja2 environment; every render must pass an `i18n` in its context."""
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.filters["date"] = _format_date
    env.filters["datetime"] = _format_datetime
    env.filters["number"] = _format_number
    env.filters["filesize"] = pass_context(_filesize)
    env.globals["Markup"] = Markup
    env.globals["is_staff"] = is_staff
    env.globals["is_admin"] = is_admin
    return env
