"""Every line of the Big List of Naughty Strings through every text field people type in."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from forum.core.clock import FixedClock
from forum.db import Database
from tests.conftest import IN_CI
from tests.helpers import csrf_token, make_user, sign_in_as, user_row
from tests.paths import CORPORA

BLNS = CORPORA / "blns.txt"


def naughty_strings() -> list[str]:
    if not BLNS.is_file():
        if IN_CI:
            pytest.fail(f"{BLNS} not found: CI runs with shared/ beside the repository")
        pytest.skip(f"{BLNS} not found")
    lines = BLNS.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("field", ["display_name", "organisation"])
async def test_profile_fields_store_what_was_typed_or_refuse_clearly(
    client: httpx.AsyncClient, db: Database, field: str
) -> None:
    strings = naughty_strings()
    assert len(strings) > 500
    user = await make_user(db)
    await sign_in_as(client, db, user)
    token = await csrf_token(client, "/en/account/profile")
    base = {
        "display_name": "María",
        "organisation": "",
        "country": "",
        "stakeholder_group": "other",
        "preferred_language": "en",
        "csrf_token": token,
    }
    stored = refused = 0
    for text in strings:
        response = await client.post("/en/account/profile", data={**base, field: text})
        assert response.status_code in (303, 422), (text, response.status_code)
        if response.status_code == 422:
            refused += 1
            assert "field-error" in response.text, text
            continue
        stored += 1
        row = await user_row(db, "maria@example.org")
        assert row is not None
        assert getattr(row, field) == text.strip(), text
    assert stored > 400  # most strings are legitimate text and must be kept


async def test_registration_email_field_never_breaks(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    token = await csrf_token(client, "/en/account/register")
    for text in naughty_strings():
        clock.advance(timedelta(hours=1, seconds=1))  # stay under the per-IP limit
        response = await client.post(
            "/en/account/register",
            data={
                "email": text,
                "password": "short",
                "display_name": text,
                "organisation": text,
                "country": "",
                "stakeholder_group": "other",
                "preferred_language": "en",
                "csrf_token": token,
            },
        )
        assert response.status_code == 422, (text, response.status_code)
        assert "Use at least 8 characters." in response.text
