"""Find who is signed in from the session cookie, once per request, before any endpoint.

A GET or HEAD takes it from the process's cache of sessions while nothing about people has
changed (`accounts/session_cache.py`); any other request asks the database.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forum.accounts.session_cache import SessionCache, Stamp
from forum.accounts.sessions import (
    SignedIn,
    find_session,
    needs_touch,
    session_policy,
    touch_session,
)
from forum.core.clock import Clock
from forum.core.versions import ContentVersions
from forum.db import Database
from forum.settings import Settings

JUST_WROTE_SECONDS = 2  # covers the redirect after a post and the page it leads to


def session_marker(cookie_name: str) -> bytes:
    """What a Cookie header holds when it may carry the session cookie."""
    return f"{cookie_name}=".encode("latin-1")


def may_carry_session(scope: Scope, marker: bytes) -> bool:
    """Say, without parsing cookies, whether the request may carry a session cookie
    (anonymous readers, most requests, never do)."""
    return any(name == b"cookie" and marker in value for name, value in scope["headers"])


class ViewerMiddleware:
    """Put the signed-in User (or None) and their raw session token in request.state."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        sessions: SessionCache,
        versions: ContentVersions,
    ) -> None:
        self.app = app
        self.db = db
        self.cookie = settings.session_cookie
        self.wrote = f"{settings.session_cookie}_wrote"
        secure = "; Secure" if settings.https else ""
        self.wrote_header = (
            f"{self.wrote}=1; Max-Age={JUST_WROTE_SECONDS}; Path=/; HttpOnly; SameSite=Lax{secure}"
        )
        self.marker = session_marker(settings.session_cookie)
        self.policy = session_policy(settings)
        self.clock = clock
        self.sessions = sessions
        self.versions = versions

    def _stamp(self) -> Stamp | None:
        """The counts of changes to people now, if the background reader read them lately."""
        if not self.versions.fresh():
            return None
        return Stamp(self.versions.people, self.db.people_changes)

    async def _find(self, raw: str, *, reading: bool) -> SignedIn | None:
        """Who `raw` stands for: kept, for a request that only reads, or from the database
        (one statement, no BEGIN), then kept for the next page."""
        now = self.clock.now()
        stamp = self._stamp() if reading else None  # taken before asking the database
        found = self.sessions.find(raw, stamp=stamp, now=now)
        if found is None:
            async with self.db.single_read() as session:
                found = await find_session(session, raw_token=raw, policy=self.policy, now=now)
            if found is not None:
                self.sessions.keep(raw, found, stamp=stamp)
        if found is not None and needs_touch(found.session, now) and found.session.id:
            async with self.db.transaction() as session:
                await touch_session(session, session_id=found.session.id, now=now)
            found.session.last_seen_at = now  # as kept, too: it is the same object
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["user"] = None
        state["session_token"] = None
        raw, cookies = None, {}
        if may_carry_session(scope, self.marker):  # parse the cookies only then
            cookies = HTTPConnection(scope).cookies
            raw = cookies.get(self.cookie)
        reading = scope["method"] in ("GET", "HEAD")
        found = None
        if raw:  # anonymous readers cost no query at all
            found = await self._find(raw, reading=reading)
            if found is not None:
                state["user"] = found.user
                state["session_token"] = raw
                state["has_unshared_posts"] = found.has_unshared_posts
                state["just_wrote"] = self.wrote in cookies
        if found is None or reading:
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                MutableHeaders(scope=message).append("set-cookie", self.wrote_header)
            await send(message)

        await self.app(scope, receive, send_marked)
