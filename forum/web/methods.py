"""HEAD is answered as the GET of the same address, headers only, so no endpoint mistakes it."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Run a HEAD request as a GET and send the same status and headers without the body.

    Endpoints that serve GET and POST test `request.method == "GET"`; a HEAD must never reach
    their POST branch (it is a safe method, so it carries no CSRF token), and link checkers
    that send HEAD must not confirm or unsubscribe anybody.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
