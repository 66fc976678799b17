"""Pure ASGI middlewares for security headers with a CSP nonce, body size limits and CSRF."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import AsyncGenerator, Callable
from typing import Any
from urllib.parse import parse_qs

from itsdangerous import BadSignature, Signer
from starlette.datastructures import Headers, MutableHeaders
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import HTTPConnection, cookie_parser
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forum.web.forms import whole_number

CSRF_SALT = "forum-csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MAX_FIELDS = 1000  # as many fields as Starlette reads in a form
BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})  # a request with a body
MAX_DECLARED = 2**53  # a larger Content-Length is not believed; the streamed count still applies
# Every other method changes something, so it must prove it came from our own pages.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HSTS = "max-age=63072000; includeSubDomains"
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
STATIC_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def _state(scope: Scope) -> dict[str, Any]:
    """Return the per-request state dict that `request.state` reads, creating it if missing."""
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


CSP_PARTS = tuple(part.encode("ascii") for part in CSP.split("{nonce}"))  # joined by the nonce
STATIC_RAW = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in STATIC_HEADERS
)


class SecurityHeadersMiddleware:
    """Add a per-request CSP nonce to the state and the security headers to every response."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https
        fixed = (
            STATIC_RAW + ((b"strict-transport-security", HSTS.encode()),) if https else STATIC_RAW
        )
        self.fixed = fixed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=")  # as secrets.token_urlsafe
        _state(scope)["csp_nonce"] = nonce.decode("ascii")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
                message["headers"] = headers
                # Only where the route chose none: a route's own policy is kept, not doubled.
                present = {name.lower() for name, _value in headers}
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", nonce.join(CSP_PARTS)))
                headers.extend(pair for pair in self.fixed if pair[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTooLarge(Exception):
    """The request body passed the limit while the app was reading it."""


def _no_body() -> Receive:
    """Return a `receive` for the 413 page: an empty body, then a disconnect."""
    given = False

    async def receive() -> Message:
        nonlocal given
        if given:
            # Not an endless empty body: a disconnect listener would spin on that.
            return {"type": "http.disconnect"}
        given = True
        return {"type": "http.request", "body": b"", "more_body": False}

    return receive


class BodySizeLimitMiddleware:
    """Answer 413 to request bodies over `max_bytes`, declared or streamed.

    `limit_for(path)` may give a path a limit of its own (an upload form's), else None.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        too_large: ASGIApp | None = None,
        limit_for: Callable[[str], int | None] = lambda path: None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.too_large: ASGIApp = too_large or PlainTextResponse(
            "Request body too large", status_code=413
        )
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD") and not any(
            name in BODY_HEADERS for name, _value in scope["headers"]
        ):  # no body is coming: nothing to count
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"]) or self.max_bytes
        declared = whole_number(Headers(scope=scope).get("content-length"), MAX_DECLARED)
        if declared is not None and declared > limit:
            await self.too_large(scope, _no_body(), send)
            return
        await self._guarded(scope, receive, send, limit)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app on a counting `receive`; answer 413 if it overflows before a response."""
        received = 0
        exceeded = started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # Whatever the app makes of the overflow (say an error page), the 413 replaces it.
            if exceeded and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            # Not only _BodyTooLarge: the app may have wrapped it (ExceptionGroup, say).
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self.too_large(scope, _no_body(), send)


class _Unreadable(Exception):
    """The body says it is a form but cannot be read as one."""


def _signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt=CSRF_SALT)


def csrf_cookie_name(https: bool) -> str:
    """Return the CSRF cookie's name: the __Host- prefix pins it to our host over HTTPS."""
    return "__Host-csrf" if https else "csrf"


def _cookie_header(signer: Signer, token: str, https: bool) -> str:
    signed = signer.sign(token).decode("ascii")
    secure = "; Secure" if https else ""
    return f"{csrf_cookie_name(https)}={signed}; HttpOnly; Path=/; SameSite=Lax{secure}"


class PendingToken:
    """A safe request's CSRF token, made only when a page writes it into a form.

    Most GETs render no form: they then make no token, sign nothing and set no cookie, so a
    page shared by anonymous readers goes out without one. `str()` (a template writing it)
    makes the token; the cookie follows on that same response.
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: str | None = None

    def __str__(self) -> str:
        if self.value is None:
            self.value = secrets.token_urlsafe(32)
        return self.value

    def __html__(self) -> str:
        return str(self)


def rotate_csrf(connection: HTTPConnection) -> str:
    """Replace this request's CSRF token; CSRFMiddleware sets the cookie on the response."""
    token = secrets.token_urlsafe(32)
    connection.state.csrf_token = token
    return token


def _same(submitted: str | None, expected: str | None) -> bool:
    if not submitted or not expected:
        return False
    # Bytes, because compare_digest refuses non-ASCII str and a forged field may hold any.
    return secrets.compare_digest(submitted.encode("utf-8"), expected.encode("utf-8"))


async def _read_body(receive: Receive) -> bytes | None:
    """Read the whole request body; None when the client went away first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a `receive` that gives `body` once, then defers to the real one for disconnects."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _form_token(headers: Headers, body: bytes) -> str | None:
    """Find the csrf_token field in a urlencoded or multipart body; raise _Unreadable."""
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(body.decode("latin-1"), max_num_fields=MAX_FIELDS)
        except ValueError as error:
            raise _Unreadable from error
        values = fields.get(CSRF_FIELD)
        return values[0] if values else None
    if content_type == "multipart/form-data":
        return await _multipart_token(headers, body)
    return None


async def _multipart_token(headers: Headers, body: bytes) -> str | None:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        form = await MultiPartParser(headers, stream(), max_fields=MAX_FIELDS).parse()
    except (MultiPartException, ValueError) as error:  # python-multipart's are ValueErrors
        raise _Unreadable from error
    try:
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


class CSRFMiddleware:
    """Check unsafe requests against a signed double-submit cookie; call `reject` on failure."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret_key: str,
        https: bool,
        reject: ASGIApp,
        unreadable: ASGIApp | None = None,
        exempt: Callable[[str], bool] = lambda path: False,
    ) -> None:
        self.app = app
        self.signer = _signer(secret_key)
        self.https = https
        self.cookie_name = csrf_cookie_name(https)
        self.reject = reject
        self.unreadable: ASGIApp = unreadable or PlainTextResponse(
            "Unreadable form", status_code=400
        )
        self.exempt = exempt

    def _cookie_token(self, headers: Headers) -> str | None:
        """Return the token in the request's cookie if we signed it, else None."""
        cookie = cookie_parser(headers.get("cookie", "")).get(self.cookie_name)
        if not cookie:
            return None
        try:
            return self.signer.unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookie_token = self._cookie_token(headers)
        state = _state(scope)
        safe = scope["method"] in SAFE_METHODS
        fresh: str | PendingToken = PendingToken() if safe else secrets.token_urlsafe(32)
        state["csrf_token"] = cookie_token or fresh
        send = self._cookie_sender(state, cookie_token, send)
        if safe or self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        submitted = headers.get(CSRF_HEADER)
        if submitted is None:
            body = await _read_body(receive)
            if body is None:
                return
            receive = _replay(body, receive)
            try:
                submitted = await _form_token(headers, body)
            except _Unreadable:
                await self.unreadable(scope, receive, send)
                return
        if _same(submitted, cookie_token):
            await self.app(scope, receive, send)
        else:
            await self.reject(scope, receive, send)

    def _cookie_sender(self, state: dict[str, Any], cookie_token: str | None, send: Send) -> Send:
        """Wrap `send` to set the cookie when the state's token is not the one the cookie holds."""

        async def send_with_cookie(message: Message) -> None:
            token = state.get("csrf_token")
            if isinstance(token, PendingToken):
                token = token.value  # None when no page asked for it: no cookie
            # Read at response start, so rotate_csrf in the endpoint is honoured.
            if message["type"] == "http.response.start" and isinstance(token, str):
                if token != cookie_token:
                    message.setdefault("headers", [])
                    headers = MutableHeaders(scope=message)
                    if not self._sets_cookie(headers):
                        headers.append("Set-Cookie", _cookie_header(self.signer, token, self.https))
            await send(message)

        return send_with_cookie

    def _sets_cookie(self, headers: Headers) -> bool:
        """Tell whether the route already set our cookie itself, so that we do not set it twice."""
        prefix = f"{self.cookie_name}="
        return any(value.startswith(prefix) for value in headers.getlist("set-cookie"))
