"""Find who is signed in from the session cookie, once per request, before any endpoint."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from forum.accounts.sessions import find_session, needs_touch, session_policy, touch_session
from forum.core.clock import Clock
from forum.db import Database
from forum.settings import Settings


def session_marker(cookie_name: str) -> bytes:
    """What a Cookie header holds when it may carry the session cookie."""
    return f"{cookie_name}=".encode("latin-1")


def may_carry_session(scope: Scope, marker: bytes) -> bool:
    """Say, without parsing cookies, whether the request may carry a session cookie
    (anonymous readers, most requests, never do)."""
    return any(name == b"cookie" and marker in value for name, value in scope["headers"])


class ViewerMiddleware:
    """Put the signed-in User (or None) and their raw session token in request.state."""

    def __init__(self, app: ASGIApp, *, db: Database, settings: Settings, clock: Clock) -> None:
        self.app = app
        self.db = db
        self.cookie = settings.session_cookie
        self.marker = session_marker(settings.session_cookie)
        self.policy = session_policy(settings)
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["user"] = None
        state["session_token"] = None
        raw = None
        if may_carry_session(scope, self.marker):  # parse the cookies only then
            raw = HTTPConnection(scope).cookies.get(self.cookie)
        if raw:  # anonymous readers cost no query at all
            now = self.clock.now()
            async with self.db.single_read() as session:  # one statement: no BEGIN
                found = await find_session(session, raw_token=raw, policy=self.policy, now=now)
            if found is not None:
                user, user_session = found.user, found.session
                state["user"] = user
                state["session_token"] = raw
                state["has_unshared_posts"] = found.has_unshared_posts
                if needs_touch(user_session, now) and user_session.id is not None:
                    async with self.db.transaction() as session:
                        await touch_session(session, session_id=user_session.id, now=now)
        await self.app(scope, receive, send)
