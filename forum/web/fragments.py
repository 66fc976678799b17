"""What signed-in pages share: a page's data and its thread list, kept per content version.

The page cache (`web/cache.py`) keeps whole pages for anonymous readers only: a signed-in
page holds its reader's name, form token and own parts. Most of such a page is the same for
everyone, though, and this module keeps that part:

- a page's data (a question page's discussion card, week, question and tag labels), as the
  service returned it;
- its thread list as HTML rendered once for every viewer (`render_shared`), where each part
  only some viewers see (a post's Edit, Moderate, Reply and Report) is wrapped in markers
  naming the post's author. The markers are HTML comments holding a nonce drawn when the
  process starts, so no post can forge one (the sanitiser strips comments from posts anyway,
  and names are escaped). `Fragment.fill` keeps, per request, the parts this viewer may
  see, and puts the viewer's own CSRF token into the moderators' forms.

Both are keyed like the page cache: by what the page shows, the discussion's content
version (from the in-memory versions when fresh, else the database) and the minute (sets
open on the clock). A viewer's own unpublished posts and edits are not in these: routes
render the thread list for that viewer instead (`contributions/routes/listings.py`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sys
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from markupsafe import Markup, escape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request

from forum.core.i18n import I18n
from forum.core.lru import Lru, size_of_fields
from forum.web import cache
from forum.web.cache import Flights, content_version, minute_of
from forum.web.request import database, now, page_context, viewer

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

NONCE = secrets.token_hex(16)  # per process: what marks a shared list's personal parts
CSRF_SLOT = f"{NONCE}-csrf"  # where a viewer's own form token goes
NAME_SLOT = f"{NONCE}-name"  # where the viewer's name goes, in a page's header
THREADS_SLOT = f"{NONCE}-threads"  # where a page's thread list goes
_SLOT = re.compile(f"({re.escape(CSRF_SLOT)}|{re.escape(NAME_SLOT)}|{re.escape(THREADS_SLOT)})")
_PART_START = f"<!--{NONCE}:"  # then the kind, ":", the author's id, "-->", the part's HTML ...
_PART_END = f"<!--{NONCE}:end-->"  # ... and this
KINDS = ("edit", "moderate", "reply", "report")


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a post some viewers see: which (one of KINDS), by whom the post is."""

    kind: str
    author_id: int
    html: str


@dataclass(frozen=True, slots=True)
class Fragment:
    """A thread list shared by every viewer: HTML with the personal parts set apart."""

    pieces: tuple[str | Part, ...]
    size: int  # bytes held, as `sys.getsizeof` counts them

    @classmethod
    def parse(cls, html: str) -> Fragment:
        """Set the marked parts apart (found with `str.find`: twice as fast as a regular
        expression over a list of a hundred kilobytes, built again after every change)."""
        pieces: list[str | Part] = []
        start, find = 0, html.find
        while (opened := find(_PART_START, start)) >= 0:
            head_end = find("-->", opened)  # the marker: kind ":" author id
            closed = find(_PART_END, head_end)
            kind, _, author = html[opened + len(_PART_START) : head_end].partition(":")
            if head_end < 0 or closed < 0 or kind not in KINDS or not author.isdigit():
                raise ValueError(f"malformed personal part at {opened}: {kind!r}")
            if opened > start:
                pieces.append(html[start:opened])
            pieces.append(Part(kind, int(author), html[head_end + len("-->") : closed]))
            start = closed + len(_PART_END)
        if start < len(html):
            pieces.append(html[start:])
        kept = tuple(pieces)
        return cls(kept, sys.getsizeof(kept) + sum(map(_size_of_piece, kept)))

    def fill(
        self, *, viewer_id: int | None, staff: bool, can_reply: bool, csrf_token: str
    ) -> Markup:
        """Keep the parts this viewer sees, as the thread list rendered for them would.

        Edit on one's own posts; Moderate (with one's own token) for staff; Reply where one
        may write; Report on others' posts where one may write.
        """
        token = str(escape(csrf_token))
        out: list[str] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            own = viewer_id is not None and piece.author_id == viewer_id
            if piece.kind == "edit" and own:
                out.append(piece.html)
            elif piece.kind == "moderate" and staff:
                out.append(piece.html.replace(CSRF_SLOT, token))
            elif piece.kind == "reply" and can_reply:
                out.append(piece.html)
            elif piece.kind == "report" and can_reply and not own:
                out.append(piece.html)
        return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class Shell:
    """A page around its thread list, shared by the viewers alike in what it shows them
    (staff or not, may write or why not, the consent remembered): their name, form token
    and thread list go into its slots."""

    pieces: tuple[str, ...]  # text, and the slots as themselves
    size: int  # bytes held, as `sys.getsizeof` counts them

    @classmethod
    def parse(cls, html: str) -> Shell:
        kept = tuple(piece for piece in _SLOT.split(html) if piece != "")
        return cls(kept, sys.getsizeof(kept) + sum(map(sys.getsizeof, kept)))

    def fill(self, *, name: str, csrf_token: str, threads: Markup) -> str:
        slots = {NAME_SLOT: str(escape(name)), CSRF_SLOT: str(escape(csrf_token))}
        slots[THREADS_SLOT] = str(threads)
        return "".join(slots.get(piece, piece) for piece in self.pieces)


def _size_of_piece(piece: str | Part) -> int:
    if isinstance(piece, str):
        return sys.getsizeof(piece)
    return size_of_fields(piece)


Stamp = tuple[int, int]  # the content version and the minute an entry was made at
Stamped = tuple[Stamp, float, T]  # ... and when (time.monotonic()) it was made


class SharedStore:
    """One process's shared page data (up to `max_pages`), thread lists, shells and posts.

    The last three are weighed in the bytes they hold and share `max_bytes`: half for posts,
    which outlive a change, a quarter for lists, which a change makes stale, and an eighth for
    shells. Page data, lists and shells are kept one entry a key, with the version and minute
    they were made at: built again at a newer one, an entry replaces the older, which no page
    will ask for again.
    """

    def __init__(self, max_pages: int = 2048, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.pages: Lru[tuple[Hashable, ...], Stamped[Any]] = Lru(max_pages, lambda _value: 1)
        self.lists: Lru[tuple[Hashable, ...], Stamped[tuple[Any, Fragment]]] = Lru(
            max_bytes // 4, lambda kept: kept[2][1].size
        )
        self.shells: Lru[tuple[Hashable, ...], Stamped[Shell]] = Lru(
            max_bytes // 8, lambda kept: kept[2].size
        )
        self.articles: Lru[tuple[Hashable, ...], Kept] = Lru(max_bytes // 2, weigh_kept)
        self.flights = Flights()  # one load or render of a key at a time, shared

    def clear(self) -> None:
        for kept in (self.pages, self.lists, self.shells, self.articles):
            kept.clear()


def shared_store(app: Starlette) -> SharedStore:
    """The app's store (`create_app` makes it)."""
    store: SharedStore = app.state.shared_store
    return store


def kept_at(
    store: Lru[tuple[Hashable, ...], Stamped[T]],
    key: tuple[Hashable, ...],
    stamp: Stamp,
    *,
    grace: float = 0.0,
) -> tuple[T, str] | None:
    """What is kept under `key` and how it stands: "hit" when made at `stamp`; "stale" when
    made at an older version of the same minute less than `grace` seconds ago."""
    found = store.get(key)
    if found is None:
        return None
    (version, minute), built, value = found
    if (version, minute) == stamp:
        return value, "hit"
    if version < stamp[0] and minute == stamp[1] and time.monotonic() - built < grace:
        return value, "stale"
    return None


def keep_at(
    store: Lru[tuple[Hashable, ...], Stamped[T]], key: tuple[Hashable, ...], stamp: Stamp, value: T
) -> None:
    """Keep `value` unless what is kept already was made at a newer stamp (a build that
    started before a change, ending after a newer one)."""
    found = store.get(key)
    if found is None or found[0] <= stamp:
        store.put(key, (stamp, time.monotonic(), value))


@dataclass(frozen=True, slots=True)
class Shared:
    """What one request takes from the store: the version and minute its entries must have,
    and for how long after its build a list or shell of an older version may still serve it
    (`grace`, seconds: `shared_for` says)."""

    request: Request
    version: int
    minute: int
    grace: float = 0.0

    @property
    def stamp(self) -> Stamp:
        return self.version, self.minute

    async def data(
        self, key: tuple[Hashable, ...], load: Callable[[AsyncSession], Awaitable[T]]
    ) -> T:
        """Return a page's data, loaded (in a session of its own) when not kept yet."""
        store = shared_store(self.request.app)
        found: tuple[T, str] | None = kept_at(store.pages, key, self.stamp)
        if found is not None:
            return found[0]

        async def load_and_keep() -> T:
            async with database(self.request).session() as session:
                loaded = await load(session)
            keep_at(store.pages, key, self.stamp, loaded)
            return loaded

        return await store.flights.run(("data", *key, *self.stamp), load_and_keep)

    async def fragment(
        self,
        key: tuple[Hashable, ...],
        build: Callable[[AsyncSession], Awaitable[tuple[T, str]]],
    ) -> tuple[T, Fragment, str]:
        """Return what goes with a thread list, the list, and how it came: "hit", "stale"
        (kept from an older version, within the grace) or "miss" (built now).

        `build` loads and renders it for every viewer (`render_shared`).
        """
        store = shared_store(self.request.app)
        found = kept_at(store.lists, key, self.stamp, grace=self.grace)
        if found is not None:
            (summary, fragment), how = found
            return summary, fragment, how

        async def build_and_keep() -> tuple[T, Fragment]:
            async with database(self.request).session() as session:
                summary, html = await build(session)
            kept = (summary, Fragment.parse(html))
            keep_at(store.lists, key, self.stamp, kept)
            return kept

        kept = await store.flights.run(("list", *key, *self.stamp), build_and_keep)
        return kept[0], kept[1], "miss"

    def shell(
        self, key: tuple[Hashable, ...], build: Callable[[], str], *, around: str = "hit"
    ) -> Shell:
        """Return a page's shell, rendered by `build` (with the slots) when not kept yet.

        `around` is how its thread list came (`fragment`). Around a list of this version the
        shell is of this version too; around a "stale" one, an older shell may serve within
        the grace, and one built then shows that list's counts, so it is not kept.
        """
        shells = shared_store(self.request.app).shells
        grace = self.grace if around == "stale" else 0.0
        found = kept_at(shells, key, self.stamp, grace=grace)
        if found is not None:
            return found[0]
        shell = Shell.parse(build())
        if around != "stale":
            keep_at(shells, key, self.stamp, shell)
        return shell


async def shared_for(request: Request) -> Shared:
    """The shared store for this request's discussion, named by the path's slug.

    A slug no discussion has gets version -1: its page's service says NotFound, so nothing
    is kept under it.
    """
    version = await content_version(request, str(request.path_params["slug"]))
    moment = minute_of(now(request))  # as the page cache: sets open on the clock
    return Shared(request, -1 if version is None else version, moment, _grace(request))


def _grace(request: Request) -> float:
    """How long a signed-in page's list and shell may serve after a change: as long as an
    anonymous page (`web/cache.STALE_FOR`), so that under a stream of posts a busy list is
    built about twice a second, not once a post. Never for an anonymous page (the page cache
    would keep it under the new version) nor for a person who has just changed something
    (`web/viewer`'s short cookie after a POST): they see what they did at once."""
    if viewer(request) is None or getattr(request.state, "just_wrote", False):
        return 0.0
    return cache.STALE_FOR


Kept = tuple[tuple[Hashable, ...], bytes]  # a post as shown (`shown_as`), its HTML in UTF-8
_DIGESTED = 64  # a field's text longer than this is kept as its digest


def shown_as(post: object) -> tuple[Hashable, ...]:
    """Every field of `post` (an object with `__slots__`), a long text as its BLAKE2b digest:
    equal exactly when the post would be shown alike, in a fraction of the memory. Another
    value stands for itself."""
    names: tuple[str, ...] = getattr(type(post), "__slots__", ())
    if not names:
        return (post,)  # a plain value (a tuple, a string): itself
    fields: list[Hashable] = []
    for name in names:
        value = getattr(post, name)
        if isinstance(value, str) and len(value) > _DIGESTED:
            value = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        fields.append(value)
    return tuple(fields)


def weigh_kept(kept: Kept) -> int:
    shown, html = kept
    return sys.getsizeof(html) + sys.getsizeof(shown) + sum(sys.getsizeof(v) for v in shown)


class ArticleKeeper:
    """A shared list's posts, each kept rendered between builds of the list.

    A new post makes every list of its discussion be built again, yet leaves the other posts'
    HTML as it was. Each is kept once under its id, what else the macro is given and what the
    whole render shares (the UI language, the page's path, the topics' labels, the nonce),
    with the post as shown (`shown_as`: every field the template reads): a post shown
    otherwise since (edited, hidden, tagged, its author renamed) is rendered again and
    replaces it. The HTML is kept in UTF-8: French or Spanish text with one character past
    Latin-1 would take two bytes a character as a Python string. A post shared with every
    viewer holds nothing of any one of them.
    """

    def __init__(self, store: Lru[tuple[Hashable, ...], Kept], context: tuple[Hashable, ...]):
        self.store = store
        self.context = context

    def __call__(self, macro: Callable[..., str], post: Hashable, *args: Hashable) -> Markup:
        key = (self.context, getattr(post, "id", post), *args)
        shown = shown_as(post)
        kept = self.store.get(key)
        if kept is not None and kept[0] == shown:
            return Markup(kept[1].decode())
        html = str(macro(post, *args))
        self.store.put(key, (shown, html.encode()))
        return Markup(html)


def render_part(
    request: Request, template: str, context: dict[str, Any], *, i18n: I18n, shared: bool
) -> str:
    """Render a part of a page: for this viewer, or (`shared`) for every viewer at once.

    A shared render sees no viewer, a placeholder for the form token and the nonce that
    marks each personal part, and keeps each post rendered (`ArticleKeeper`).
    """
    values = page_context(request, i18n)
    if shared:
        labels = tuple(sorted((context.get("tag_labels") or {}).items()))
        keeper = ArticleKeeper(
            shared_store(request.app).articles, (i18n.language, request.url.path, labels, NONCE)
        )
        values.update(user=None, csrf_token=CSRF_SLOT, slot_nonce=NONCE, kept_article=keeper)
    env = request.app.state.templates
    html: str = env.get_template(template).render({**values, **context})
    return html
