"""Security middlewares on tiny inline apps: headers and nonce, body limits, CSRF."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from itsdangerous import Signer
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forum.web.security import (
    BodySizeLimitMiddleware,
    CSRFMiddleware,
    SecurityHeadersMiddleware,
    rotate_csrf,
)

SECRET = "security-test-secret-0123456789-abcdefghijk"
LIMIT = 1024
UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]
TEXT = "Grüße, ça va? 你好 & a=b + 100% ✓"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
REJECT = PlainTextResponse("csrf rejected", status_code=403)


async def page(request: Request) -> HTMLResponse:
    token = request.state.csrf_token
    nonce = request.state.csp_nonce
    return HTMLResponse(
        f'<form method="post" action="/submit"><input name="csrf_token" value="{token}">'
        f'</form><script nonce="{nonce}"></script>'
    )


async def submit(request: Request) -> JSONResponse:
    async with request.form() as form:
        upload = form.get("file")
        content = None if upload is None or isinstance(upload, str) else await upload.read()
        return JSONResponse(
            {"text": form.get("text"), "file": content.decode() if content is not None else None}
        )


async def framed(request: Request) -> Response:
    return Response("framed", headers={"X-Frame-Options": "SAMEORIGIN"})


async def sign_in(request: Request) -> Response:
    rotate_csrf(request)
    return PlainTextResponse(request.state.csrf_token)


async def swallow(request: Request) -> Response:
    try:
        await request.body()
    except Exception:
        return PlainTextResponse("swallowed", status_code=400)
    return PlainTextResponse("read")


def build(
    *, https: bool = False, too_large: ASGIApp | None = None, max_bytes: int = LIMIT
) -> Starlette:
    """Make a small app behind the three middlewares, in the order create_app should use."""
    routes = [
        Route("/", page),
        Route("/submit", submit, methods=UNSAFE),
        Route("/hooks/ping", submit, methods=["POST"]),
        Route("/framed", framed),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/swallow", swallow, methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware, https=https),
            Middleware(BodySizeLimitMiddleware, max_bytes=max_bytes, too_large=too_large),
            Middleware(
                CSRFMiddleware,
                secret_key=SECRET,
                https=https,
                reject=REJECT,
                exempt=lambda path: path.startswith("/hooks/"),
            ),
        ],
    )


def client_for(app: ASGIApp, *, https: bool = False) -> httpx.AsyncClient:
    base = "https://testserver" if https else "http://testserver"
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(build()) as http:
        yield http


async def visit(client: httpx.AsyncClient) -> str:
    """Load the form page and return the token it carries; the client keeps the cookie."""
    response = await client.get("/")
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match is not None
    return match.group(1)


def csp_nonce(response: httpx.Response) -> str:
    match = re.search(
        r"script-src 'self' 'nonce-([^']+)'", response.headers["content-security-policy"]
    )
    assert match is not None
    return match.group(1)


async def chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 100):
        yield b"text=" + b"x" * 95


async def test_get_sets_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert response.headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()"
    csp = response.headers["content-security-policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "strict-transport-security" not in response.headers


async def test_csp_nonce_differs_per_request(client: httpx.AsyncClient) -> None:
    first, second = await client.get("/"), await client.get("/")
    assert csp_nonce(first) != csp_nonce(second)
    for response in (first, second):
        nonce = csp_nonce(response)
        assert f"style-src 'self' 'nonce-{nonce}'" in response.headers["content-security-policy"]
        assert f'<script nonce="{nonce}">' in response.text
        assert "unsafe-inline" not in response.headers["content-security-policy"]


async def test_https_app_sends_hsts() -> None:
    async with client_for(build(https=True), https=True) as http:
        response = await http.get("/")
    assert response.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"


async def test_route_header_kept_without_duplicate(client: httpx.AsyncClient) -> None:
    response = await client.get("/framed")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]


async def test_first_visit_sets_plain_cookie_over_http(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("csrf=")
    assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie and "; Path=/" in cookie
    assert "Secure" not in cookie


async def test_first_visit_sets_host_cookie_over_https() -> None:
    async with client_for(build(https=True), https=True) as http:
        response = await http.get("/")
        token = await visit(http)
        accepted = await http.post("/submit", data={"csrf_token": token, "text": "hi"})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-csrf=")
    for flag in ("; HttpOnly", "; SameSite=Lax", "; Path=/", "; Secure"):
        assert flag in cookie
    assert "domain" not in cookie.lower()
    assert accepted.status_code == 200


async def test_second_visit_keeps_cookie_and_token(client: httpx.AsyncClient) -> None:
    first = await visit(client)
    response = await client.get("/")
    assert "set-cookie" not in response.headers
    assert await visit(client) == first


async def test_post_without_token_rejected(client: httpx.AsyncClient) -> None:
    await visit(client)
    response = await client.post("/submit", data={"text": "hi"})
    assert (response.status_code, response.text) == (403, "csrf rejected")
    assert "content-security-policy" in response.headers


async def test_post_without_cookie_rejected_and_gets_cookie(client: httpx.AsyncClient) -> None:
    response = await client.post("/submit", data={"text": "hi", "csrf_token": "guess"})
    assert response.status_code == 403
    assert response.headers["set-cookie"].startswith("csrf=")


async def test_post_with_wrong_token_rejected(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post("/submit", data={"text": "hi", "csrf_token": token[:-1] + "x"})
    assert response.status_code == 403


async def test_post_with_non_ascii_token_rejected(client: httpx.AsyncClient) -> None:
    await visit(client)
    response = await client.post("/submit", data={"text": "hi", "csrf_token": "é" * 43})
    assert response.status_code == 403


async def test_post_with_other_visitors_token_rejected(client: httpx.AsyncClient) -> None:
    await visit(client)
    async with client_for(build()) as other:
        theirs = await visit(other)
        their_cookie = other.cookies["csrf"]
    by_token = await client.post("/submit", data={"text": "hi", "csrf_token": theirs})
    by_cookie = await client.post("/submit", data={"text": "hi", "csrf_token": their_cookie})
    assert (by_token.status_code, by_cookie.status_code) == (403, 403)


@pytest.mark.parametrize(
    "cookie",
    [
        "forged-token",
        "forged-token.bogus-signature",
        Signer("another-secret-key-0123456789-abcdef", salt="forum-csrf")
        .sign("forged-token")
        .decode(),
        Signer(SECRET, salt="another-salt").sign("forged-token").decode(),
    ],
)
async def test_post_with_forged_cookie_rejected(cookie: str) -> None:
    async with client_for(build()) as http:
        response = await http.post(
            "/submit",
            data={"text": "hi", "csrf_token": "forged-token"},
            headers={"Cookie": f"csrf={cookie}"},
        )
    assert response.status_code == 403


async def test_post_with_form_token_accepted(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post("/submit", data={"csrf_token": token, "text": TEXT})
    assert response.status_code == 200
    assert response.json() == {"text": TEXT, "file": None}


async def test_post_multipart_with_token_accepted(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post(
        "/submit",
        data={"csrf_token": token, "text": TEXT},
        files={"file": ("note.txt", "fichier ✓".encode(), "text/plain")},
    )
    assert response.status_code == 200
    assert response.json() == {"text": TEXT, "file": "fichier ✓"}


async def test_post_broken_multipart_refused_as_unreadable(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post(
        "/submit",
        content=f"csrf_token={token}".encode(),
        headers={"Content-Type": "multipart/form-data"},
    )
    assert (response.status_code, response.text) == (400, "Unreadable form")


async def test_post_with_too_many_fields_refused_as_unreadable() -> None:
    async with client_for(build(max_bytes=100_000)) as client:
        token = await visit(client)
        fields = "&".join(f"f{index}=x" for index in range(1001))
        response = await client.post(
            "/submit", content=f"{fields}&csrf_token={token}".encode(), headers=FORM
        )
    assert (response.status_code, response.text) == (400, "Unreadable form")


# Header values are read as Latin-1, where "²", "³" and "¹" pass str.isdigit().
@pytest.mark.parametrize("declared", [b"\xb2", b"1\xb9", b"9" * 40])
async def test_odd_content_length_is_not_believed(declared: bytes) -> None:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"text=x", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/hooks/ping",
        "headers": [
            (b"content-length", declared),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ],
        "query_string": b"",
    }
    await build()(scope, receive, send)
    assert sent[0]["status"] == 200


async def test_post_with_header_token_accepted(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post("/submit", data={"text": TEXT}, headers={"X-CSRF-Token": token})
    assert (response.status_code, response.json()["text"]) == (200, TEXT)


async def test_post_with_wrong_header_token_rejected(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post(
        "/submit", data={"text": "hi", "csrf_token": token}, headers={"X-CSRF-Token": "wrong"}
    )
    assert response.status_code == 403


async def test_post_json_without_header_rejected(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post("/submit", json={"csrf_token": token, "text": "hi"})
    assert response.status_code == 403


async def test_exempt_path_accepts_without_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/hooks/ping", data={"text": "pong"})
    assert (response.status_code, response.json()["text"]) == (200, "pong")


@pytest.mark.parametrize("method", UNSAFE)
async def test_unsafe_method_without_token_rejected(client: httpx.AsyncClient, method: str) -> None:
    await visit(client)
    response = await client.request(method, "/submit", data={"text": "hi"})
    assert response.status_code == 403


@pytest.mark.parametrize("method", UNSAFE)
async def test_unsafe_method_with_token_accepted(client: httpx.AsyncClient, method: str) -> None:
    token = await visit(client)
    response = await client.request(method, "/submit", headers={"X-CSRF-Token": token})
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_safe_method_never_checked(method: str) -> None:
    async with client_for(build()) as http:
        response = await http.request(method, "/", headers={"Cookie": "csrf=forged"})
    assert response.status_code == 200
    assert response.headers["set-cookie"].startswith("csrf=")


async def test_rotate_csrf_issues_new_cookie(client: httpx.AsyncClient) -> None:
    old = await visit(client)
    response = await client.post("/sign-in", headers={"X-CSRF-Token": old})
    new = response.text
    assert new != old and response.headers["set-cookie"].startswith("csrf=")
    stale = await client.post("/submit", data={"csrf_token": old, "text": "hi"})
    fresh = await client.post("/submit", data={"csrf_token": new, "text": "hi"})
    assert (stale.status_code, fresh.status_code) == (403, 200)
    assert await visit(client) == new


async def test_body_over_limit_by_content_length_rejected(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post(
        "/submit", data={"csrf_token": token, "text": "x" * LIMIT}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 413
    assert "content-security-policy" in response.headers


@pytest.mark.parametrize("with_header", [True, False])
async def test_chunked_body_over_limit_rejected(
    client: httpx.AsyncClient, with_header: bool
) -> None:
    token = await visit(client)
    headers = dict(FORM)
    if with_header:
        # The endpoint, not the CSRF check, is then the one reading the body.
        headers["X-CSRF-Token"] = token
    response = await client.post("/submit", content=chunks(LIMIT * 3), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_chunked_body_under_limit_accepted(client: httpx.AsyncClient) -> None:
    token = await visit(client)

    async def body() -> AsyncIterator[bytes]:
        yield f"csrf_token={token}&".encode()
        yield b"text=" + b"y" * 500

    response = await client.post("/submit", content=body(), headers=FORM)
    assert (response.status_code, response.json()["text"]) == (200, "y" * 500)


async def test_body_at_limit_accepted(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    prefix = f"csrf_token={token}&text="
    text = "z" * (LIMIT - len(prefix))
    response = await client.post("/submit", data={"csrf_token": token, "text": text})
    assert int(response.request.headers["content-length"]) == LIMIT
    assert response.status_code == 200


async def test_swallowed_overflow_still_rejected(client: httpx.AsyncClient) -> None:
    token = await visit(client)
    response = await client.post(
        "/swallow", content=chunks(LIMIT * 2), headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 413


async def page_413(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    body = await request.body()
    gone = await request.is_disconnected()
    response = HTMLResponse(f"<h1>Trop gros</h1>{len(body)} {gone}", status_code=413)
    await response(scope, receive, send)


@pytest.mark.parametrize("declared", [True, False])
async def test_too_large_app_renders_page(declared: bool) -> None:
    content = b"x" * (LIMIT + 1) if declared else chunks(LIMIT * 2)
    async with client_for(build(too_large=page_413)) as http:
        response = await http.post("/hooks/ping", content=content, headers=FORM)
    assert (response.status_code, response.text) == (413, "<h1>Trop gros</h1>0 True")


async def test_disconnect_while_buffering_skips_app() -> None:
    called: list[str] = []
    sent: list[Message] = []

    async def endpoint(scope: object, receive: object, send: object) -> None:
        called.append("app")

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = CSRFMiddleware(endpoint, secret_key=SECRET, https=False, reject=REJECT)
    scope = {"type": "http", "method": "POST", "path": "/submit", "headers": []}
    await middleware(scope, receive, send)
    assert (called, sent) == ([], [])


async def test_a_page_without_a_form_makes_no_token_and_sets_no_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/framed")
    assert response.status_code == 200 and "set-cookie" not in response.headers
    with_form = await client.get("/")  # writes the token: the cookie comes with it
    assert with_form.headers["set-cookie"].startswith("csrf=")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_a_safe_request_with_a_body_over_the_limit_is_refused(
    client: httpx.AsyncClient, method: str
) -> None:
    declared = await client.request(method, "/framed", content=b"x" * (LIMIT + 1))
    assert declared.status_code == 413  # a GET's body is still a body
