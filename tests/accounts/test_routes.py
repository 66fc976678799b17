"""Registering, confirming, signing in and out, and resetting a password over HTTP."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette

from forum.accounts.accounts import restrict_user
from forum.app import create_app
from forum.core.clock import FixedClock
from forum.db import Database
from forum.models.types import UserState
from forum.settings import Settings
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import (
    PASSWORD,
    csrf_token,
    link_in,
    make_user,
    outbox,
    post_form,
    sign_in_as,
    user_row,
)
from tests.smtp import free_port, smtp_server

REGISTRATION = {
    "email": "Lucia.Gomez@Example.org",
    "password": "tres tristes tigres",
    "display_name": "Lucía Gómez",
    "organisation": "Red de Formación Dual",
    "country": "CO",
    "stakeholder_group": "ngo",
    "preferred_language": "es",
}


async def test_register_mails_confirmation_in_chosen_language(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await post_form(client, "/fr/account/register", REGISTRATION)
    assert response.status_code == 303  # reloading the next page registers nobody twice
    page = await client.get(response.headers["location"])
    assert "Consultez votre boîte de réception" in page.text
    user = await user_row(db, "lucia.gomez@example.org")
    assert user is not None and user.email_confirmed_at is None
    assert user.password_hash.startswith("$argon2id$")
    [mail] = await outbox(db, "lucia.gomez@example.org")
    assert mail.language == "es" and mail.subject == "Confirme su dirección de correo electrónico"
    assert "/es/account/confirm/" in mail.text_body and "Lucía Gómez" in mail.text_body
    assert mail.status == "sent"  # the console backend delivered it after the response


async def test_register_known_address_answers_the_same_and_tells_owner(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_user(db, email="lucia.gomez@example.org", language="fr")
    response = await post_form(client, "/en/account/register", REGISTRATION)
    assert response.status_code == 303
    assert "Check your inbox" in (await client.get(response.headers["location"])).text
    [mail] = await outbox(db)
    assert mail.to_address == "lucia.gomez@example.org" and mail.language == "fr"
    assert "/confirm/" not in mail.text_body and "/fr/account/reset" in mail.text_body


async def test_register_with_bad_fields_keeps_typed_values(
    client: httpx.AsyncClient, db: Database
) -> None:
    data = {**REGISTRATION, "email": "not-an-address", "password": "short", "country": "XX"}
    response = await post_form(client, "/es/account/register", data)
    assert response.status_code == 422
    page = response.text
    assert "Introduzca una dirección de correo electrónico válida." in page
    assert 'value="not-an-address"' in page and 'value="Lucía Gómez"' in page
    assert "short" not in page  # the password is never sent back
    assert 'aria-invalid="true"' in page
    assert await user_row(db, "not-an-address") is None
    assert await outbox(db) == []


async def test_confirm_link_shows_button_then_works_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    await post_form(client, "/en/account/register", REGISTRATION)
    [mail] = await outbox(db)
    link = link_in(mail.text_body, "/account/confirm/")
    page = await client.get(link)  # a mail scanner's GET changes nothing
    assert page.status_code == 200 and "Confirmar mi dirección" in page.text
    assert (await user_row(db, "lucia.gomez@example.org")).email_confirmed_at is None  # type: ignore[union-attr]
    response = await post_form(client, link, {})
    assert response.status_code == 303 and "done=confirmed" in response.headers["location"]
    assert (await user_row(db, "lucia.gomez@example.org")).email_confirmed_at is not None  # type: ignore[union-attr]
    again = await client.get(link)
    assert again.status_code == 409 and "Este enlace ya se ha utilizado." in again.text


async def test_head_of_confirm_link_confirms_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    await post_form(client, "/en/account/register", REGISTRATION)
    link = link_in((await outbox(db))[0].text_body, "/account/confirm/")
    head = await client.head(link)  # what some link checkers send
    assert head.status_code == 200 and head.content == b""
    assert (await user_row(db, "lucia.gomez@example.org")).email_confirmed_at is None  # type: ignore[union-attr]
    assert (await client.get(link)).status_code == 200  # the link still works


async def test_confirm_link_expires(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await post_form(client, "/en/account/register", REGISTRATION)
    link = link_in((await outbox(db))[0].text_body, "/account/confirm/")
    clock.advance(timedelta(days=3, seconds=1))
    response = await client.get(link)
    assert response.status_code == 409 and "Este enlace ha caducado." in response.text
    assert (await client.get("/en/account/confirm/not-a-token")).status_code == 404


async def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_it(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_user(db)
    response = await post_form(
        client,
        "/es/account/sign-in",
        {"email": "MARIA@example.org", "password": PASSWORD, "next": "/es/discussions/x"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/es/discussions/x"
    cookie = next(h for h in response.headers.get_list("set-cookie") if "forum_session=" in h)
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    profile = await client.get("/es/account/profile")
    assert profile.status_code == 200 and "María Pérez" in profile.text
    out = await post_form(client, "/es/account/sign-out", {}, form_page="/es/account/profile")
    assert out.status_code == 303
    assert (await client.get("/es/account/profile")).status_code == 303


async def test_sign_in_refuses_wrong_password_and_foreign_next(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_user(db)
    wrong = await post_form(
        client,
        "/en/account/sign-in",
        {"email": "maria@example.org", "password": "nope", "next": "/en/"},
    )
    assert wrong.status_code == 400
    assert "The e-mail address or the password is not right." in wrong.text
    assert 'value="maria@example.org"' in wrong.text and "nope" not in wrong.text
    right = await post_form(
        client,
        "/en/account/sign-in",
        {
            "email": "maria@example.org",
            "password": PASSWORD,
            "next": "//evil.example/",
        },
    )
    assert right.headers["location"] == "/en/"


async def test_sign_in_is_rate_limited_per_account_until_the_window_passes(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await make_user(db)
    data = {"email": "maria@example.org", "password": "wrong guess", "next": "/en/"}
    for _ in range(10):
        assert (await post_form(client, "/en/account/sign-in", data)).status_code == 400
    limited = await post_form(client, "/en/account/sign-in", {**data, "password": PASSWORD})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 600
    assert "Too many attempts" in limited.text
    clock.advance(timedelta(minutes=10))
    ok = await post_form(client, "/en/account/sign-in", {**data, "password": PASSWORD})
    assert ok.status_code == 303


async def test_successful_sign_ins_from_one_address_all_succeed(
    client: httpx.AsyncClient, db: Database
) -> None:
    token = await csrf_token(client, "/en/account/sign-in")
    for number in range(11):  # a workshop of colleagues behind one address
        await make_user(db, email=f"colleague{number}@example.org")
        response = await client.post(
            "/en/account/sign-in",
            data={
                "email": f"colleague{number}@example.org",
                "password": PASSWORD,
                "next": "/en/",
                "csrf_token": token,
            },
        )
        assert response.status_code == 303, number
        client.cookies.delete("forum_session")
        token = await csrf_token(client, "/en/account/sign-in")


async def test_failed_sign_ins_from_one_address_are_limited_between_successes(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_user(db)
    right = {"email": "maria@example.org", "password": PASSWORD, "next": "/en/"}
    for number in range(10):  # guesses at ten addresses, the own sign-in halfway
        wrong = {**right, "email": f"guess{number}@example.org", "password": "guess"}
        assert (await post_form(client, "/en/account/sign-in", wrong)).status_code == 400
        if number == 4:
            assert (await post_form(client, "/en/account/sign-in", right)).status_code == 303
            client.cookies.delete("forum_session")
    limited = await post_form(client, "/en/account/sign-in", right)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 600
    assert "Too many attempts" in limited.text


async def test_password_reset_signs_out_everywhere_and_link_works_once(
    client: httpx.AsyncClient, db: Database, app: object
) -> None:
    user = await make_user(db)
    other = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(other, db, user)
    assert (await other.get("/es/account/profile")).status_code == 200
    response = await post_form(client, "/es/account/reset", {"email": "maria@example.org"})
    assert response.status_code == 303
    assert "Consulte su bandeja de entrada" in (await client.get(response.headers["location"])).text
    link = link_in((await outbox(db, "maria@example.org"))[0].text_body, "/account/reset/")
    weak = await post_form(client, link, {"password": "123"})
    assert weak.status_code == 422 and "al menos 8 caracteres" in weak.text
    done = await post_form(client, link, {"password": "una contraseña nueva"})
    assert done.status_code == 303 and "done=reset" in done.headers["location"]
    assert (await other.get("/es/account/profile")).status_code == 303  # signed out
    assert (await client.get(link)).status_code == 409
    signed = await post_form(
        client,
        "/es/account/sign-in",
        {
            "email": "maria@example.org",
            "password": "una contraseña nueva",
            "next": "/es/",
        },
    )
    assert signed.status_code == 303
    await other.aclose()


async def test_password_reset_for_unknown_address_sends_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await post_form(client, "/en/account/reset", {"email": "nobody@example.org"})
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "If an account uses this address" in page.text
    assert await outbox(db) == []


async def test_change_password_needs_current_and_keeps_this_browser(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    await sign_in_as(client, db, user)
    wrong = await post_form(
        client,
        "/en/account/password",
        {"current_password": "guess", "new_password": "another long one"},
    )
    assert wrong.status_code == 422 and "This is not your current password." in wrong.text
    ok = await post_form(
        client,
        "/en/account/password",
        {"current_password": PASSWORD, "new_password": "another long one"},
    )
    assert ok.status_code == 303
    assert (await client.get("/en/account/profile")).status_code == 200


async def test_banning_ends_sessions_at_once(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    await sign_in_as(client, db, user)
    assert (await client.get("/en/account/profile")).status_code == 200
    assert user.id is not None
    async with db.transaction() as session:
        await restrict_user(session, user_id=user.id, state=UserState.BANNED)
    assert (await client.get("/en/account/profile")).status_code == 303


async def test_idle_session_expires(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    user = await make_user(db)
    await sign_in_as(client, db, user)
    clock.advance(timedelta(days=13))
    assert (await client.get("/en/account/profile")).status_code == 200  # use keeps it alive
    clock.advance(timedelta(days=13))
    assert (await client.get("/en/account/profile")).status_code == 200
    clock.advance(timedelta(days=14))
    assert (await client.get("/en/account/profile")).status_code == 303


async def test_profile_edit_and_public_page_never_show_email(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    await sign_in_as(client, db, user)
    response = await post_form(
        client,
        "/fr/account/profile",
        {
            "display_name": "  María P.  ",
            "organisation": "Ministerio de Trabajo",
            "country": "PE",
            "stakeholder_group": "government",
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 303
    page = (await client.get(f"/fr/people/{user.id}")).text
    assert "<h1>María P.</h1>" in page and "Ministerio de Trabajo" in page
    assert "Pérou" in page and "Gouvernement" in page
    assert "maria@example.org" not in page
    assert (await client.get("/fr/people/999999")).status_code == 404


@pytest.mark.parametrize("field", ["display_name", "organisation"])
async def test_profile_refuses_control_characters_and_keeps_text(
    client: httpx.AsyncClient, db: Database, field: str
) -> None:
    user = await make_user(db)
    await sign_in_as(client, db, user)
    data = {
        "display_name": "María",
        "organisation": "",
        "country": "",
        "preferred_language": "es",
        "stakeholder_group": "other",
        field: "Línea uno\nlínea dos",
    }
    response = await post_form(client, "/es/account/profile", data)
    assert response.status_code == 422
    assert "Línea uno\nlínea dos" in response.text


async def test_csrf_token_changes_after_sign_in(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db)
    before = await csrf_token(client, "/en/account/sign-in")
    await client.post(
        "/en/account/sign-in",
        data={
            "email": "maria@example.org",
            "password": PASSWORD,
            "next": "/en/",
            "csrf_token": before,
        },
    )
    after = await csrf_token(client, "/en/account/profile")
    assert after != before
    stale = await client.post("/en/account/sign-out", data={"csrf_token": before})
    assert stale.status_code == 403


async def test_sign_out_rotates_the_csrf_cookie(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db)
    await sign_in_as(client, db, await make_user(db, email="other@example.org"))
    before = await csrf_token(client, "/en/account/profile")
    out = await client.post("/en/account/sign-out", data={"csrf_token": before})
    assert out.status_code == 303
    assert any(h.startswith("csrf=") for h in out.headers.get_list("set-cookie"))
    after = await csrf_token(client, "/en/account/sign-in")
    assert after != before
    stale = await client.post(
        "/en/account/sign-in",
        data={"email": "maria@example.org", "password": PASSWORD, "csrf_token": before},
    )
    assert stale.status_code == 403


async def test_register_with_address_mail_cannot_reach_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await post_form(
        client, "/en/account/register", {**REGISTRATION, "email": "josé@example.org"}
    )
    assert response.status_code == 422
    assert "Enter a valid e-mail address." in response.text
    assert await outbox(db) == []


async def test_profile_sets_notification_preferences(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    await sign_in_as(client, db, user)
    page = (await client.get("/en/account/profile")).text
    assert 'name="notify_replies" checked' in page
    response = await post_form(
        client,
        "/en/account/profile",
        {
            "display_name": "María",
            "organisation": "",
            "country": "",
            "stakeholder_group": "other",
            "preferred_language": "en",
            "notify_moderation": "on",
        },
    )
    assert response.status_code == 303
    row = await user_row(db, "maria@example.org")
    assert row is not None and row.notify_replies is False and row.notify_moderation is True


async def test_register_with_encoded_word_name_sends_confirmation_with_clean_headers(
    settings: Settings, clock: FixedClock, db: Database
) -> None:
    name = "=?utf-8?q?Jo=0d=0aReply-To:_x@example.org=0d=0a=0d=0aText?="
    port = free_port()
    smtp = dataclasses.replace(settings, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=port)
    app = create_app(smtp, clock=clock)
    transport = httpx.ASGITransport(app=app)
    try:
        with smtp_server(port) as inbox:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                response = await post_form(
                    http, "/en/account/register", {**REGISTRATION, "display_name": name}
                )
            [envelope] = inbox.envelopes
            [mail] = inbox.messages()
    finally:
        await app.state.db.dispose()
    assert response.status_code == 303  # on to "check your inbox"
    assert envelope.rcpt_tos == ["lucia.gomez@example.org"]
    assert b"\nReply-To:" not in envelope.original_content
    assert "Reply-To" not in mail and len(mail.get_all("To") or []) == 1
    assert [a.addr_spec for a in mail["To"].addresses] == ["lucia.gomez@example.org"]
    assert "\n" not in mail["To"].addresses[0].display_name
    assert mail["Subject"] == "Confirme su dirección de correo electrónico"
    body = mail.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    assert "/es/account/confirm/" in body.get_content()
    assert (await user_row(db, "lucia.gomez@example.org")).display_name == name  # type: ignore[union-attr]


QUESTION = "/fr/discussions/remote-apprenticeships/questions/3"


@pytest.fixture
async def discussion(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=2)), now=NOW)


def _link(page: str, text: str) -> str:
    found = re.search(r'<a href="([^"]+)">' + re.escape(text) + "</a>", page)
    assert found, f"no link {text!r}"
    return html.unescape(found.group(1))


@pytest.mark.usefixtures("discussion")
async def test_register_from_question_confirms_signs_in_and_returns_to_it(
    client: httpx.AsyncClient, db: Database
) -> None:
    question = await client.get(QUESTION)
    register = _link(question.text, "Créer un compte")
    assert register == "/fr/account/register?next=" + quote(QUESTION, safe="/")
    links = re.findall(r'href="(/fr/account/register[^"]*)"', question.text)
    assert len(links) == 2 and set(links) == {register}  # the header's, and the notice's
    form = await client.get(register)
    response = await post_form(
        client, "/fr/account/register", {**REGISTRATION, "next": QUESTION}, form_page=register
    )
    assert response.status_code == 303
    [mail] = await outbox(db)
    link = link_in(mail.text_body, "/account/confirm/")
    assert link.endswith("?next=" + quote(QUESTION, safe="/"))
    assert 'name="next"' in form.text
    csrf_before = client.cookies.get("csrf")

    confirmed = await post_form(client, link, {})

    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == QUESTION.replace("/fr/", "/es/", 1)  # her language
    assert client.cookies.get("forum_session")
    assert client.cookies.get("csrf") != csrf_before  # a new token once signed in
    page = await client.get(confirmed.headers["location"])
    assert "Lucía Gómez" in page.text and "Cerrar sesión" in page.text


@pytest.mark.parametrize("hostile", ["//evil.example", "https://evil.example", "/\\evil.example"])
async def test_confirm_with_hostile_next_stays_on_site(
    client: httpx.AsyncClient, db: Database, hostile: str
) -> None:
    await post_form(client, "/en/account/register", {**REGISTRATION, "next": hostile})
    link = link_in((await outbox(db))[0].text_body, "/account/confirm/")
    assert "next=" not in link
    forged = link + "?next=" + quote(hostile, safe="/")

    response = await post_form(client, forged, {})

    assert response.status_code == 303
    assert response.headers["location"] == "/es/account/profile?done=confirmed"  # her language


@pytest.mark.usefixtures("discussion")
async def test_sign_in_from_a_page_returns_to_it(client: httpx.AsyncClient, db: Database) -> None:
    await make_user(db)
    page = await client.get(QUESTION + "?order=newest")
    sign_in = _link(page.text, "Se connecter")
    assert sign_in == "/fr/account/sign-in?next=" + quote(QUESTION + "?order=newest", safe="/")
    form = await client.get(sign_in)
    assert 'name="next" value="' + QUESTION + '?order=newest"' in html.unescape(form.text)
    response = await post_form(
        client,
        "/fr/account/sign-in",
        {"email": "maria@example.org", "password": PASSWORD, "next": QUESTION + "?order=newest"},
        form_page=sign_in,
    )
    assert response.status_code == 303
    assert response.headers["location"] == QUESTION + "?order=newest"


@pytest.mark.parametrize("hostile", ["//evil.example", "https://evil.example", "/%5Cevil"])
async def test_sign_in_with_hostile_next_goes_home(
    client: httpx.AsyncClient, db: Database, hostile: str
) -> None:
    await make_user(db)
    response = await post_form(
        client,
        "/en/account/sign-in",
        {"email": "maria@example.org", "password": PASSWORD, "next": hostile},
    )
    assert response.status_code == 303 and response.headers["location"] == "/en/"


async def test_confirm_in_another_browser_does_not_sign_in(
    client: httpx.AsyncClient, db: Database, app: Starlette
) -> None:
    # Someone registers another person's address with a password of their own; the owner
    # confirms from their mail. The owner must not be signed into an account whose password
    # somebody else knows: only the browser that registered is signed in on confirming.
    await post_form(client, "/fr/account/register", {**REGISTRATION, "next": QUESTION})
    link = link_in((await outbox(db))[0].text_body, "/account/confirm/")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as owner:
        confirmed = await post_form(owner, link, {})
        assert confirmed.status_code == 303
        assert confirmed.headers["location"].startswith("/es/account/sign-in")
        assert "done=confirmed" in confirmed.headers["location"]
        assert not owner.cookies.get("forum_session")
    row = await user_row(db, "lucia.gomez@example.org")
    assert row is not None and row.email_confirmed_at is not None  # the address is confirmed
