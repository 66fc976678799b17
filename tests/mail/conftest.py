"""Fixtures the mail tests share: a real SMTP server on loopback and settings that use it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from forum.settings import Settings
from tests.smtp import Inbox, free_port, smtp_server


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_settings(settings: Settings, smtp_port: int) -> Settings:
    return dataclasses.replace(
        settings, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=smtp_port
    )


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    with smtp_server(smtp_port) as server:
        yield server
