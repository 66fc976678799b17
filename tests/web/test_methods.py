"""HEAD answered as GET without a body, on a tiny app: the POST branch of a form never runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from forum.web.methods import HeadAsGetMiddleware

posted: list[str] = []


async def form(request: Request) -> Response:
    if request.method == "GET":
        return PlainTextResponse("the form")
    posted.append(request.method)
    return PlainTextResponse("saved")


async def stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for word in (b"one ", b"two ", b"three"):
            yield word

    return StreamingResponse(chunks(), media_type="text/plain")


def client() -> httpx.AsyncClient:
    app = Starlette(
        routes=[Route("/form", form, methods=["GET", "POST"]), Route("/stream", stream)],
        middleware=[Middleware(HeadAsGetMiddleware)],
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_head_of_a_form_page_answers_like_get_and_saves_nothing() -> None:
    async with client() as http:
        head = await http.head("/form")
        get = await http.get("/form")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == get.headers["content-length"] == "8"
    assert posted == []


async def test_head_of_a_streamed_page_sends_no_chunk() -> None:
    async with client() as http:
        head = await http.head("/stream")
        get = await http.get("/stream")
    assert (head.status_code, head.content) == (200, b"")
    assert get.text == "one two three"
