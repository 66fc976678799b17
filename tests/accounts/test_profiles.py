"""Display names: no hidden or direction-changing characters, and none that looks like staff."""

from __future__ import annotations

import httpx
import pytest

from forum.db import Database
from forum.models.types import Role
from tests.helpers import make_user, outbox, post_form, sign_in_as, user_row

PROFILE = {
    "organisation": "",
    "country": "",
    "stakeholder_group": "other",
    "preferred_language": "es",
}
REGISTRATION = {
    **PROFILE,
    "email": "nuevo@example.org",
    "password": "tres tristes tigres",
}
HIDDEN_ES = "Este nombre contiene caracteres invisibles o que cambian el sentido del texto."
STAFF_ES = "Este nombre se parece demasiado al de una persona del equipo de moderación."


@pytest.mark.parametrize(
    "name",
    ["Ana\u200bPérez", "\u202eAna Pérez", "Ana \u2067Pérez\u2069", "\u3164", "Ana\u00adPérez"],
    ids=["zero-width-space", "override", "isolate", "hangul-filler", "soft-hyphen"],
)
async def test_profile_refuses_hidden_and_direction_characters_in_the_name(
    client: httpx.AsyncClient, db: Database, name: str
) -> None:
    await sign_in_as(client, db, await make_user(db))
    response = await post_form(client, "/es/account/profile", {**PROFILE, "display_name": name})
    assert response.status_code == 422
    assert HIDDEN_ES in response.text
    assert (await user_row(db, "maria@example.org")).display_name == "María Pérez"  # type: ignore[union-attr]


async def test_profile_keeps_names_that_need_joiners(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await make_user(db))
    name = "نسرین\u200cدخت 👩\u200d💻"
    response = await post_form(client, "/es/account/profile", {**PROFILE, "display_name": name})
    assert response.status_code == 303
    assert (await user_row(db, "maria@example.org")).display_name == name  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "name",
    [
        "Ana Moderadora",
        "ana  MODERADORA",
        "Αna Μoderadora",
        "Ana Moderadorа",
        "Ａｎａ Ｍｏｄｅｒａｄｏｒａ",
    ],
    ids=["same", "case-and-spaces", "greek", "cyrillic", "fullwidth"],
)
async def test_register_with_a_name_like_a_moderators_is_refused(
    client: httpx.AsyncClient, db: Database, name: str
) -> None:
    await make_user(db, email="ana@example.org", name="Ana Moderadora", role=Role.MODERATOR)
    response = await post_form(
        client, "/es/account/register", {**REGISTRATION, "display_name": name}
    )
    assert response.status_code == 422
    assert STAFF_ES in response.text
    assert f'value="{name}"' in response.text  # what was typed stays in the form
    assert await user_row(db, "nuevo@example.org") is None
    assert await outbox(db) == []


async def test_profile_change_to_an_admins_name_is_refused_but_staff_keep_their_own(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin = await make_user(db, email="admin@example.org", name="Bill Olmo", role=Role.ADMIN)
    contributor = await make_user(db)
    await sign_in_as(client, db, contributor)
    refused = await post_form(
        client, "/es/account/profile", {**PROFILE, "display_name": "BiII 0lmo"}
    )
    assert refused.status_code == 422 and STAFF_ES in refused.text
    assert (await user_row(db, "maria@example.org")).display_name == "María Pérez"  # type: ignore[union-attr]
    client.cookies.clear()
    await sign_in_as(client, db, admin)
    kept = await post_form(client, "/es/account/profile", {**PROFILE, "display_name": "Bill Olmo"})
    assert kept.status_code == 303
    others = await post_form(
        client, "/es/account/register", {**REGISTRATION, "display_name": "Bill Olmos"}
    )
    assert others.status_code == 303  # a different name is welcome (on to "check your inbox")
