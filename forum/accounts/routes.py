"""Account pages: register, confirm an address, sign in and out, reset a password."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from forum.accounts import accounts
from forum.accounts.accounts import Registration
from forum.accounts.profiles import ProfileData
from forum.accounts.sessions import end_session, start_session
from forum.core.errors import Conflict, FormInvalid
from forum.core.ratelimit import RateLimited
from forum.models.types import TokenPurpose
from forum.web.forms import (
    FormState,
    failed_form,
    profile_choices,
    read_form,
    safe_next,
    see_other,
)
from forum.web.request import (
    client_ip,
    database,
    now,
    page_i18n,
    postman,
    render,
    send_mail_after_response,
    settings_of,
    viewer,
)
from forum.web.security import rotate_csrf
from forum.web.viewer import session_policy

PROFILE_FIELDS = (
    "display_name",
    "organisation",
    "country",
    "stakeholder_group",
    "preferred_language",
)
REGISTER_FIELDS = ("email", "password", *PROFILE_FIELDS)


def profile_data(values: dict[str, str]) -> ProfileData:
    return ProfileData(**{name: values[name] for name in PROFILE_FIELDS})


async def register(request: Request) -> Response:
    i18n = page_i18n(request)
    if request.method == "GET":
        form = FormState({"preferred_language": i18n.language, "stakeholder_group": ""})
        return render(
            request,
            "accounts/register.html",
            {"form": form, **profile_choices(request, i18n)},
            i18n=i18n,
        )
    values = await read_form(request, REGISTER_FIELDS)
    data = Registration(
        email=values["email"], password=values["password"], profile=profile_data(values)
    )
    try:
        async with database(request).transaction() as session:
            await accounts.register(
                session,
                data=data,
                ip=client_ip(request),
                language=i18n.language,
                languages=settings_of(request).languages,
                postman=postman(request),
                now=now(request),
            )
    except (FormInvalid, RateLimited) as error:
        form, status, headers = failed_form(values, error, secret=("password",))
        return render(
            request,
            "accounts/register.html",
            {"form": form, **profile_choices(request, i18n)},
            i18n=i18n,
            status=status,
            headers=headers,
        )
    return render(
        request,
        "accounts/check_inbox.html",
        {"purpose": "confirm"},
        i18n=i18n,
        background=send_mail_after_response(request),
    )


async def confirm(request: Request) -> Response:
    """GET shows a button (mail scanners follow links); POST confirms."""
    i18n = page_i18n(request)
    token = request.path_params["token"]
    try:
        if request.method == "GET":
            async with database(request).session() as session:
                await accounts.check_link(
                    session, token=token, purpose=TokenPurpose.CONFIRM, now=now(request)
                )
            return render(request, "accounts/confirm.html", {"problem": None}, i18n=i18n)
        async with database(request).transaction() as session:
            await accounts.confirm_email(session, token=token, now=now(request))
    except Conflict as error:
        return render(
            request, "accounts/confirm.html", {"problem": error.message}, i18n=i18n, status=409
        )
    target = "profile" if viewer(request) else "sign-in"
    return see_other(f"/{i18n.language}/account/{target}?done=confirmed")


async def confirm_again(request: Request) -> Response:
    i18n = page_i18n(request)
    user = viewer(request)
    if user is None or user.id is None:
        return see_other(f"/{i18n.language}/account/sign-in")
    try:
        async with database(request).transaction() as session:
            await accounts.resend_confirmation(
                session, user_id=user.id, postman=postman(request), now=now(request)
            )
    except RateLimited as error:
        return see_other(
            f"/{i18n.language}/account/profile?done=wait", **{"Retry-After": str(error.retry_after)}
        )
    response = see_other(f"/{i18n.language}/account/profile?done=resent")
    response.background = send_mail_after_response(request)
    return response


async def sign_in(request: Request) -> Response:
    i18n = page_i18n(request)
    home = f"/{i18n.language}/"
    if request.method == "GET":
        form = FormState({"next": safe_next(request.query_params.get("next", ""), home)})
        return render(
            request,
            "accounts/sign_in.html",
            {"form": form, "done": request.query_params.get("done", "")},
            i18n=i18n,
        )
    values = await read_form(request, ("email", "password", "next"))
    settings = settings_of(request)
    try:
        async with database(request).transaction() as session:
            result = await accounts.sign_in(
                session,
                email=values["email"],
                password=values["password"],
                ip=client_ip(request),
                now=now(request),
            )
            raw = None
            if result.user is not None and result.user.id is not None:
                raw = await start_session(
                    session,
                    user_id=result.user.id,
                    policy=session_policy(settings),
                    now=now(request),
                )
    except RateLimited as error:
        form, status, headers = failed_form(values, error, secret=("password",))
        return render(
            request,
            "accounts/sign_in.html",
            {"form": form, "done": ""},
            i18n=i18n,
            status=status,
            headers=headers,
        )
    if raw is None:
        form = FormState(
            {k: v for k, v in values.items() if k != "password"}, {}, result.error or ""
        )
        return render(
            request, "accounts/sign_in.html", {"form": form, "done": ""}, i18n=i18n, status=400
        )
    rotate_csrf(request)  # a token seen before signing in is not trusted after
    response = see_other(safe_next(values["next"], home))
    response.set_cookie(
        settings.session_cookie,
        raw,
        max_age=settings.session_max_days * 86400,
        httponly=True,
        secure=settings.https,
        samesite="lax",
        path="/",
    )
    return response


async def sign_out(request: Request) -> Response:
    i18n = page_i18n(request)
    settings = settings_of(request)
    raw = getattr(request.state, "session_token", None)
    if raw:
        async with database(request).transaction() as session:
            await end_session(session, raw_token=raw)
    response = see_other(f"/{i18n.language}/account/sign-in?done=signed-out")
    response.delete_cookie(
        settings.session_cookie, path="/", secure=settings.https, httponly=True, samesite="lax"
    )
    return response


async def reset_request(request: Request) -> Response:
    i18n = page_i18n(request)
    if request.method == "GET":
        return render(request, "accounts/reset_request.html", {"form": FormState()}, i18n=i18n)
    values = await read_form(request, ("email",))
    try:
        async with database(request).transaction() as session:
            await accounts.request_password_reset(
                session,
                email=values["email"],
                ip=client_ip(request),
                postman=postman(request),
                now=now(request),
            )
    except (FormInvalid, RateLimited) as error:
        form, status, headers = failed_form(values, error)
        return render(
            request,
            "accounts/reset_request.html",
            {"form": form},
            i18n=i18n,
            status=status,
            headers=headers,
        )
    return render(
        request,
        "accounts/check_inbox.html",
        {"purpose": "reset"},
        i18n=i18n,
        background=send_mail_after_response(request),
    )


async def reset(request: Request) -> Response:
    i18n = page_i18n(request)
    token = request.path_params["token"]
    form = FormState()
    try:
        if request.method == "GET":
            async with database(request).session() as session:
                await accounts.check_link(
                    session, token=token, purpose=TokenPurpose.RESET, now=now(request)
                )
        else:
            values = await read_form(request, ("password",))
            async with database(request).transaction() as session:
                await accounts.reset_password(
                    session, token=token, password=values["password"], now=now(request)
                )
            response = see_other(f"/{i18n.language}/account/sign-in?done=reset")
            response.delete_cookie(settings_of(request).session_cookie, path="/")
            return response
    except FormInvalid as error:
        form, status, _headers = failed_form({}, error)
        return render(
            request,
            "accounts/reset.html",
            {"form": form, "problem": None},
            i18n=i18n,
            status=status,
        )
    except Conflict as error:
        return render(
            request,
            "accounts/reset.html",
            {"form": form, "problem": error.message},
            i18n=i18n,
            status=409,
        )
    return render(request, "accounts/reset.html", {"form": form, "problem": None}, i18n=i18n)
