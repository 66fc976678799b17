"""A real SMTP server on loopback for tests, and the inbox that keeps what it receives."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self, port: int = 0) -> None:
        self.envelopes: list[Any] = []
        self.port = port

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        parsed = []
        for envelope in list(self.envelopes):
            message = message_from_bytes(envelope.original_content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed

    def wait_for(self, to: str, count: int = 1, seconds: float = 15) -> EmailMessage:
        """Return the `count`-th message to `to`, waiting a bounded time for it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in self.messages() if to in str(m["To"])]
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no message number {count} to {to} within {seconds} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    """Run an SMTP server on 127.0.0.1:`port` for the duration of the block."""
    inbox = Inbox(port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
