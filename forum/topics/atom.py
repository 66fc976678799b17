"""Atom (RFC 4287) documents written with the standard library's ElementTree.

ElementTree escapes every text and attribute, and writes `xml:lang` on any element, which a
feed needs per entry (each post keeps its own language). No Starlette here: the caller gives
absolute links.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
GENERATOR = "forum"

# Characters XML 1.0 cannot hold at all: a feed with one is not a feed, so they are dropped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

ElementTree.register_namespace("", ATOM)


@dataclass(frozen=True, slots=True)
class AtomEntry:
    id: str  # a tag: URI that never changes, even when the post is edited
    title: str  # in the feed's language
    link: str  # absolute
    author: str
    published: datetime
    updated: datetime
    language: str  # the post's own language
    html: str  # already sanitised
    category_term: str | None = None
    category_label: str | None = None  # in the feed's language


@dataclass(frozen=True, slots=True)
class AtomFeed:
    id: str
    title: str
    language: str  # the reader's: the feed's own words are in it
    self_link: str  # absolute
    alternate_link: str  # absolute: the page the feed follows
    updated: datetime
    entries: Sequence[AtomEntry]


def entry_id(host: str, created_at: datetime, post_id: int) -> str:
    """An RFC 4151 tag URI for a post: its host, the day it was written and its id."""
    return f"tag:{host},{created_at.astimezone(UTC):%Y-%m-%d}:post-{post_id}"


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str) -> None:
    clean = {name: NOT_XML.sub("", value) for name, value in attrs.items()}
    child = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", clean)
    if text is not None:
        child.text = NOT_XML.sub("", text)


def atom_bytes(feed: AtomFeed) -> bytes:
    """Write the feed as UTF-8 XML with its declaration."""
    root = ElementTree.Element(f"{{{ATOM}}}feed", {XML_LANG: feed.language})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title)
    _add(root, "updated", _time(feed.updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate_link)
    _add(root, "generator", GENERATOR)
    for item in feed.entries:
        entry = ElementTree.SubElement(root, f"{{{ATOM}}}entry", {XML_LANG: item.language})
        _add(entry, "id", item.id)
        _add(entry, "title", item.title, **{XML_LANG: feed.language})
        _add(entry, "link", rel="alternate", type="text/html", href=item.link)
        _add(entry, "published", _time(item.published))
        _add(entry, "updated", _time(item.updated))
        author = ElementTree.SubElement(entry, f"{{{ATOM}}}author")
        _add(author, "name", item.author)
        if item.category_term is not None:
            label = {"label": item.category_label} if item.category_label else {}
            _add(entry, "category", term=item.category_term, **label, **{XML_LANG: feed.language})
        _add(entry, "content", item.html, type="html")
    return bytes(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True))
