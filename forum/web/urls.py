"""The one way to make a link: named routes, the /{lang} mount, and the language switcher."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.convertors import Convertor, register_url_convertor
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from forum.core.i18n import I18n
from forum.core.links import Links, UrlFor

# Routes outside the language mount: a link to them never carries a language.
UNLOCALISED = frozenset({"root", "healthz", "readyz", "metrics", "static"})
# What a screen passes on from its query to its own links (the switcher, a form's way back):
# its filters and its page, each short, so that no query a visitor makes up is written into
# the page again and again.
KEPT_QUERY = frozenset(
    {
        *("discussion", "question", "language", "rule", "action", "actor", "order", "page"),
        *("next", "q", "tag", "group", "country", "since", "until", "sort"),
    }
)
MAX_KEPT_VALUE = 200


class IdConvertor(Convertor[int]):
    """A row id or number in the path: at most nine digits, so it always fits the columns."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


class Action(Route):
    """A POST-only route; `screen` names the GET page it belongs to (for the switcher)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, name: str, screen: str) -> None:
        super().__init__(path, endpoint, methods=["POST"], name=name)
        self.screen = screen


class LanguageMiddleware:
    """Resolve the reader's language once per request, from the mount's `lang`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            catalogs: dict[str, I18n] = scope["app"].state.catalogs
            scope.setdefault("state", {})["i18n"] = catalogs[scope["path_params"]["lang"]]
        await self.app(scope, receive, send)


class LanguageMount(Mount):
    """`/{lang}/…` where lang is one of the offered languages and nothing else."""

    def __init__(self, languages: Sequence[str], routes: Sequence[BaseRoute]) -> None:
        super().__init__("/{lang}", routes=routes, middleware=[Middleware(LanguageMiddleware)])
        choice = "|".join(re.escape(code) for code in languages)
        self.path_regex = re.compile(f"^/(?P<lang>{choice})/(?P<path>.*)$")


def language_of(connection: HTTPConnection) -> str | None:
    """Return the language the mount resolved for this request, if any."""
    i18n: I18n | None = getattr(connection.state, "i18n", None)
    return i18n.language if i18n is not None else None


MAX_KEPT_PATHS = 8_192  # paths kept per process (about 350 bytes each) before starting afresh


def path_for(connection: HTTPConnection, name: str, /, **params: Any) -> str:
    """Build the path of the route `name`; the reader's language unless `lang` is given.

    Starlette tries every route in turn for each link, dozens a page; the route table never
    changes while the app runs, so each path is built once and kept.
    """
    if name not in UNLOCALISED and "lang" not in params:
        params["lang"] = language_of(connection) or connection.app.state.settings.default_language
    state = connection.app.state
    kept: dict[tuple[Any, ...], str] | None = getattr(state, "built_paths", None)
    if kept is None or len(kept) >= MAX_KEPT_PATHS:
        kept = state.built_paths = {}
    try:
        key = (name, *sorted(params.items()))
        found = kept.get(key)
    except TypeError:  # a value that cannot be a key: build it every time
        return str(connection.app.router.url_path_for(name, **params))
    if found is None:
        found = kept[key] = str(connection.app.router.url_path_for(name, **params))
    return found


def url_builder(connection: HTTPConnection) -> UrlFor:
    """Give templates `url(name, **params)` bound to this request."""

    def url(name: str, /, **params: Any) -> str:
        return path_for(connection, name, **params)

    return url


def mail_links(router: Router, base_url: str) -> Links:
    """Give mails `url(name, **params)`: absolute links, in the recipient's language."""

    def links(language: str) -> UrlFor:
        def url(name: str, /, **params: Any) -> str:
            if name not in UNLOCALISED:
                params.setdefault("lang", language)
            return base_url.rstrip("/") + str(router.url_path_for(name, **params))

        return url

    return links


def _screen(request: Request) -> tuple[str, dict[str, Any], str] | None:
    """Name, parameters and query of the GET page this request shows, if it is one."""
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    if not isinstance(route, Route) or not name or language_of(request) is None:
        return None
    params = dict(request.path_params)
    if isinstance(route, Action):
        wanted = _params_of(request, route.screen)
        return route.screen, {k: v for k, v in params.items() if k in wanted}, ""
    query = kept_query(request) if request.method == "GET" else ""
    return name, params, query


def kept_query(request: Request) -> str:
    """The part of this request's query its links keep: known names, short values, once each."""
    kept: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in KEPT_QUERY and name not in kept and 0 < len(value) <= MAX_KEPT_VALUE:
            kept[name] = value
    return urlencode(kept)


def this_page(request: Request) -> str:
    """This page's path with the query its links keep: where a form on it comes back to."""
    query = kept_query(request)
    return request.url.path + (f"?{query}" if query else "")


def _params_of(request: Request, name: str) -> set[str]:
    for route in _all_routes(request.app.router.routes):
        if isinstance(route, Route) and route.name == name:
            return {"lang", *route.param_convertors}
    return {"lang"}


def _all_routes(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for route in routes:
        found.append(route)
        if isinstance(route, Mount):
            found.extend(_all_routes(route.routes))
    return found


def screen_path(request: Request) -> str | None:
    """The GET page behind this request in the reader's language, for an error page's link."""
    screen = _screen(request)
    if screen is None:
        return None
    name, params, _query = screen
    return path_for(request, name, **params)


def switcher(request: Request, i18n: I18n) -> list[tuple[str, str, str]]:
    """Links to this screen in every other language, always a GET page: (code, name, url)."""
    screen = _screen(request)
    links = []
    for code in request.app.state.catalogs:
        if code == i18n.language:
            continue
        if screen is None:
            target = path_for(request, "home", lang=code)
        else:
            name, params, query = screen
            target = path_for(request, name, **{**params, "lang": code})
            target += f"?{query}" if query else ""
        links.append((code, i18n.language_name(code), target))
    return links
