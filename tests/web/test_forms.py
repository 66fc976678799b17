"""Reading forms and numbers people send: bad bodies are a 400 page, odd digits are ignored."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from forum.db import Database
from forum.models import Subscriber
from forum.models.types import Role
from forum.web.forms import whole_number
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import csrf_token, make_user, outbox, sign_in_as

QUESTION = "/{lang}/discussions/remote-apprenticeships/questions/1"
UNREADABLE_ES = "Lo que ha enviado no se puede leer como un formulario."


@pytest.fixture
async def discussion(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), ("0", 0), ("999999999", 999999999), (" 3", None), ("", None), (None, None)],
)
def test_whole_number_reads_ascii_digits(text: str | None, number: int | None) -> None:
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["²", "١٢", "３", "1000000000", "1e3", "-1", "+1", "1_000"])
def test_whole_number_refuses_other_digits_and_huge_numbers(text: str) -> None:
    assert whole_number(text) is None


@pytest.mark.parametrize(
    "path",
    [
        QUESTION + "?page=²",
        QUESTION + "?page=99999999999999999999",
        "/{lang}/discussions/remote-apprenticeships/comments?page=²",
        "/{lang}/moderation/?question=²",
        "/{lang}/moderation/?question=99999999999999999999",
        "/{lang}/moderation/log?actor=²",
        "/{lang}/moderation/log?actor=99999999999999999999&page=²",
    ],
)
@pytest.mark.usefixtures("discussion")
async def test_unicode_digits_in_query_show_the_page(
    client: httpx.AsyncClient, db: Database, path: str
) -> None:
    admin = await make_user(db, email="admin@example.org", role=Role.ADMIN)
    await sign_in_as(client, db, admin)
    response = await client.get(path.format(lang="es"))
    assert response.status_code == 200, response.text[:300]
    assert 'lang="es"' in response.text


@pytest.mark.parametrize("chosen", ["²", "99999999999999999999"])
@pytest.mark.usefixtures("discussion")
async def test_newsletter_with_odd_discussion_number_subscribes_to_the_rest(
    client: httpx.AsyncClient, db: Database, chosen: str
) -> None:
    token = await csrf_token(client, "/es/newsletter")
    response = await client.post(
        "/es/newsletter",
        data={
            "csrf_token": token,
            "email": "lectora@example.org",
            "language": "es",
            "follow": "chosen",
            "discussions": [chosen, "1"],
        },
    )
    assert response.status_code == 303  # on to "check your inbox"
    async with db.session() as session:
        assert (await session.scalars(select(Subscriber))).one().email == "lectora@example.org"
    assert len(await outbox(db, "lectora@example.org")) == 1


MANY = {f"campo{index}": "x" for index in range(1001)}


@pytest.mark.parametrize("token_in", ["body", "header"])
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
async def test_form_with_over_a_thousand_fields_is_a_translated_400(
    client: httpx.AsyncClient, token_in: str, encoding: str
) -> None:
    token = await csrf_token(client, "/es/account/sign-in")
    fields = {**MANY, "email": "maria@example.org", "password": "x"}
    headers = {"X-CSRF-Token": token} if token_in == "header" else {}
    if token_in == "body":
        fields["csrf_token"] = token
    if encoding == "multipart":
        files = {name: (None, value) for name, value in fields.items()}
        response = await client.post("/es/account/sign-in", files=files, headers=headers)
    else:
        response = await client.post("/es/account/sign-in", data=fields, headers=headers)
    assert response.status_code == 400
    assert UNREADABLE_ES in response.text
    assert response.headers["content-language"] == "es"


@pytest.mark.parametrize("token_in", ["body", "header"])
async def test_multipart_without_boundary_is_a_translated_400(
    client: httpx.AsyncClient, token_in: str
) -> None:
    token = await csrf_token(client, "/es/account/register")
    headers = {"Content-Type": "multipart/form-data"}
    if token_in == "header":
        headers["X-CSRF-Token"] = token
    body = f'--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n--x--\r\n'
    response = await client.post("/es/account/register", content=body.encode(), headers=headers)
    assert response.status_code == 400
    assert UNREADABLE_ES in response.text
