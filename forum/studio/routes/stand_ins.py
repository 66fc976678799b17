"""Stand-ins for the studio pages the layout links to, until the lead's pages are merged.

The studio layout builds a link to every tab with url(); on this branch those pages do not
exist yet, so these names answer 404 to every method (no method is listed, so that no page
walk, permission matrix or POST walk counts them). Delete this module and its line in
__init__.py when the real pages arrive: the test that every route name is unique fails
until then.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.core.errors import NotFound


async def _absent(request: Request) -> Response:
    raise NotFound(request.url.path)


_TABS = ("settings", "texts", "weeks", "tags", "preview", "history")
routes: list[BaseRoute] = [
    Route("/studio/", _absent, methods=[], name="studio"),
    Route("/studio/{slug}", _absent, methods=[], name="studio_discussion"),
    *(Route(f"/studio/{{slug}}/{tab}", _absent, methods=[], name=f"studio_{tab}") for tab in _TABS),
]
