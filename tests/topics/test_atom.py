"""The Atom writer: well-formed RFC 4287, each entry in its post's language, everything escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import feedparser

from forum.topics.atom import ATOM, XML_LANG, AtomEntry, AtomFeed, atom_bytes, entry_id

WHEN = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
A = f"{{{ATOM}}}"


def _entry(**changes: object) -> AtomEntry:
    values: dict[str, object] = {
        "id": entry_id("forum.example.org", WHEN, 7),
        "title": "Ana & <Bo> sur la question 2",
        "link": "https://forum.example.org/fr/discussions/d/posts/7",
        "author": "Ana & <Bo>",
        "published": WHEN,
        "updated": WHEN + timedelta(hours=2),
        "language": "es",
        "html": "<p>Una respuesta con <em>énfasis</em> &amp; un enlace.</p>",
        "category_term": "question-2",
        "category_label": "¿Qué funcionó « vraiment » ?",
    }
    return AtomEntry(**(values | changes))  # type: ignore[arg-type]


def _feed(*entries: AtomEntry) -> AtomFeed:
    return AtomFeed(
        id="https://forum.example.org/fr/tags/t/feed.atom",
        title="Accès à la formation",
        language="fr",
        self_link="https://forum.example.org/fr/tags/t/feed.atom",
        alternate_link="https://forum.example.org/fr/tags/t",
        updated=WHEN + timedelta(hours=2),
        entries=entries,
    )


def test_entry_ids_are_tag_uris_from_host_day_and_post() -> None:
    assert entry_id("forum.example.org", WHEN, 7) == "tag:forum.example.org,2026-03-04:post-7"


def test_the_feed_is_well_formed_and_each_entry_says_its_language() -> None:
    body = atom_bytes(_feed(_entry(), _entry(id="tag:x,2026-03-04:post-8", language="en")))
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ElementTree.fromstring(body)
    assert root.tag == A + "feed" and root.get(XML_LANG) == "fr"
    entries = root.findall(A + "entry")
    assert [entry.get(XML_LANG) for entry in entries] == ["es", "en"]
    first = entries[0]
    assert first.findtext(A + "author/" + A + "name") == "Ana & <Bo>"
    assert first.find(A + "title").get(XML_LANG) == "fr"  # type: ignore[union-attr]
    assert first.findtext(A + "updated") == "2026-03-04T14:00:00Z"
    content = first.find(A + "content")
    assert content is not None and content.get("type") == "html"
    assert content.text == _entry().html
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    assert parsed.entries[0].content[0].value == _entry().html
    assert parsed.entries[0].tags[0].label == "¿Qué funcionó « vraiment » ?"


def test_an_entry_without_a_question_has_no_category() -> None:
    body = atom_bytes(_feed(_entry(category_term=None, category_label=None)))
    entry = ElementTree.fromstring(body).find(A + "entry")
    assert entry is not None and entry.find(A + "category") is None
    assert feedparser.parse(body).bozo == 0


def test_an_empty_feed_is_still_valid() -> None:
    parsed = feedparser.parse(atom_bytes(_feed()))
    assert parsed.bozo == 0 and parsed.entries == [] and parsed.feed.title == "Accès à la formation"


def test_characters_xml_cannot_hold_are_dropped() -> None:
    body = atom_bytes(_feed(_entry(author="Ana\x00\x1b Bo", html="<p>a\x0cb\ufffe</p>")))
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    assert parsed.entries[0].author == "Ana Bo"
    assert parsed.entries[0].content[0].value == "<p>ab</p>"
