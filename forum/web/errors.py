"""Error pages in the reader's language: 404, 403, 405, 409, 413, 422, 500 and a spent form."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from forum.core.errors import N_, Conflict, DomainError, Invalid, PermissionDenied
from forum.core.i18n import I18n
from forum.core.permissions import SignInRequired
from forum.web.forms import return_to
from forum.web.request import fallback_i18n, render
from forum.web.urls import path_for, screen_path

CSRF_EXPIRED = N_("This form has expired. Go back, reload the page and try again.")
TOO_LARGE = N_("What you sent is too large.")
FORM_ONLY = N_("This address only receives forms. Open the page itself to read it.")
NOT_ACCEPTED = N_("This address does not accept this kind of request.")
UNREADABLE = N_("What you sent cannot be read as a form. Go back, reload the page and try again.")


def error_page(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render the error page in the reader's language, with the reason when there is one."""
    i18n = fallback_i18n(request)
    return render(
        request,
        "pages/error.html",
        {"status": status, "reason": reason, "screen": screen_path(request)},
        i18n=i18n,
        status=status,
        headers=headers,
    )


async def not_found(request: Request, exc: Exception) -> Response:
    return render(request, "pages/404.html", {}, i18n=fallback_i18n(request), status=404)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await not_found(request, exc)
    reason = None
    if exc.status_code == 405:
        # A GET of a POST-only address is someone who followed a link; other methods are not.
        wrong = FORM_ONLY if request.method == "GET" else NOT_ACCEPTED
        reason = fallback_i18n(request).gettext(wrong)
    elif exc.status_code == 400:  # how Starlette refuses a form it cannot read
        reason = fallback_i18n(request).gettext(UNREADABLE)
    return error_page(request, exc.status_code, reason, headers=dict(exc.headers or {}))


async def server_error(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a request that failed (RequestIdMiddleware logged why, under the request id)."""
    request = Request(scope, receive)
    await error_page(request, 500)(scope, receive, send)


def explain(i18n: I18n, error: DomainError) -> str:
    """Translate a domain error's message and fill in its placeholders."""
    text = i18n.gettext(error.message)
    return text % error.params if error.params else text


async def forbidden(request: Request, exc: Exception) -> Response:
    """Send anonymous visitors to sign in; tell signed-in people why they may not."""
    assert isinstance(exc, PermissionDenied)
    i18n = fallback_i18n(request)
    if isinstance(exc, SignInRequired):
        sign_in = path_for(request, "sign_in", lang=i18n.language)
        target = return_to(request)  # the page itself, never a POST-only address
        return RedirectResponse(
            f"{sign_in}?next={quote(target)}" if target else sign_in, status_code=303
        )
    return error_page(request, 403, explain(i18n, exc))


async def conflict(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Conflict)
    return error_page(request, 409, explain(fallback_i18n(request), exc))


async def invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Invalid)
    return error_page(request, 422, explain(fallback_i18n(request), exc))


async def csrf_failed(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a form sent without a valid token (it expired, or another site sent it)."""
    request = Request(scope, receive)
    response = error_page(request, 403, fallback_i18n(request).gettext(CSRF_EXPIRED))
    await response(scope, receive, send)


async def unreadable(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a form whose CSRF token could not be looked for: its body is not a form."""
    request = Request(scope, receive)
    response = error_page(request, 400, fallback_i18n(request).gettext(UNREADABLE))
    await response(scope, receive, send)


async def too_large(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    response = error_page(request, 413, fallback_i18n(request).gettext(TOO_LARGE))
    await response(scope, receive, send)
