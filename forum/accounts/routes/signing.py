"""Getting in: register, confirm an address, sign in and out, reset a forgotten password."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.accounts import accounts
from forum.accounts.accounts import Registration
from forum.accounts.profiles import ProfileData, normalise_email
from forum.accounts.sessions import (
    REGISTERED_FOR,
    end_session,
    registered_email,
    registered_token,
    session_policy,
    start_session,
)
from forum.core.errors import Conflict, FormInvalid
from forum.core.i18n import I18n
from forum.core.ratelimit import RateLimited
from forum.models import User
from forum.models.types import TokenPurpose, UserState
from forum.web.forms import (
    FormState,
    failed_form,
    next_of,
    profile_choices,
    read_form,
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
    url,
    viewer,
)
from forum.web.security import rotate_csrf
from forum.web.urls import Action

REGISTERED_COOKIE = "forum_registered"
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


def _register_page(request: Request, i18n: I18n) -> Response:
    """The empty registration form, or the page that says to check the inbox after it."""
    if request.query_params.get("done") == "check-inbox":
        return render(request, "accounts/check_inbox.html", {"purpose": "confirm"}, i18n=i18n)
    next_path = next_of(request, request.query_params.get("next", ""))
    form = FormState(
        {"preferred_language": i18n.language, "stakeholder_group": "", "next": next_path}
    )
    context = {"form": form, **profile_choices(request, i18n)}
    return render(request, "accounts/register.html", context, i18n=i18n)


async def register(request: Request) -> Response:
    i18n = page_i18n(request)
    if request.method == "GET":
        return _register_page(request, i18n)
    values = await read_form(request, (*REGISTER_FIELDS, "next"))
    values["next"] = next_of(request, values["next"])
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
                next_path=values["next"],
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
    response = _check_inbox(request, "register")
    _mark_registered_here(request, response, values["email"])
    return response


def _mark_registered_here(request: Request, response: Response, email: str) -> None:
    """Let this browser, and only this one, be signed in when the address is confirmed.

    Set for a known address too, so the answer stays the same whoever registered.
    """
    settings = settings_of(request)
    token = registered_token(settings.secret_key, normalise_email(email) or "")
    response.set_cookie(
        REGISTERED_COOKIE,
        token,
        max_age=int(REGISTERED_FOR.total_seconds()),
        httponly=True,
        secure=settings.https,
        samesite="lax",
        path="/",
    )


def _check_inbox(request: Request, screen: str) -> Response:
    """After a form that mailed a link: send the mail, and say so on a page safe to reload."""
    response = see_other(url(request, screen) + "?done=check-inbox")
    response.background = send_mail_after_response(request)
    return response


async def confirm(request: Request) -> Response:
    """GET shows a button (mail scanners follow links); POST confirms and signs the person in."""
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
            user = await accounts.confirm_email(session, token=token, now=now(request))
            # Only the browser that registered is signed in: whoever else opens the link (the
            # owner of an address somebody else registered) confirms it and signs in anew.
            secret = settings_of(request).secret_key
            cookie = request.cookies.get(REGISTERED_COOKIE, "")
            here = registered_email(secret, cookie) == user.email
            raw = await _open_session(request, session, user) if here else None
    except Conflict as error:
        return render(
            request, "accounts/confirm.html", {"problem": error.message}, i18n=i18n, status=409
        )
    target = next_of(request, request.query_params.get("next", ""))
    if raw is None:
        query = urlencode({"done": "confirmed", **({"next": target} if target else {})})
        return see_other(url(request, "sign_in") + "?" + query)
    response = _signed_in(request, raw, target or url(request, "profile") + "?done=confirmed")
    response.delete_cookie(REGISTERED_COOKIE, path="/")
    return response


async def _open_session(request: Request, session: AsyncSession, user: User) -> str | None:
    """Sign `user` in on this browser, ending the session it had; None for a closed account."""
    if user.id is None or user.state == UserState.BANNED:
        return None
    previous = getattr(request.state, "session_token", None)
    if previous:
        await end_session(session, raw_token=previous)
    return await start_session(
        session, user_id=user.id, policy=session_policy(settings_of(request)), now=now(request)
    )


def _signed_in(request: Request, raw: str, target: str) -> Response:
    """Go to `target` with the new session's cookie and a new CSRF token."""
    settings = settings_of(request)
    rotate_csrf(request)  # a token seen before signing in is not trusted after
    response = see_other(target)
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


async def confirm_again(request: Request) -> Response:
    user = viewer(request)
    if user is None or user.id is None:
        return see_other(url(request, "sign_in"))
    try:
        async with database(request).transaction() as session:
            await accounts.resend_confirmation(
                session, user_id=user.id, postman=postman(request), now=now(request)
            )
    except RateLimited as error:
        return see_other(
            url(request, "profile") + "?done=wait", **{"Retry-After": str(error.retry_after)}
        )
    response = see_other(url(request, "profile") + "?done=resent")
    response.background = send_mail_after_response(request)
    return response


async def sign_in(request: Request) -> Response:
    i18n = page_i18n(request)
    if request.method == "GET":
        form = FormState({"next": next_of(request, request.query_params.get("next", ""))})
        return render(
            request,
            "accounts/sign_in.html",
            {"form": form, "done": request.query_params.get("done", "")},
            i18n=i18n,
        )
    values = await read_form(request, ("email", "password", "next"))
    values["next"] = next_of(request, values["next"])
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
            if result.user is not None:
                raw = await _open_session(request, session, result.user)
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
    return _signed_in(request, raw, values["next"] or url(request, "home"))


async def sign_out(request: Request) -> Response:
    settings = settings_of(request)
    raw = getattr(request.state, "session_token", None)
    if raw:
        async with database(request).transaction() as session:
            await end_session(session, raw_token=raw)
    rotate_csrf(request)  # the next person at this browser gets a token of their own
    response = see_other(url(request, "sign_in") + "?done=signed-out")
    response.delete_cookie(
        settings.session_cookie, path="/", secure=settings.https, httponly=True, samesite="lax"
    )
    return response


async def reset_request(request: Request) -> Response:
    i18n = page_i18n(request)
    if request.method == "GET":
        if request.query_params.get("done") == "check-inbox":
            return render(request, "accounts/check_inbox.html", {"purpose": "reset"}, i18n=i18n)
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
    return _check_inbox(request, "reset_request")


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
            response = see_other(url(request, "sign_in") + "?done=reset")
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


routes: list[BaseRoute] = [
    Route("/account/register", register, methods=["GET", "POST"], name="register"),
    Route("/account/confirm/{token}", confirm, methods=["GET", "POST"], name="confirm_email"),
    Action("/account/confirm-again", confirm_again, name="confirm_again", screen="profile"),
    Route("/account/sign-in", sign_in, methods=["GET", "POST"], name="sign_in"),
    Action("/account/sign-out", sign_out, name="sign_out", screen="home"),
    Route("/account/reset", reset_request, methods=["GET", "POST"], name="reset_request"),
    Route("/account/reset/{token}", reset, methods=["GET", "POST"], name="reset_password"),
]
