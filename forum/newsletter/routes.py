"""The newsletter: subscribe, confirm, manage choices and unsubscribe (one click, RFC 8058)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.core.errors import Conflict, FormInvalid, Invalid
from forum.core.i18n import I18n
from forum.core.ratelimit import RateLimited
from forum.discussions.listing import list_discussions
from forum.models.types import SubscriberStatus
from forum.newsletter import subscriptions as newsletter
from forum.web.forms import FormState, failed_form, see_other, whole_number
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

ONE_CLICK = re.compile(r"^/[a-z]{2}/newsletter/unsubscribe/[^/]+$")


def one_click_unsubscribe(path: str) -> bool:
    """Tell CSRF protection which path takes RFC 8058 one-click POSTs (the token is the proof)."""
    return ONE_CLICK.match(path) is not None


async def _choices(request: Request, i18n: I18n) -> dict[str, Any]:
    async with database(request).session() as session:
        listing = await list_discussions(session, language=i18n.language, now=now(request))
    return {
        "discussions": [*listing.open, *listing.upcoming],
        "languages": settings_of(request).languages,
    }


async def _read(request: Request) -> tuple[dict[str, str], list[int] | None]:
    async with request.form() as form:
        values = {name: str(form.get(name) or "") for name in ("email", "language", "follow")}
        numbers = [whole_number(v) for v in form.getlist("discussions") if isinstance(v, str)]
        chosen = [number for number in numbers if number is not None]
    return values, (None if values["follow"] != "chosen" else chosen)


async def subscribe(request: Request) -> Response:
    i18n = page_i18n(request)
    user = viewer(request)
    if request.method == "GET":
        if request.query_params.get("done") == "check-inbox":
            return render(request, "newsletter/message.html", {"what": "check-inbox"}, i18n=i18n)
        form = FormState(
            {"email": user.email if user else "", "language": i18n.language, "follow": "all"}
        )
        return render(
            request,
            "newsletter/subscribe.html",
            {"form": form, **await _choices(request, i18n)},
            i18n=i18n,
        )
    values, chosen = await _read(request)
    settings = settings_of(request)
    try:
        async with database(request).transaction() as session:
            await newsletter.subscribe(
                session,
                email=values["email"],
                language=values["language"],
                discussion_ids=chosen,
                languages=settings.languages,
                ip=client_ip(request),
                postman=postman(request),
                secret=settings.secret_key,
                now=now(request),
            )
    except Invalid as error:
        form = FormState(values, {error.field: error.message}, FormInvalid.message)
        return render(
            request,
            "newsletter/subscribe.html",
            {"form": form, **await _choices(request, i18n)},
            i18n=i18n,
            status=422,
        )
    except RateLimited as error:
        form, status, headers = failed_form(values, error)
        return render(
            request,
            "newsletter/subscribe.html",
            {"form": form, **await _choices(request, i18n)},
            i18n=i18n,
            status=status,
            headers=headers,
        )
    response = see_other(url(request, "newsletter") + "?done=check-inbox")
    response.background = send_mail_after_response(request)
    return response


async def confirm(request: Request) -> Response:
    """GET shows a button (mail scanners follow links); POST confirms, then goes to manage."""
    i18n = page_i18n(request)
    secret = settings_of(request).secret_key
    token = request.path_params["token"]
    try:
        if request.method == "GET":
            async with database(request).session() as session:
                await newsletter.check_confirm(
                    session, token=token, secret=secret, now=now(request)
                )
            return render(request, "newsletter/confirm.html", {"problem": None}, i18n=i18n)
        async with database(request).transaction() as session:
            subscriber = await newsletter.confirm(
                session, token=token, secret=secret, now=now(request)
            )
        assert subscriber.id is not None
        subscriber_id = subscriber.id
    except newsletter.AlreadyConfirmed as error:
        if request.method == "GET":
            manage = newsletter.manage_token(secret, error.subscriber_id)
            return render(
                request, "newsletter/confirm.html", {"problem": None, "manage": manage}, i18n=i18n
            )
        subscriber_id = error.subscriber_id  # pressed twice: the same page as the first time
    except Conflict as error:
        return render(
            request, "newsletter/confirm.html", {"problem": error.message}, i18n=i18n, status=409
        )
    manage = newsletter.manage_token(secret, subscriber_id)
    return see_other(url(request, "newsletter_manage", token=manage) + "?done=confirmed")


async def manage(request: Request) -> Response:
    i18n = page_i18n(request)
    settings = settings_of(request)
    token = request.path_params["token"]
    if request.method == "GET":
        async with database(request).session() as session:
            subscriber = await newsletter.subscriber_for_manage(
                session, token=token, secret=settings.secret_key
            )
            assert subscriber.id is not None
            chosen = await newsletter.chosen_discussions(session, subscriber_id=subscriber.id)
        form = FormState(
            {
                "language": subscriber.language,
                "follow": "all" if subscriber.all_discussions else "chosen",
            }
        )
        return render(
            request,
            "newsletter/manage.html",
            {
                "form": form,
                "subscriber": subscriber,
                "ended": subscriber.status == SubscriberStatus.UNSUBSCRIBED,
                "chosen": chosen,
                "token": token,
                "done": request.query_params.get("done", ""),
                **await _choices(request, i18n),
            },
            i18n=i18n,
        )
    values, picked = await _read(request)
    async with database(request).transaction() as session:
        await newsletter.update_choices(
            session,
            token=token,
            secret=settings.secret_key,
            language=values["language"],
            discussion_ids=picked,
            languages=settings.languages,
            now=now(request),
        )
    return see_other(url(request, "newsletter_manage", token=token) + "?done=saved")


async def unsubscribe(request: Request) -> Response:
    """GET asks; POST unsubscribes, also as a one-click POST from a mail client (RFC 8058)."""
    i18n = page_i18n(request)
    secret = settings_of(request).secret_key
    token = request.path_params["token"]
    if request.method == "GET":
        async with database(request).session() as session:
            await newsletter.subscriber_for_manage(session, token=token, secret=secret)
        if request.query_params.get("done") == "unsubscribed":
            return render(request, "newsletter/message.html", {"what": "unsubscribed"}, i18n=i18n)
        return render(request, "newsletter/unsubscribe.html", {"token": token}, i18n=i18n)
    async with request.form() as form:
        one_click = form.get("List-Unsubscribe") == "One-Click"
    async with database(request).transaction() as session:
        await newsletter.unsubscribe(session, token=token, secret=secret, now=now(request))
    if one_click:  # RFC 8058: a mail program, not a browser; it shows no page to reload
        return render(request, "newsletter/message.html", {"what": "unsubscribed"}, i18n=i18n)
    return see_other(url(request, "newsletter_unsubscribe", token=token) + "?done=unsubscribed")


routes: list[BaseRoute] = [
    Route("/newsletter", subscribe, methods=["GET", "POST"], name="newsletter"),
    Route(
        "/newsletter/confirm/{token}", confirm, methods=["GET", "POST"], name="newsletter_confirm"
    ),
    Route("/newsletter/manage/{token}", manage, methods=["GET", "POST"], name="newsletter_manage"),
    Route(
        "/newsletter/unsubscribe/{token}",
        unsubscribe,
        methods=["GET", "POST"],
        name="newsletter_unsubscribe",
    ),
]
