"""What the operator sees: a log line per request with its id, and /metrics for Prometheus."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette

from forum.app import create_app
from forum.core.clock import FixedClock
from forum.db import Database
from forum.logs import JsonFormatter
from forum.settings import Settings
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data


def _client(app: Starlette, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_each_request_is_logged_once_with_its_id_route_and_status(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="forum.access")
    response = await client.get("/fr/")
    missing = await client.get("/fr/nowhere")
    lines = [record for record in caplog.records if record.name == "forum.access"]
    assert [(r.method, r.path, r.route, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/fr/", "home", 200),
        ("GET", "/fr/nowhere", "not_found", 404),
    ]
    assert lines[0].request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert lines[1].request_id == missing.headers["x-request-id"]  # type: ignore[attr-defined]
    assert all(r.duration_ms >= 0 for r in lines)  # type: ignore[attr-defined]


def test_a_log_line_off_a_terminal_is_one_json_object() -> None:
    record = logging.LogRecord("forum.access", logging.INFO, __file__, 1, "GET %s", ("/en/",), None)
    record.request_id, record.route, record.status = "ab12", "home", 200
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /en/" and line["level"] == "info"
    assert (line["request_id"], line["route"], line["status"]) == ("ab12", "home", 200)
    assert line["time"].endswith("Z") and "\n" not in JsonFormatter().format(record)


async def test_metrics_count_requests_cache_hits_and_the_queue(
    client: httpx.AsyncClient, db: Database
) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW), now=NOW)
    for _ in range(2):
        await client.get("/en/discussions/remote-apprenticeships")
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    text = scraped.text
    assert 'forum_requests_total{route="discussion",status="200"} 2.0' in text
    assert 'forum_page_cache_total{result="hit"} 1.0' in text
    assert 'forum_page_cache_total{result="miss"} 1.0' in text
    assert 'forum_request_duration_seconds_count{route="discussion"} 2.0' in text
    assert "forum_moderation_queue 0.0" in text
    assert 'forum_posts{status="approved"} 0.0' in text


async def test_metrics_are_for_this_machine_or_the_token_only(
    settings: Settings, clock: FixedClock
) -> None:
    app = create_app(settings, clock=clock)
    async with _client(app, "203.0.113.7") as http:
        assert (await http.get("/metrics")).status_code == 404
    await app.state.db.dispose()
    guarded = create_app(replace(settings, metrics_token="s3cret-scrape"), clock=clock)
    async with _client(guarded) as http:
        assert (await http.get("/metrics")).status_code == 404  # the token is needed, even here
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await http.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    await guarded.state.db.dispose()
    assert (wrong.status_code, right.status_code) == (404, 200)
