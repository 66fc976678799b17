"""A shared thread list keeps each viewer's parts apart and fills in only theirs."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from forum.core.lru import Lru
from forum.web import fragments
from forum.web.fragments import (
    CSRF_SLOT,
    NAME_SLOT,
    NONCE,
    THREADS_SLOT,
    ArticleKeeper,
    Fragment,
    Kept,
    Shared,
    SharedStore,
    Shell,
    keep_at,
    kept_at,
    weigh_kept,
)


def _part(kind: str, author: int, html: str) -> str:
    return f"<!--{NONCE}:{kind}:{author}-->{html}<!--{NONCE}:end-->"


SHARED = (
    "<article>one"
    + _part("edit", 7, "<a>Edit 1</a>")
    + _part("moderate", 7, f'<form><input value="{CSRF_SLOT}"></form>')
    + _part("reply", 7, "<a>Reply 1</a>")
    + _part("report", 7, "<a>Report 1</a>")
    + "</article><article>two"
    + _part("edit", 8, "<a>Edit 2</a>")
    + _part("reply", 8, "<a>Reply 2</a>")
    + _part("report", 8, "<a>Report 2</a>")
    + "</article>"
)


def test_an_author_gets_edit_on_their_post_and_report_on_the_others() -> None:
    page = Fragment.parse(SHARED).fill(viewer_id=7, staff=False, can_reply=True, csrf_token="t")
    assert page == (
        "<article>one<a>Edit 1</a><a>Reply 1</a></article>"
        "<article>two<a>Reply 2</a><a>Report 2</a></article>"
    )


def test_staff_get_the_controls_with_their_own_token_escaped() -> None:
    page = Fragment.parse(SHARED).fill(viewer_id=9, staff=True, can_reply=False, csrf_token='a"b')
    assert (
        page == '<article>one<form><input value="a&#34;b"></form></article><article>two</article>'
    )


def test_an_anonymous_reader_gets_no_part() -> None:
    page = Fragment.parse(SHARED).fill(viewer_id=None, staff=False, can_reply=False, csrf_token="")
    assert page == "<article>one</article><article>two</article>"
    assert NONCE not in page


def test_a_marker_without_the_nonce_is_only_text() -> None:
    forged = "<p><!--0000:edit:7-->mine<!--0000:end--></p>"
    fragment = Fragment.parse(forged)
    assert fragment.pieces == (forged,)
    assert fragment.fill(viewer_id=1, staff=False, can_reply=True, csrf_token="t") == forged


def test_an_unknown_part_is_refused() -> None:
    with pytest.raises(ValueError):
        Fragment.parse(_part("delete", 7, "<a>Delete</a>"))


@pytest.mark.parametrize(
    "broken",
    [
        f"<p><!--{NONCE}:edit:7-->never closed</p>",
        f"<p><!--{NONCE}:edit:x--><a>Edit</a><!--{NONCE}:end--></p>",
        f"<p><!--{NONCE}:edit:7 no end of the marker",
    ],
)
def test_a_broken_part_is_refused(broken: str) -> None:
    with pytest.raises(ValueError):
        Fragment.parse(broken)


def test_a_shell_takes_the_viewers_name_token_and_list() -> None:
    shell = Shell.parse(
        f'<a>{NAME_SLOT}</a><input value="{CSRF_SLOT}"><main>{THREADS_SLOT}</main>'
        f'<input value="{CSRF_SLOT}">'
    )
    page = shell.fill(name="Zoë <i>", csrf_token="tok", threads=Markup("<ol>list</ol>"))
    assert page == (
        '<a>Zoë &lt;i&gt;</a><input value="tok"><main><ol>list</ol></main><input value="tok">'
    )
    assert NONCE not in page


def test_a_kept_article_is_rendered_once_for_the_same_post_and_again_when_it_changes() -> None:
    store: Lru[tuple[Hashable, ...], Kept] = Lru(10_000, weigh_kept)
    keeper = ArticleKeeper(store, ("en", "/en/discussions/d/questions/1", (), NONCE))
    calls: list[tuple[object, ...]] = []

    def macro(post: Hashable, *args: Hashable) -> str:
        calls.append((post, *args))
        return f"<article>{post} & {args}</article>"

    first = keeper(macro, ("post", 1, "text"), "slug", True, "UTC", 0)
    again = keeper(macro, ("post", 1, "text"), "slug", True, "UTC", 0)
    assert first == again and isinstance(again, Markup) and len(calls) == 1
    keeper(macro, ("post", 1, "edited text"), "slug", True, "UTC", 0)
    keeper(macro, ("post", 1, "text"), "slug", True, "UTC", 7)  # another post highlighted
    ArticleKeeper(store, ("fr", "/fr/discussions/d/questions/1", (), NONCE))(
        macro, ("post", 1, "text"), "slug", True, "UTC", 0
    )
    assert len(calls) == 4


def test_a_list_and_a_shell_weigh_the_bytes_their_text_holds() -> None:
    """A list in French or Spanish often holds a character past Latin-1 (’, €, an emoji):
    Python then keeps each character in two or four bytes, and the bound must see it."""
    wide = SHARED.replace("one", "l’apprentissage " * 200)
    fragment, narrow = Fragment.parse(wide), Fragment.parse(SHARED)
    assert fragment.size >= 2 * len(wide) > 2 * narrow.size > 0
    shell = Shell.parse(f"<p>{'€' * 500}</p>{THREADS_SLOT}")
    assert shell.size >= 2 * 500


@dataclass(frozen=True, slots=True)
class _Post:
    id: int
    html: str
    author_name: str = "Ana"


def _article(shown: _Post) -> str:
    return f"<article>{shown.html}</article>"


def test_a_kept_article_weighs_its_html_once_in_utf8_and_the_post_as_a_digest() -> None:
    """The post's text is in its HTML already: the key keeps its digest, not a second copy.
    French with a curly apostrophe weighs its UTF-8 bytes, not two bytes a character."""
    store: Lru[tuple[Hashable, ...], Kept] = Lru(1_000_000, weigh_kept)
    text = "<p>" + "l’apprentissage " * 300 + "</p>"
    ArticleKeeper(store, ("fr",))(_article, _Post(1, text))
    encoded = len(text.encode())
    assert encoded <= store.weight < encoded + 1_000 < 2 * len(text)


def test_a_kept_article_is_one_entry_a_post_replaced_when_the_post_is_shown_otherwise() -> None:
    store: Lru[tuple[Hashable, ...], Kept] = Lru(1_000_000, weigh_kept)
    keeper = ArticleKeeper(store, ("en", "/en/discussions/d/questions/1", (), NONCE))
    calls: list[_Post] = []

    def macro(post: _Post) -> str:
        calls.append(post)
        return _article(post)

    long = "<p>" + "a" * 100 + "</p>"
    same_length = "<p>" + "b" * 100 + "</p>"
    for post in (
        _Post(1, long),
        _Post(1, long),  # read again from the database: the same
        _Post(1, same_length),  # a moderator's correction of the same length
        _Post(1, same_length, author_name="Ana María"),  # its author renamed
        _Post(1, same_length, author_name="Ana María"),
    ):
        assert keeper(macro, post) == _article(post)
    assert [post.html == long for post in calls] == [True, False, False]
    assert len(store.items) == 1


def test_a_list_built_again_at_a_newer_version_replaces_the_older() -> None:
    store = SharedStore(max_bytes=1_000_000)
    for version, minute in ((3, 10), (4, 10), (4, 11)):
        keep_at(store.lists, ("q", 1), (version, minute), ("summary", Fragment.parse("list")))
        assert len(store.lists.items) == 1
        assert kept_at(store.lists, ("q", 1), (version, minute)) is not None
    assert kept_at(store.lists, ("q", 1), (4, 10)) is None  # what is kept now is newer
    # A build that started before a change and ends after it keeps nothing over the newer.
    keep_at(store.lists, ("q", 1), (3, 10), ("old", Fragment.parse("old list")))
    assert kept_at(store.lists, ("q", 1), (4, 11)) == (("summary", Fragment.parse("list")), "hit")


def test_a_list_of_an_older_version_serves_only_within_the_grace_and_the_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(fragments.time, "monotonic", lambda: clock[0])
    store = SharedStore(max_bytes=1_000_000)
    keep_at(store.lists, ("q", 1), (3, 10), ("summary", Fragment.parse("list")))
    kept = ("summary", Fragment.parse("list"))
    assert kept_at(store.lists, ("q", 1), (4, 10)) is None  # no grace: built again
    assert kept_at(store.lists, ("q", 1), (4, 10), grace=0.5) == (kept, "stale")
    assert kept_at(store.lists, ("q", 1), (4, 11), grace=0.5) is None  # another minute
    assert kept_at(store.lists, ("q", 1), (2, 10), grace=0.5) is None  # an older version
    clock[0] += 0.6
    assert kept_at(store.lists, ("q", 1), (4, 10), grace=0.5) is None  # built too long ago


def test_a_shell_follows_its_list_and_one_around_a_stale_list_is_not_kept() -> None:
    store = SharedStore(max_bytes=1_000_000)
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(shared_store=store)))
    shared = Shared(request, 4, 10, grace=60.0)  # type: ignore[arg-type]
    built: list[int] = []

    def build() -> str:
        built.append(1)
        return f"<p>built {len(built)}</p>"

    shared.shell(("q",), build, around="stale")
    assert len(store.shells.items) == 0  # it shows the older list's counts
    shared.shell(("q",), build, around="hit")
    assert len(store.shells.items) == 1 and len(built) == 2
    keep_at(store.shells, ("r",), (3, 10), Shell.parse("<p>older</p>"))
    assert shared.shell(("r",), build, around="stale").pieces == ("<p>older</p>",)
    assert shared.shell(("r",), build, around="miss").pieces == ("<p>built 3</p>",)
