"""Serve the demo forum on loopback and drive Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from playwright.async_api import Browser, async_playwright

from forum.app import create_app
from forum.cli import load_demo, migrate
from forum.settings import Settings
from tests.conftest import IN_CI, SECRET, in_thread, run_async

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Inbox:
    """Collect what a real SMTP server on loopback receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def wait_for(self, to: str, count: int = 1, seconds: float = 15) -> EmailMessage:
        """Return the `count`-th message to `to`, waiting a bounded time for it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in self.messages if to in str(m["To"])]
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no message number {count} to {to} within {seconds} s")


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[Inbox]:
    inbox = Inbox()
    inbox.port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


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
    port = _free_port()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
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
