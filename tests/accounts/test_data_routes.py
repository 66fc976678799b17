"""One's data over HTTP: the download, deleting the account both ways, a wrong password."""

from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette

from forum.db import Database
from forum.models import Post, User
from forum.models.types import Role
from forum.synthesis.service import publish, save_draft
from tests.accounts.personal_seeding import OTHER_REPLY, REPORT_NOTE, seed_person
from tests.conftest import NOW, SECRET
from tests.exports.seeding import PUBLISHED, SLUG, user_named
from tests.helpers import PASSWORD, make_user, post_form, sign_in_as, user_row

NAME, ORGANISATION = "María Pérez", "Centro de Formación"


async def _sign_in_maria(client: httpx.AsyncClient, db: Database) -> None:
    await sign_in_as(client, db, await user_named(db, "maria@example.org"))


async def test_download_holds_everything_and_is_not_kept(
    client: httpx.AsyncClient, db: Database
) -> None:
    ids = await seed_person(db)
    await _sign_in_maria(client, db)
    response = await client.get("/es/account/data")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["content-type"] == "application/json"
    data = json.loads(response.content)
    assert data["profile"]["email"] == "maria@example.org"
    assert data["profile"]["organisation"] == ORGANISATION
    assert PUBLISHED in {post["text"] for post in data["posts"]}
    assert OTHER_REPLY not in response.text
    assert data["reports"][0]["note"] == REPORT_NOTE
    assert data["subscriptions"][0]["discussions"] == [SLUG]
    assert data["consent"]["default_quote_consent"] == "by_name"
    [published] = [post for post in data["posts"] if post["id"] == ids["published"]]
    assert published["revisions"][0]["number"] == 1


async def test_signed_out_people_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in ("/fr/account/data", "/fr/account/delete"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/fr/account/sign-in")


async def test_the_profile_links_download_deletion_and_privacy(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed_person(db)
    await _sign_in_maria(client, db)
    page = (await client.get("/fr/account/profile")).text
    for path in ("/fr/account/data", "/fr/account/delete", "/fr/privacy"):
        assert f'href="{path}"' in page


async def test_wrong_password_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    await seed_person(db)
    await _sign_in_maria(client, db)
    response = await post_form(
        client, "/es/account/delete", {"current_password": "otra cosa", "posts": "keep"}
    )
    assert response.status_code == 422
    assert "Esta no es su contraseña actual. No se ha borrado nada." in response.text
    assert 'value="keep" required checked' in response.text  # the choice is kept
    assert (await client.get("/es/account/profile")).status_code == 200  # still signed in
    user = await user_row(db, "maria@example.org")
    assert user is not None and user.display_name == NAME


async def test_deleting_and_keeping_posts_leaves_no_name_anywhere(
    client: httpx.AsyncClient, db: Database
) -> None:
    ids = await seed_person(db)
    await _sign_in_maria(client, db)
    response = await post_form(
        client, "/en/account/delete", {"current_password": PASSWORD, "posts": "keep"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/en/privacy?done=deleted"
    done = await client.get(response.headers["location"])
    assert "Your account is deleted." in done.text
    assert (await client.get("/en/account/profile")).status_code == 303  # signed out
    client.cookies.clear()
    post_page = await client.get(f"/fr/discussions/{SLUG}/posts/{ids['published']}")
    assert post_page.status_code == 200 and "un ancien participant" in post_page.text
    assert "apprentices kept a shared logbook" in post_page.text.lower()
    feed = await client.get(f"/es/discussions/{SLUG}/feed.atom")
    assert "una antigua persona participante" in feed.text
    export = await client.get(f"/en/discussions/{SLUG}/export.json")
    rows = [row for row in export.json()["posts"] if row["id"] == ids["published"]]
    assert rows and rows[0]["author_country"] == "" and rows[0]["author_organisation"] == ""
    for page in (post_page, feed, export):
        assert NAME not in page.text and ORGANISATION not in page.text
        assert "Pérez" not in page.text
    assert (await client.get(f"/en/people/{ids['maria']}")).status_code == 404


async def test_deleting_and_removing_posts(client: httpx.AsyncClient, db: Database) -> None:
    ids = await seed_person(db)
    await _sign_in_maria(client, db)
    response = await post_form(
        client, "/fr/account/delete", {"current_password": PASSWORD, "posts": "remove"}
    )
    assert response.status_code == 303
    client.cookies.clear()
    thread = await client.get(f"/en/discussions/{SLUG}/posts/{ids['theirs']}")
    assert thread.status_code == 200 and "Luc Bernard" in thread.text
    assert PUBLISHED.split(";")[0] not in thread.text and NAME not in thread.text
    feed = await client.get(f"/en/discussions/{SLUG}/feed.atom")
    assert "Apprentices kept" not in feed.text and NAME not in feed.text
    export = (await client.get(f"/en/discussions/{SLUG}/export.json")).json()
    assert [row["id"] for row in export["posts"]] == [ids["theirs"]]
    async with db.session() as session:
        assert await session.get(Post, ids["reply"]) is None
        user = await session.get(User, ids["maria"])
    assert user is not None and user.state == "deleted"


async def test_a_published_synthesis_stops_naming_a_deleted_person(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    ids = await seed_person(db)
    admin = await make_user(db, email="ada@example.org", name="Ada Admin", role=Role.ADMIN)
    quoted = PUBLISHED.split(";")[0]  # "Apprentices kept a shared logbook"
    async with db.transaction() as session:
        await save_draft(
            session,
            actor=admin,
            slug=SLUG,
            texts=dict.fromkeys(("en", "es", "fr"), f'"{quoted}" [#{ids["published"]}]'),
            now=NOW,
        )
        await publish(
            session,
            actor=admin,
            slug=SLUG,
            catalogs=app.state.catalogs,
            links=app.state.site_links,
            postman=app.state.postman,
            secret=SECRET,
            now=NOW,
        )
    before = (await client.get(f"/en/discussions/{SLUG}")).text
    assert f"{NAME}, {ORGANISATION}" in before  # quoted by name, as she agreed
    await _sign_in_maria(client, db)
    response = await post_form(
        client, "/en/account/delete", {"current_password": PASSWORD, "posts": "keep"}
    )
    assert response.status_code == 303
    client.cookies.clear()
    after = (await client.get(f"/en/discussions/{SLUG}")).text
    assert 'id="synthesis"' in after and quoted in after
    assert "a former participant" in after.split('id="synthesis"')[1].split("</section>")[0]
    assert NAME not in after and ORGANISATION not in after
