"""The privacy page: what is kept about people, why, how long, how to take it or delete it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.accounts.privacy import privacy_text
from forum.web.request import page_i18n, render


async def privacy(request: Request) -> Response:
    i18n = page_i18n(request)
    done = request.query_params.get("done", "")
    context = {"text": privacy_text(i18n.language), "done": done}
    return render(request, "pages/privacy.html", context, i18n=i18n)


routes: list[BaseRoute] = [Route("/privacy", privacy, name="privacy")]
