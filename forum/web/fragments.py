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

import re
import secrets
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from markupsafe import Markup, escape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request

from forum.core.i18n import I18n
from forum.core.lru import Lru
from forum.web.cache import Flights, content_version, minute_of
from forum.web.request import database, now, page_context

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

NONCE = secrets.token_hex(16)  # per process: what marks a shared list's personal parts
CSRF_SLOT = f"{NONCE}-csrf"  # where a viewer's own form token goes
NAME_SLOT = f"{NONCE}-name"  # where the viewer's name goes, in a page's header
THREADS_SLOT = f"{NONCE}-threads"  # where a page's thread list goes
_SLOT = re.compile(f"({re.escape(CSRF_SLOT)}|{re.escape(NAME_SLOT)}|{re.escape(THREADS_SLOT)})")
_PART = re.compile(rf"<!--{NONCE}:(\w+):(\d+)-->(.*?)<!--{NONCE}:end-->", re.DOTALL)
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
    size: int

    @classmethod
    def parse(cls, html: str) -> Fragment:
        pieces: list[str | Part] = []
        start = 0
        for found in _PART.finditer(html):
            pieces.append(html[start : found.start()])
            kind, author, inner = found.groups()
            if kind not in KINDS:
                raise ValueError(f"unknown personal part {kind!r}")
            pieces.append(Part(kind, int(author), inner))
            start = found.end()
        pieces.append(html[start:])
        return cls(tuple(piece for piece in pieces if piece != ""), len(html))

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
    size: int

    @classmethod
    def parse(cls, html: str) -> Shell:
        return cls(tuple(piece for piece in _SLOT.split(html) if piece != ""), len(html))

    def fill(self, *, name: str, csrf_token: str, threads: Markup) -> str:
        slots = {NAME_SLOT: str(escape(name)), CSRF_SLOT: str(escape(csrf_token))}
        slots[THREADS_SLOT] = str(threads)
        return "".join(slots.get(piece, piece) for piece in self.pieces)


class SharedStore:
    """One process's shared page data (up to `max_pages`) and thread lists (in bytes)."""

    def __init__(self, max_pages: int = 2048, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.pages: Lru[tuple[Hashable, ...], Any] = Lru(max_pages, lambda _value: 1)
        self.lists: Lru[tuple[Hashable, ...], tuple[Any, Fragment]] = Lru(
            max_bytes, lambda kept: kept[1].size
        )
        self.shells: Lru[tuple[Hashable, ...], Shell] = Lru(max_bytes // 4, lambda kept: kept.size)
        self.articles: Lru[tuple[Hashable, ...], str] = Lru(max_bytes // 4, len)
        self.flights = Flights()  # one load or render of a key at a time, shared

    def clear(self) -> None:
        for kept in (self.pages, self.lists, self.shells, self.articles):
            kept.clear()


def shared_store(app: Starlette) -> SharedStore:
    """The app's store (`create_app` makes it)."""
    store: SharedStore = app.state.shared_store
    return store


@dataclass(frozen=True, slots=True)
class Shared:
    """What one request takes from the store: its keys gain the version and the minute."""

    request: Request
    version: int
    minute: int

    async def data(
        self, key: tuple[Hashable, ...], load: Callable[[AsyncSession], Awaitable[T]]
    ) -> T:
        """Return a page's data, loaded (in a session of its own) when not kept yet."""
        store = shared_store(self.request.app)
        full = (*key, self.version, self.minute)
        found: T | None = store.pages.get(full)
        if found is not None:
            return found

        async def load_and_keep() -> T:
            async with database(self.request).session() as session:
                loaded = await load(session)
            store.pages.put(full, loaded)
            return loaded

        return await store.flights.run(("data", *full), load_and_keep)

    async def fragment(
        self,
        key: tuple[Hashable, ...],
        build: Callable[[AsyncSession], Awaitable[tuple[T, str]]],
    ) -> tuple[T, Fragment, bool]:
        """Return what goes with a thread list, the list, and whether it was kept already.

        `build` loads and renders it for every viewer (`render_shared`).
        """
        store = shared_store(self.request.app)
        full = (*key, self.version, self.minute)
        found: tuple[T, Fragment] | None = store.lists.get(full)
        if found is not None:
            return found[0], found[1], True

        async def build_and_keep() -> tuple[T, Fragment]:
            async with database(self.request).session() as session:
                summary, html = await build(session)
            kept = (summary, Fragment.parse(html))
            store.lists.put(full, kept)
            return kept

        kept = await store.flights.run(("list", *full), build_and_keep)
        return kept[0], kept[1], False

    def shell(self, key: tuple[Hashable, ...], build: Callable[[], str]) -> Shell:
        """Return a page's shell, rendered by `build` (with the slots) when not kept yet."""
        shells = shared_store(self.request.app).shells
        full = (*key, self.version, self.minute)
        found = shells.get(full)
        if found is None:
            found = Shell.parse(build())
            shells.put(full, found)
        return found


async def shared_for(request: Request) -> Shared:
    """The shared store for this request's discussion, named by the path's slug.

    A slug no discussion has gets version -1: its page's service says NotFound, so nothing
    is kept under it.
    """
    version = await content_version(request, str(request.path_params["slug"]))
    moment = minute_of(now(request))  # as the page cache: sets open on the clock
    return Shared(request, -1 if version is None else version, moment)


class ArticleKeeper:
    """A shared list's posts, each kept rendered between builds of the list.

    A new post makes every list of its discussion be built again, yet leaves the other posts'
    HTML as it was: each is kept under the post as shown (`PostView`, every field the template
    reads) and what else the macro is given, with what the whole render shares (the UI
    language, the page's path, the topics' labels, the nonce). A post shared with every viewer
    holds nothing of any one of them.
    """

    def __init__(self, store: Lru[tuple[Hashable, ...], str], context: tuple[Hashable, ...]):
        self.store = store
        self.context = context

    def __call__(self, macro: Callable[..., str], post: Hashable, *args: Hashable) -> Markup:
        key = (self.context, post, *args)
        html = self.store.get(key)
        if html is None:
            html = str(macro(post, *args))
            self.store.put(key, html)
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
