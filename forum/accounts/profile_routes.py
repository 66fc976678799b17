"""A person's own profile and password, and the public page others see."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from forum.accounts import accounts
from forum.accounts.profiles import public_profile, update_profile
from forum.accounts.routes import PROFILE_FIELDS, profile_data
from forum.core.errors import FormInvalid
from forum.core.permissions import check_signed_in
from forum.web.forms import FormState, failed_form, profile_choices, read_form, see_other
from forum.web.request import database, page_i18n, render, settings_of, viewer

NOTIFY_FIELDS = ("notify_replies", "notify_moderation")


async def profile(request: Request) -> Response:
    i18n = page_i18n(request)
    user = check_signed_in(viewer(request))
    assert user.id is not None
    done = request.query_params.get("done", "")
    if request.method == "GET":
        form = FormState({name: str(getattr(user, name)) for name in PROFILE_FIELDS})
        form.values.update({name: "on" if getattr(user, name) else "" for name in NOTIFY_FIELDS})
        return render(
            request,
            "accounts/profile.html",
            {"form": form, "done": done, **profile_choices(request, i18n)},
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
            {"form": form, "done": "", **profile_choices(request, i18n)},
            i18n=i18n,
            status=status,
        )
    return see_other(f"/{i18n.language}/account/profile?done=saved")


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
    return see_other(f"/{i18n.language}/account/profile?done=password")


async def person(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        shown = await public_profile(session, user_id=request.path_params["id"])
    return render(request, "accounts/person.html", {"person": shown}, i18n=i18n)
