"""Translations: negotiation, complete catalogs, and no untranslated text in templates."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from forum.core.i18n import LOCALE_DIR, build_templates, load_catalogs, negotiate_language
from forum.models import User
from tests.paths import ROOT

TEMPLATES = ROOT / "forum" / "templates"
# Attributes whose values people read (or hear from a screen reader).
READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "value"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-AR,es;q=0.9", "es"),
        ("FR", "fr"),
        ("pt-BR, de", "en"),
        (None, "en"),
        ("en;q=0.1, fr;q=0.2", "fr"),
        ("es;q=0, en", "en"),
    ],
)
def test_negotiate_language(header: str | None, expected: str) -> None:
    assert negotiate_language(header, ["en", "es", "fr"], "en") == expected


@pytest.mark.parametrize("language", ["es", "fr"])
def test_catalog_translates_every_message(language: str) -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template_ids = {m.id for m in read_po(handle) if m.id}
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    messages = {m.id: m for m in catalog if m.id}
    assert template_ids == set(messages), "run `make messages` to update the catalogs"
    for message in messages.values():
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated in {language}: {message.id!r}"


def test_template_is_up_to_date_with_sources(tmp_path: Path) -> None:
    """The .pot holds exactly the messages the code and templates use."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "-o",
            str(fresh),
            "forum",
        ],
        cwd=ROOT,
        check=True,
    )
    with fresh.open("rb") as new, (LOCALE_DIR / "messages.pot").open("rb") as kept:
        assert {m.id for m in read_po(new)} == {m.id for m in read_po(kept)}, (
            "run `make messages` to update forum/locale/messages.pot"
        )


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        # A macro writing attributes (` lang="{{ x }}"`) leaves `lang=""` here: not text,
        # unless the attribute is one people read.
        fragments = re.fullmatch(r'\s*([a-z-]+="[^"]*"?\s*)+', data)
        if fragments and not any(f'{name}="' in data for name in READ_ATTRIBUTES):
            return
        # A link written out from variables leaves only its path ("//account/sign-in").
        if re.fullmatch(r"\s*/[\w./-]*\s*", data):
            return
        if any(ch.isalpha() for ch in data):
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown_value = tag == "input" and dict(attrs).get("type") in ("submit", "button", "reset")
        for name, value in attrs:
            if name == "value" and not shown_value:
                continue  # a form value is sent, not read; a button shows its content instead
            if name in READ_ATTRIBUTES and value and any(ch.isalpha() for ch in value):
                self.found.append(f'{name}="{value}"')


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_templates_hold_no_untranslated_text(template: Path) -> None:
    """Outside {{ }} and {% %}, a template has markup only: every word goes through gettext."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    source = template.read_text(encoding="utf-8")
    literal = "".join(value for _line, kind, value in env.lex(source) if kind == "data")
    finder = _TextFinder()
    finder.feed(literal)
    assert finder.found == [], f"{template.name}: translate {finder.found}"


def test_dates_use_reader_locale() -> None:
    catalogs = load_catalogs(("en", "es", "fr"))
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert catalogs["en"].date(moment) == "March 2, 2026"
    assert catalogs["es"].date(moment) == "2 de marzo de 2026"
    assert catalogs["fr"].date(moment) == "2 mars 2026"
    # shown in the discussion's own time zone
    assert catalogs["fr"].date_time(moment, "Europe/Paris") == "2 mars 2026, 09:00 UTC+01:00"
    assert (
        catalogs["en"].date_time(moment, "America/Bogota")
        == "March 2, 2026, 3:00\u202fAM GMT-05:00"
    )


def test_language_names() -> None:
    catalogs = load_catalogs(("en", "es", "fr"))
    assert catalogs["fr"].language_name("es") == "español"
    assert catalogs["es"].language_label("en") == "inglés"


def test_templates_show_staff_links_to_moderators_only() -> None:
    env = build_templates(TEMPLATES)
    page = env.from_string("{% if is_staff(user) %}Moderation{% else %}-{% endif %}")
    people = {
        role: User(email=f"{role}@example.org", display_name=role, role=role)
        for role in ("contributor", "moderator", "admin")
    }
    assert page.render(user=None) == "-"
    assert page.render(user=people["contributor"]) == "-"
    assert page.render(user=people["moderator"]) == "Moderation"
    assert page.render(user=people["admin"]) == "Moderation"
