"""What each middleware costs an anonymous GET, next to a whole cache hit, in process.

Every figure is the best of R rounds of N direct ASGI calls (no sockets, no HTTP parser):
- the forum's question page as a cache hit, through the whole app (`create_app`);
- the same bytes from a bare Starlette app (the ceiling bench/pages.py loads over HTTP);
- each middleware around an ASGI app that sends those bytes, less that app alone.
The four the issue names (security headers, body limit, CSRF, viewer) are summed twice: as
they would cost if a hit went through them, and as they cost a hit now (the hit is answered
by CacheHitMiddleware before the last three run).

    .venv/bin/python bench/middleware.py [--calls N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import Figure, print_figures  # noqa: E402
from seed import settings_for, throwaway_database  # noqa: E402

ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
PATH = "/en/discussions/skills-in-crisis/questions/1"
MAX_CALLS = 20_000
MAX_ROUNDS = 15
FOUR = ("security headers", "body limit", "CSRF", "viewer")


def _scope(path: str, method: str = "GET") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"text/html")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _time(app: ASGI, path: str, calls: int, rounds: int) -> tuple[float, int]:
    """The least microseconds per call over `rounds` rounds of `calls` calls (the round least
    disturbed by anything else on the machine); the last status."""
    status = 0

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    per_call: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            await app(_scope(path), _receive, send)
        per_call.append((time.perf_counter() - started) / calls * 1e6)
    return min(per_call), status


def _bytes_app(body: bytes) -> ASGI:
    headers = [(b"content-type", b"text/html; charset=utf-8")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return app


def _ceiling(body: bytes) -> ASGI:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def page(request: Request) -> Response:
        return Response(body, media_type="text/html; charset=utf-8")

    return Starlette(routes=[Route(PATH, page)])


def _wrapped(app: Any, body: bytes) -> dict[str, ASGI]:
    """Each middleware the forum stacks, alone around the bytes app, built as create_app does."""
    from forum.web import errors
    from forum.web.cache import CacheHitMiddleware, PageCache
    from forum.web.methods import HeadAsGetMiddleware
    from forum.web.observe import Metrics, ObserveMiddleware
    from forum.web.requestid import RequestIdMiddleware
    from forum.web.security import (
        BodySizeLimitMiddleware,
        CSRFMiddleware,
        SecurityHeadersMiddleware,
    )
    from forum.web.viewer import ViewerMiddleware

    inner = _bytes_app(body)
    settings, state = app.state.settings, app.state
    return {
        "security headers": SecurityHeadersMiddleware(inner, https=settings.https),
        "request id": RequestIdMiddleware(inner, server_error=errors.server_error),
        "access log and metrics": ObserveMiddleware(inner, metrics=Metrics()),
        "cache hit (not found)": CacheHitMiddleware(
            inner,
            cache=PageCache(),
            versions=state.versions,
            clock=state.clock,
            session_cookie=settings.session_cookie,
            metrics=Metrics(),
        ),
        "HEAD as GET": HeadAsGetMiddleware(inner),
        "body limit": BodySizeLimitMiddleware(inner, max_bytes=settings.max_body_bytes),
        "CSRF": CSRFMiddleware(
            inner, secret_key=settings.secret_key, https=settings.https, reject=inner
        ),
        "viewer": ViewerMiddleware(
            inner,
            db=state.db,
            settings=settings,
            clock=state.clock,
            sessions=state.sessions,
            versions=state.versions,
        ),
    }


async def measure(
    database_url: str, secret_key: str, calls: int, rounds: int, served_rps: float | None
) -> list[Figure]:
    """Time a whole hit, the ceiling and each middleware; `served_rps` (the question page's
    hits a second over HTTP, from the pages part) gives what a hit costs the server whole."""
    from forum.app import create_app

    app = create_app(settings_for(database_url, secret_key))
    async with app.router.lifespan_context(app):  # the background reader of the versions
        for _ in range(500):
            if app.state.versions.fresh():
                break
            await asyncio.sleep(0.01)
        body = b""

        async def keep(message: dict[str, Any]) -> None:
            nonlocal body
            if message["type"] == "http.response.body":
                body += message.get("body", b"")

        await app(_scope(PATH), _receive, keep)  # the miss that fills the cache
        hit, status = await _time(app, PATH, calls, rounds)
        if status != 200 or not app.state.page_cache.items:
            raise SystemExit(f"the question page was not a cache hit (status {status})")
        ceiling, _ = await _time(_ceiling(body), PATH, calls, rounds)
        costs = {}
        for name, wrapped in _wrapped(app, body).items():
            # Alternate, so that both sides see the same disturbances.
            alone = with_it = float("inf")
            for _ in range(rounds):
                alone = min(alone, (await _time(_bytes_app(body), PATH, calls, 1))[0])
                with_it = min(with_it, (await _time(wrapped, PATH, calls, 1))[0])
            costs[name] = max(with_it - alone, 0.0)
    print(f"in process, the best of {rounds} rounds of {calls:,} calls, {len(body):,} bytes")
    print("| what | µs a request | ÷ cache hit |")
    print("|---|---:|---:|")
    for name, cost in [("cache hit, whole app", hit), ("ceiling, bare Starlette", ceiling)]:
        print(f"| {name} | {cost:.1f} | {cost / hit:.2f} |")
    for name, cost in costs.items():
        print(f"| {name} | {cost:.1f} | {cost / hit:.1%} |")
    if_through = sum(costs[name] for name in FOUR)
    on_hit = costs["security headers"]  # the only one of the four a hit goes through
    in_process = f"in process {on_hit / hit:.1%} of a {hit:.0f} µs hit"
    if served_rps:
        served_us = 1e6 / served_rps  # one core's time per hit over HTTP, the server whole
        measured = (
            f"{on_hit:.1f} µs = {on_hit / served_us:.1%} of a served hit ({served_us:.0f} µs)"
        )
        met: bool | None = on_hit / served_us < 0.10
    else:
        measured, met = f"{on_hit:.1f} µs; {in_process}", None
    return [
        Figure(
            "middleware",
            "the four middlewares on a cache hit (security headers; body limit, CSRF and "
            "viewer do not run)",
            measured,
            "< 10 %",
            met,
            f"{in_process}; all four on an uncached anonymous GET: {if_through:.1f} µs",
        )
    ]


def middleware_figures(
    calls: int = 2_000, rounds: int = 7, served_rps: float | None = None
) -> list[Figure]:
    """Seed a small database, time the middlewares and a hit, and return the summary row."""
    calls = max(100, min(calls, MAX_CALLS))
    rounds = max(3, min(rounds, MAX_ROUNDS))
    with throwaway_database(10, "bench-middleware-") as seeded:
        url, key = seeded.seeded.database_url, seeded.secret_key
        return asyncio.run(measure(url, key, calls, rounds, served_rps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--served-rps", type=float, help="a served hit's req/s (bench/pages.py)")
    options = parser.parse_args()
    calls = max(100, min(options.calls, MAX_CALLS))
    rounds = max(3, min(options.rounds, MAX_ROUNDS))
    with throwaway_database(10, "bench-middleware-") as seeded:
        figures = asyncio.run(measure(seeded.seeded.database_url, seeded.secret_key, calls, rounds))
    print_figures(figures)


if __name__ == "__main__":
    main()
