"""The community guidelines as people read them, one page per language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.web.request import page_i18n, render


async def guidelines(request: Request) -> Response:
    i18n = page_i18n(request)
    book = request.app.state.guidelines[i18n.language]
    return render(request, "pages/guidelines.html", {"book": book}, i18n=i18n)


routes: list[BaseRoute] = [Route("/guidelines", guidelines, name="guidelines")]
