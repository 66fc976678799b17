"""The unshowable-character test, and the one Markdown renderer: allowed markup only, safe
links, every hostile input."""

from __future__ import annotations

import html5lib
import pytest

from forum.core.text import (
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    LINK_REL,
    MULTILINE,
    clean_html,
    looks_alike,
    render_markdown,
    unshowable,
)
from tests.analysis.helpers import loaded_with_the_app
from tests.conftest import IN_CI
from tests.paths import CORPORA


def _corpus(name: str) -> list[str]:
    path = CORPORA / name
    if not path.is_file():
        if IN_CI:
            pytest.fail(f"{path} not found: CI runs with shared/ beside the repository")
        pytest.skip(f"{path} not found")
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _check_safe(html: str) -> None:
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue  # comments and the like are not elements
        if element is fragment:
            continue
        assert element.tag in ALLOWED_TAGS, (element.tag, html)
        allowed = {"href", "rel"} if element.tag == "a" else set()
        assert set(element.attrib) <= allowed, (element.attrib, html)
        if element.tag == "a":
            href = element.attrib.get("href", "")
            scheme = href.split(":", 1)[0].lower() if ":" in href else ""
            assert scheme in ALLOWED_PROTOCOLS or not scheme, html
            assert element.attrib.get("rel") == LINK_REL


def test_markdown_renders_basic_formatting() -> None:
    html = render_markdown("**bold** and *em*\n\n- one\n- two\n\n> quoted\n\n`code`")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<ul>" in html and "<blockquote>" in html and "<code>code</code>" in html


def test_links_are_marked_and_bare_urls_linkified() -> None:
    html = render_markdown("[site](https://example.org) and http://example.com/x")
    assert f'<a href="https://example.org" rel="{LINK_REL}">site</a>' in html
    assert f'<a href="http://example.com/x" rel="{LINK_REL}">http://example.com/x</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        '<a href="data:text/html,hi">x</a>',
        "![i](http://e.org/i.png)",
    ],
)
def test_dangerous_markup_is_neutralised(source: str) -> None:
    html = render_markdown(source)
    _check_safe(html)
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.split(">")[0]


@pytest.mark.parametrize("corpus", ["xss_payloads.txt", "blns.txt"])
def test_every_corpus_line_comes_out_safe(corpus: str) -> None:
    for line in _corpus(corpus):
        html = render_markdown(line)
        _check_safe(html)
        assert clean_html(html) == html, line  # what is stored is already clean


@pytest.mark.parametrize(
    "text",
    [
        "Hola\x00 aprendices",  # NUL
        "Bonjour\x1b[31m rouge",  # a terminal escape
        "bell\x07",
        "next line\x85here",  # C1 control
        "half a pair \ud83d",  # a lone surrogate
    ],
)
def test_unshowable_finds_controls_and_surrogates(text: str) -> None:
    assert unshowable(text)
    assert unshowable(text, allow=MULTILINE)


@pytest.mark.parametrize(
    "text",
    [
        "María Ñúñez, Formation & Emploi",
        "👩\u200d💻 a technologist, 👨\u200d👩\u200d👧 a family",  # zero-width joiners
        "\u200fשלום\u200e and RTL marks",
        "日本語のテキスト",
    ],
)
def test_unshowable_keeps_what_people_write(text: str) -> None:
    assert not unshowable(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ana\u200bPérez",  # zero-width space
        "\u202eAna Pérez",  # right-to-left override
        "Ana \u2067Pérez\u2069",  # right-to-left isolate
        "\u200fAna",  # right-to-left mark
        "Ana\u200dPérez",  # a joiner between Latin letters joins nothing
        "\ufeffAna",  # byte order mark
        "Ana\u00adPérez",  # soft hyphen
        "Ana\u2060Pérez",  # word joiner
        "\u3164",  # Hangul filler: a letter that draws nothing
        "Ana \u2800",  # braille blank
    ],
)
def test_unshowable_with_invisible_finds_hidden_and_direction_characters(text: str) -> None:
    assert unshowable(text, invisible=True)
    assert not unshowable(text)  # the other callers' test is unchanged


@pytest.mark.parametrize(
    "text",
    [
        "María Ñúñez",
        "Ana 👩\u200d💻",  # an emoji sequence joined by a zero-width joiner
        "Ana ❤\ufe0f",  # a variation selector picks the emoji form
        "مهرداد رضایی",  # Persian, right to left without any control
        "نسرین\u200cدخت",  # the zero-width non-joiner Persian spelling needs
        "क्\u200dष",  # a joiner after a virama (Devanagari)
        "日本語",
    ],
)
def test_unshowable_with_invisible_keeps_real_names(text: str) -> None:
    assert not unshowable(text, invisible=True)


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("Ana Moderadora", "ana moderadora"),
        ("Ana Moderadora", "ANA  MODERADORA"),
        ("Ana Moderadora", "Αna Μoderadora"),  # Greek capital alpha and mu
        ("Ana Moderadora", "Ana Moderadorа"),  # Cyrillic a
        ("Ana Moderadora", "Ａｎａ Ｍｏｄｅｒａｄｏｒａ"),  # fullwidth
        ("Bill Olmo", "BiII 0lmo"),  # capital i for l, zero for o
        ("Bill Olmo", "BILL OLMO"),
        ("Martín", "rnartín"),  # r and n side by side look like m
    ],
)
def test_looks_alike_folds_names_that_look_the_same(name: str, other: str) -> None:
    assert looks_alike(name, other) and looks_alike(other, name)


@pytest.mark.parametrize(
    ("name", "other"),
    [("Ana Moderadora", "Ana Morales"), ("Martín", "Martina"), ("Jose", "José")],
)
def test_looks_alike_keeps_different_names_apart(name: str, other: str) -> None:
    assert not looks_alike(name, other)


def test_unshowable_allows_only_the_controls_the_field_allows() -> None:
    assert unshowable("line one\nline two")  # a one-line field refuses a line break
    assert not unshowable("line one\nline two", allow="\n")
    assert unshowable("col\tumn", allow="\n")  # a note allows line breaks only
    assert not unshowable("para\r\n\n\tcode", allow=MULTILINE)


def test_headings_are_text_unless_asked_then_nested_under_the_page() -> None:
    assert render_markdown("## Section\n\ntext") == "Section\n<p>text</p>\n"
    nested = render_markdown("# One\n\n## Two\n\n### Three\n\n###### Six", headings_below=2)
    assert nested.strip().split("\n") == [
        "<h3>One</h3>",
        "<h3>Two</h3>",
        "<h4>Three</h4>",
        "<h6>Six</h6>",
    ]
    # raw HTML headings stay text either way
    assert "&lt;h2&gt;" in render_markdown("<h2>x</h2>", headings_below=2)


def test_the_app_loads_unicode_confusables_only_when_names_are_compared() -> None:
    assert loaded_with_the_app("confusable_homoglyphs.confusables", "forum.core.text") == [
        "forum.core.text"
    ]
