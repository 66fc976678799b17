"""Count the SQL statements of each page and time it alone, in this process via ASGITransport."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from seed import on_each_statement, settings_for

if TYPE_CHECKING:
    import httpx


@dataclass
class InProcess:
    """One anonymous request alone, in this process (medians over `repeat` requests)."""

    statements: int  # SQL statements it costs when rendered (the page cache emptied first)
    cached_statements: int  # SQL statements of an anonymous repeat served from the page cache
    request_ms: float  # the whole request through httpx.ASGITransport
    db_ms: float  # of which awaiting AsyncSession calls: SQL, the async bridge, ORM loading
    render_ms: float  # of which in Jinja2's Template.render (the page's template)


@dataclass
class _Probes:
    """What the instruments recorded during one request."""

    statements: list[str] = field(default_factory=list)
    db_seconds: list[float] = field(default_factory=list)
    render_seconds: list[float] = field(default_factory=list)

    def clear(self) -> None:
        self.statements.clear()
        self.db_seconds.clear()
        self.render_seconds.clear()


@contextmanager
def _instrumented(app: Any) -> Iterator[_Probes]:
    """Count the app's statements and time AsyncSession calls and Template.render meanwhile."""
    import jinja2
    import sqlalchemy.ext.asyncio.session as async_session

    probes = _Probes()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        probes.statements.append(statement)

    original_spawn = async_session.greenlet_spawn  # type: ignore[attr-defined]

    async def timed_spawn(fn: Any, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return await original_spawn(fn, *args, **kwargs)
        finally:
            probes.db_seconds.append(time.perf_counter() - began)

    original_render = jinja2.Template.render

    def timed_render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        began = time.perf_counter()
        try:
            return original_render(self, *args, **kwargs)
        finally:
            probes.render_seconds.append(time.perf_counter() - began)

    on_each_statement(app, before)
    jinja2.Template.render = timed_render  # type: ignore[method-assign]
    async_session.greenlet_spawn = timed_spawn  # type: ignore[attr-defined]
    try:
        yield probes
    finally:
        jinja2.Template.render = original_render  # type: ignore[method-assign]
        async_session.greenlet_spawn = original_spawn  # type: ignore[attr-defined]


async def _cached_statements(client: httpx.AsyncClient, probes: _Probes, path: str) -> int:
    """Count the statements of a repeat visit the page cache answers."""
    await client.get(path)
    probes.clear()
    response = await client.get(path)
    if response.headers.get("x-cache") != "hit":
        print(f"bench: note: {path} was not served from the page cache")
    return len(probes.statements)


async def _measure_path(
    client: httpx.AsyncClient, app: Any, probes: _Probes, path: str, repeat: int
) -> InProcess:
    """Request `path` repeat + 1 times, rendered each time; medians over all but the first."""
    import statistics

    counts: list[int] = []
    whole: list[float] = []
    db: list[float] = []
    render: list[float] = []
    for attempt in range(repeat + 1):
        app.state.page_cache.clear()  # measure the rendering, not the caches
        app.state.shared_store.clear()
        probes.clear()
        sent = time.perf_counter()
        response = await client.get(path)
        elapsed = time.perf_counter() - sent
        if response.status_code != 200:
            raise SystemExit(f"bench: {path} answered {response.status_code}")
        if attempt:
            counts.append(len(probes.statements))
            whole.append(elapsed)
            db.append(sum(probes.db_seconds))
            render.append(sum(probes.render_seconds))
    if len(set(counts)) != 1:
        print(f"bench: note: {path} cost {sorted(set(counts))} statements")
    return InProcess(
        max(counts),
        await _cached_statements(client, probes, path),
        statistics.median(whole) * 1000,
        statistics.median(db) * 1000,
        statistics.median(render) * 1000,
    )


async def measure_in_process(
    database_url: str, secret_key: str, paths: list[str], repeat: int = 20
) -> dict[str, InProcess]:
    """Request each path as an anonymous reader: count its SQL statements and time it alone.

    The count includes the BEGIN SQLAlchemy emits for each session that touches the database
    (PRAGMAs run once per new connection and are not counted: the pool keeps it open). The
    first request of each path warms caches and is not counted. DB time is measured around
    every AsyncSession call (each runs through greenlet_spawn: the SQL, the aiosqlite thread
    hops, building rows and ORM objects); what is neither DB nor render is building queries
    and views, the middleware and the ASGI round trip.
    """
    import gc

    import httpx

    from forum.app import create_app

    app = create_app(settings_for(database_url, secret_key))
    gc.collect()  # as the forum's lifespan does, so seeding's garbage is not collected here
    gc.freeze()
    results: dict[str, InProcess] = {}
    try:
        with _instrumented(app) as probes:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000"
            ) as client:
                for path in paths:
                    results[path] = await _measure_path(client, app, probes, path, repeat)
    finally:
        await app.state.db.dispose()
    return results
