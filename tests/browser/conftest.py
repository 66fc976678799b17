"""Serve the demo forum on loopback and drive Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, async_playwright

from forum.app import create_app
from forum.cli import load_demo, migrate
from forum.settings import Settings
from tests.conftest import IN_CI, SECRET, in_thread, run_async
from tests.smtp import Inbox, free_port, smtp_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[Inbox]:
    with smtp_server(free_port()) as inbox:
        yield inbox


@pytest.fixture(scope="session")
def live_settings(live_server: str) -> Settings:
    """The settings the live server runs with (its database, to prepare people in)."""
    assert _LIVE_SETTINGS
    return _LIVE_SETTINGS[0]


_LIVE_SETTINGS: list[Settings] = []


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, smtp_inbox: Inbox) -> Iterator[str]:
    """The demo forum served by uvicorn on a free loopback port, on SQLite, mailing over SMTP."""
    path = tmp_path_factory.mktemp("live") / "forum.db"
    port = free_port()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        data_dir=path.parent / "data",
        env="test",
        secret_key=SECRET,
        base_url=f"http://127.0.0.1:{port}",
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox.port,
    )
    _LIVE_SETTINGS.append(settings)
    in_thread(migrate, settings)
    run_async(load_demo(settings))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
        pytest.skip(f"browser tests skipped: {CHROMIUM} is missing (apt-get install chromium)")
    async with async_playwright() as driver:
        chromium = await driver.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture
def screenshots() -> Path | None:
    """Where to keep screenshots: FORUM_SCREENSHOTS if set, else none are kept."""
    folder = os.environ.get("FORUM_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path
