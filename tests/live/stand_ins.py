"""Stand-ins for the studio tabs the studio layout links but this branch does not have yet.

The studio's other pages are written in parallel; until they are merged, the layout's links
to them cannot be built and no studio page renders. Each name the app lacks gets a link-only
route: `url()` builds its path, but it answers no request and route walks do not see it. A
name the app has is left alone, so this does nothing once those pages are merged.

`tests/live` uses it through its `app` fixture; `pytest -p tests.live.stand_ins tests/web`
puts it under every app the run builds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

import forum.app

LAYOUT_TABS = {
    "studio": "/studio/",
    "studio_discussion": "/studio/{slug}",
    "studio_settings": "/studio/{slug}/settings",
    "studio_texts": "/studio/{slug}/texts",
    "studio_weeks": "/studio/{slug}/weeks",
    "studio_tags": "/studio/{slug}/tags",
    "studio_preview": "/studio/{slug}/preview",
    "studio_history": "/studio/{slug}/history",
}


class LinkOnly(BaseRoute):
    """A name and a path to build links with, and nothing that answers."""

    def __init__(self, path: str, name: str) -> None:
        self.name = name
        self._route = Route(path, self.handle, name=name)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return self._route.url_path_for(name, **path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("a link-only route never answers")


def with_stand_ins(routes: Callable[[], list[BaseRoute]]) -> Callable[[], list[BaseRoute]]:
    """Wrap `localised_routes` so that every studio tab the layout links has a name."""

    def localised() -> list[BaseRoute]:
        found = routes()
        names = {getattr(route, "name", None) for route in found}
        missing = [name for name in LAYOUT_TABS if name not in names]
        return found + [LinkOnly(LAYOUT_TABS[name], name) for name in missing]

    return localised


def pytest_configure(config: pytest.Config) -> None:
    forum.app.localised_routes = with_stand_ins(forum.app.localised_routes)  # type: ignore[assignment]
