"""What the app tells its operator: one log line per request, and Prometheus metrics.

`ObserveMiddleware` sits inside the request-id middleware, so each line and each failure
carry the id the response header and the 500 page show. The metrics live in the app's own
registry (`Metrics`), served at `/metrics` in the Prometheus text format.
"""

from __future__ import annotations

import hmac
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forum.models import OutboxMessage, Post
from forum.models.types import PostStatus

access = logging.getLogger("forum.access")
LOOPBACK = frozenset({"127.0.0.1", "::1"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The app's metrics: requests and their duration by route, cache hits, and the gauges
    that are read from the database when Prometheus scrapes (`/metrics`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "forum_requests", "Requests answered", ["route", "status"], registry=self.registry
        )
        self.duration = Histogram(
            "forum_request_duration_seconds",
            "Time to answer a request",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.cache = Counter(
            "forum_page_cache", "Anonymous pages from the cache", ["result"], registry=self.registry
        )
        self.outbox = Gauge(
            "forum_outbox_messages", "Mail in the outbox", ["status"], registry=self.registry
        )
        self.queue = Gauge(
            "forum_moderation_queue", "Posts waiting for a moderator", registry=self.registry
        )
        self.posts = Gauge("forum_posts", "Posts by status", ["status"], registry=self.registry)

        self._children: dict[tuple[str, int], tuple[Counter, Histogram]] = {}

    def count(self, route: str, status: int, seconds: float) -> None:
        """Count one request answered by `route` with `status` in `seconds`."""
        children = self._children.get((route, status))
        if children is None:  # labels() takes a lock and builds a key: once a route and status
            children = (
                self.requests.labels(route, str(status)),
                self.duration.labels(route),
            )
            self._children[(route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    async def read_database(self, session: AsyncSession) -> None:
        """Set the gauges read from the database (two statements), before a scrape."""
        outbox = await session.execute(
            select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
        )
        self.outbox.clear()
        for status, count in outbox.all():
            self.outbox.labels(status).set(count)
        posts = dict(
            (
                await session.execute(
                    select(col(Post.status), func.count()).group_by(col(Post.status))
                )
            ).all()
        )
        self.posts.clear()
        for status in PostStatus:
            self.posts.labels(status.value).set(posts.get(status.value, 0))
        self.queue.set(posts.get(PostStatus.PENDING.value, 0))


def may_scrape(client: str, authorization: str, token: str) -> bool:
    """With a token set, only `Authorization: Bearer <token>` may read the metrics; without
    one, only this machine may."""
    if token:
        return hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())
    return client in LOOPBACK


def route_name(scope: Scope) -> str:
    """The name of the route that answered `scope` (Starlette's router leaves it there)."""
    # No route, or only the language's mount (it has no name): nothing answered that path.
    return str(getattr(scope.get("route"), "name", None) or "not_found")


class ObserveMiddleware:
    """Log one line per request (method, path, route, status, duration, request id) and
    count it in the metrics."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - started
            route = route_name(scope)
            self.metrics.count(route, status, elapsed)
            if access.isEnabledFor(logging.INFO):
                access.info(
                    "%s %s %s %.1f ms",
                    scope["method"],
                    scope["path"],
                    status,
                    elapsed * 1000,
                    extra={
                        "request_id": scope.get("state", {}).get("request_id", ""),
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
