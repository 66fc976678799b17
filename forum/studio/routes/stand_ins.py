"""Stand-ins for the studio pages the layout links to, until the lead's pages are merged.

The studio layout builds a link to every tab with url(); on this branch those pages do not
exist yet, so these names answer 404 (POST-only, so that no page walk or permission matrix
counts them). Delete this module and its line in __init__.py when the real pages arrive:
the test that every route name is unique fails until then.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from forum.core.errors import NotFound
from forum.web.urls import Action


async def _absent(request: Request) -> Response:
    raise NotFound(request.url.path)


_TABS = ("settings", "texts", "weeks", "tags", "preview", "history")
routes: list[BaseRoute] = [
    Action("/studio/", _absent, name="studio", screen="home"),
    Action("/studio/{slug}", _absent, name="studio_discussion", screen="studio_documents"),
    *(
        Action(f"/studio/{{slug}}/{tab}", _absent, name=f"studio_{tab}", screen="studio_documents")
        for tab in _TABS
    ),
]
