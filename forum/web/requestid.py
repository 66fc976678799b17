"""A request id for every request, and the 500 page for what fails, logged under that id."""

from __future__ import annotations

import logging
import secrets

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-Id"
ID_HEADER_RAW = REQUEST_ID_HEADER.lower().encode("ascii")
logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Give each request an id (in its state and the X-Request-Id header) and catch failures.

    An exception nothing else handled is logged with the request id and answered here with
    `server_error`, so that the 500 page goes out through the middlewares around this one (the
    security headers) instead of Starlette's outermost error handler, which bypasses them.
    """

    def __init__(self, app: ASGIApp, *, server_error: ASGIApp | None = None) -> None:
        self.app = app
        self.server_error: ASGIApp = server_error or PlainTextResponse(
            "Internal Server Error", status_code=500
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        raw_id = request_id.encode("ascii")
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                # Appended, not looked for: nothing else sets this header.
                message["headers"] = [*message.get("headers", ()), (ID_HEADER_RAW, raw_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("request %s failed: %s %s", request_id, scope["method"], scope["path"])
            if started:  # half a response is out: nothing better to do than drop it
                raise
            await self._answer(scope, receive, send_with_id, request_id)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        """Send the 500 page; if even that fails, a plain one naming the request id."""
        try:
            await self.server_error(scope, receive, send)
        except Exception:
            logger.exception("request %s: the error page failed too", request_id)
            plain = PlainTextResponse(f"Internal Server Error ({request_id})", status_code=500)
            await plain(scope, receive, send)
