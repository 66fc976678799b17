"""A signed-in person's own pages (profile, password, their data, deleting the account) and
anyone's public page of a person."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from forum.accounts import accounts
from forum.accounts.deletion import delete_account
from forum.accounts.personal_data import json_chunks, personal_data, post_batches
from forum.accounts.profiles import public_profile, update_profile
from forum.accounts.routes.signing import PROFILE_FIELDS, profile_data
from forum.contributions.bypeople import person_contributions
from forum.core.errors import FormInvalid
from forum.core.permissions import check_signed_in
from forum.studio.access import organised_ids
from forum.synthesis.service import render_published_again
from forum.web.forms import (
    FormState,
    failed_form,
    profile_choices,
    read_form,
    see_other,
    whole_number,
)
from forum.web.request import database, now, page_i18n, render, settings_of, url, viewer
from forum.web.security import rotate_csrf

NOTIFY_FIELDS = ("notify_replies", "notify_moderation")


async def profile(request: Request) -> Response:
    i18n = page_i18n(request)
    user = check_signed_in(viewer(request))
    assert user.id is not None
    done = request.query_params.get("done", "")
    async with database(request).session() as session:
        organises = bool(await organised_ids(session, user))
    if request.method == "GET":
        form = FormState({name: str(getattr(user, name)) for name in PROFILE_FIELDS})
        form.values.update({name: "on" if getattr(user, name) else "" for name in NOTIFY_FIELDS})
        return render(
            request,
            "accounts/profile.html",
            {"form": form, "done": done, "organises": organises, **profile_choices(request, i18n)},
            i18n=i18n,
        )
    values = await read_form(request, (*PROFILE_FIELDS, *NOTIFY_FIELDS))
    try:
        async with database(request).transaction() as session:
            await update_profile(
                session,
                user_id=user.id,
                data=profile_data(values),
                languages=settings_of(request).languages,
                notify_replies=values["notify_replies"] == "on",
                notify_moderation=values["notify_moderation"] == "on",
            )
    except FormInvalid as error:
        form, status, _headers = failed_form(values, error)
        return render(
            request,
            "accounts/profile.html",
            {"form": form, "done": "", "organises": organises, **profile_choices(request, i18n)},
            i18n=i18n,
            status=status,
        )
    return see_other(url(request, "profile") + "?done=saved")


async def password(request: Request) -> Response:
    i18n = page_i18n(request)
    user = check_signed_in(viewer(request))
    assert user.id is not None
    if request.method == "GET":
        return render(request, "accounts/password.html", {"form": FormState()}, i18n=i18n)
    values = await read_form(request, ("current_password", "new_password"))
    try:
        async with database(request).transaction() as session:
            await accounts.change_password(
                session,
                user_id=user.id,
                current=values["current_password"],
                new=values["new_password"],
                keep_token=request.state.session_token,
            )
    except FormInvalid as error:
        form, status, _headers = failed_form({}, error)
        return render(request, "accounts/password.html", {"form": form}, i18n=i18n, status=status)
    return see_other(url(request, "profile") + "?done=password")


async def account_data(request: Request) -> Response:
    """Everything held about the signed-in person, as a JSON file to keep."""
    user = check_signed_in(viewer(request))
    user_id = user.id
    assert user_id is not None
    async with database(request).session() as session:
        data = await personal_data(session, user_id=user_id)
    moment = now(request)
    filename = f"forum-data-{moment:%Y-%m-%d}.json"

    async def body() -> AsyncIterator[bytes]:
        # The posts are read as they are sent, in a session held open meanwhile.
        async with database(request).session() as session:
            posts = post_batches(session, user_id=user_id)
            async for chunk in json_chunks(data, posts, generated_at=moment):
                yield chunk.encode("utf-8")

    return StreamingResponse(
        body(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


POSTS_CHOICES = {"keep": True, "remove": False}


async def account_delete(request: Request) -> Response:
    """Delete one's account after the current password; the posts stay or go, as chosen."""
    i18n = page_i18n(request)
    user = check_signed_in(viewer(request))
    assert user.id is not None
    if request.method == "GET":
        return render(request, "accounts/delete.html", {"form": FormState()}, i18n=i18n)
    values = await read_form(request, ("current_password", "posts"))
    try:
        async with database(request).transaction() as session:
            changed = await delete_account(
                session,
                user_id=user.id,
                password=values["current_password"],
                keep_posts=POSTS_CHOICES.get(values["posts"]),
            )
            await render_published_again(
                session,
                discussion_ids=changed,
                catalogs=request.app.state.catalogs,
                links=request.app.state.site_links,
            )
    except FormInvalid as error:
        form, status, _headers = failed_form({"posts": values["posts"]}, error)
        return render(request, "accounts/delete.html", {"form": form}, i18n=i18n, status=status)
    settings = settings_of(request)
    rotate_csrf(request)
    response = see_other(url(request, "privacy") + "?done=deleted")
    response.delete_cookie(
        settings.session_cookie, path="/", secure=settings.https, httponly=True, samesite="lax"
    )
    return response


async def person(request: Request) -> Response:
    i18n = page_i18n(request)
    page = whole_number(request.query_params.get("page")) or 1  # a past-the-end page is a 404
    async with database(request).session() as session:
        shown = await public_profile(session, user_id=request.path_params["id"])
        posts = await person_contributions(
            session, user_id=shown.id, language=i18n.language, now=now(request), page=page
        )
    context = {"person": shown, "contributions": posts}
    return render(request, "accounts/person.html", context, i18n=i18n)


routes: list[BaseRoute] = [
    Route("/account/profile", profile, methods=["GET", "POST"], name="profile"),
    Route("/account/password", password, methods=["GET", "POST"], name="password"),
    Route("/account/data", account_data, name="account_data"),
    Route("/account/delete", account_delete, methods=["GET", "POST"], name="account_delete"),
    Route("/people/{id:id}", person, name="person"),
]
