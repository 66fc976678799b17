"""Live sessions: organisers add them in the studio; readers download them as calendars."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.core.errors import FormInvalid
from forum.core.i18n import I18n
from forum.core.permissions import check_signed_in
from forum.live.calendar import calendar_bytes, calendar_data, safe_filename
from forum.live.checks import SessionInput, blank_form
from forum.live.notices import announce_session
from forum.live.sessions import add_session, edit_session, remove_session, session_views
from forum.studio.access import studio_discussion, studio_head
from forum.web.forms import FormState, failed_form, read_form, see_other, whole_number
from forum.web.request import (
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
from forum.web.urls import Action

SCALAR_FIELDS = (
    "day",
    "clock",
    "timezone",
    "duration",
    "registration_url",
    "language",
    "sequence",
)


@cache
def zone_choices() -> tuple[tuple[str, str], ...]:
    """Every time zone an organiser may pick, by its name."""
    return tuple((zone, zone) for zone in sorted(available_timezones()))


async def _page(
    request: Request,
    i18n: I18n,
    *,
    form: FormState | None = None,
    editing: int | None = None,
    status: int = 200,
) -> Response:
    """The studio's list of sessions with the form to add one, or to change `editing`."""
    async with database(request).session() as session:
        discussion = await studio_discussion(session, request.path_params["slug"], viewer(request))
        assert discussion.id is not None
        head = await studio_head(session, discussion, i18n.language, now(request))
        views = await session_views(
            session,
            discussion_id=discussion.id,
            languages=discussion.language_list,
            language=i18n.language,
        )
    if editing is not None and editing not in {view.id for view in views}:
        editing = None  # gone in the meantime, or never there: offer to add one instead
    if form is None:
        values = next(
            (view.form_values() for view in views if view.id == editing), blank_form(discussion)
        )
        form = FormState(values)
    context: dict[str, Any] = {
        "head": head,
        "current_tab": "studio_sessions",
        "sessions": views,
        "form": form,
        "editing": editing,
        "zones": zone_choices(),
        "now": now(request),
        "done": request.query_params.get("done", ""),
    }
    return render(request, "live/studio_sessions.html", context, i18n=i18n, status=status)


async def studio_sessions(request: Request) -> Response:
    i18n = page_i18n(request)
    return await _page(request, i18n, editing=whole_number(request.query_params.get("edit")))


async def _read(request: Request) -> tuple[dict[str, str], SessionInput]:
    languages = settings_of(request).languages
    texts = tuple(f"{kind}-{code}" for kind in ("title", "description") for code in languages)
    values = await read_form(request, SCALAR_FIELDS + texts)
    data = SessionInput(
        titles={code: values[f"title-{code}"] for code in languages},
        descriptions={code: values[f"description-{code}"] for code in languages},
        day=values["day"],
        clock=values["clock"],
        timezone=values["timezone"],
        duration=values["duration"],
        registration_url=values["registration_url"],
        language=values["language"],
    )
    return values, data


def _uid_host(request: Request) -> str:
    return urlsplit(settings_of(request).base_url).hostname or "localhost"


def _done(request: Request, slug: str, what: str) -> Response:
    return see_other(url(request, "studio_sessions", slug=slug) + f"?done={what}")


async def add(request: Request) -> Response:
    i18n = page_i18n(request)
    slug = request.path_params["slug"]
    user = check_signed_in(viewer(request))
    values, data = await _read(request)
    moment = now(request)
    try:
        async with database(request).transaction() as session:
            discussion = await studio_discussion(session, slug, user)
            live = await add_session(
                session,
                discussion=discussion,
                data=data,
                uid_host=_uid_host(request),
                actor_id=user.id,
                now=moment,
            )
            assert live.id is not None
            queued = await announce_session(
                session,
                postman=postman(request),
                secret=settings_of(request).secret_key,
                discussion=discussion,
                live_id=live.id,
                now=moment,
            )
    except FormInvalid as error:
        form, status, _headers = failed_form(values, error)
        return await _page(request, i18n, form=form, status=status)
    response = _done(request, slug, "added")
    if queued:
        response.background = send_mail_after_response(request)
    return response


async def edit(request: Request) -> Response:
    i18n = page_i18n(request)
    slug = request.path_params["slug"]
    live_id: int = request.path_params["id"]
    user = check_signed_in(viewer(request))
    values, data = await _read(request)
    try:
        async with database(request).transaction() as session:
            discussion = await studio_discussion(session, slug, user)
            await edit_session(
                session,
                discussion=discussion,
                live_id=live_id,
                data=data,
                actor_id=user.id,
                now=now(request),
                seen_sequence=whole_number(values["sequence"]),
            )
    except FormInvalid as error:
        form, status, _headers = failed_form(values, error)
        return await _page(request, i18n, form=form, editing=live_id, status=status)
    return _done(request, slug, "changed")


async def remove(request: Request) -> Response:
    slug = request.path_params["slug"]
    user = check_signed_in(viewer(request))
    async with database(request).transaction() as session:
        discussion = await studio_discussion(session, slug, user)
        await remove_session(
            session,
            discussion=discussion,
            live_id=request.path_params["id"],
            actor_id=user.id,
            now=now(request),
        )
    return _done(request, slug, "removed")


async def _calendar(request: Request, live_id: int | None) -> Response:
    i18n = page_i18n(request)
    slug = request.path_params["slug"]
    moment = now(request)
    async with database(request).session() as session:
        data = await calendar_data(
            session, slug=slug, language=i18n.language, now=moment, live_id=live_id
        )
    base = settings_of(request).base_url.rstrip("/")
    body = calendar_bytes(
        data,
        i18n=i18n,
        discussion_url=base + url(request, "discussion", slug=data.slug),
        now=moment,
        name=data.title if live_id is None else None,
    )
    filename = (
        safe_filename(data.slug, "sessions")
        if live_id is None
        else safe_filename(data.slug, "session", str(live_id))
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": i18n.language,
            "Cache-Control": "no-cache",
        },
    )


async def session_ics(request: Request) -> Response:
    return await _calendar(request, request.path_params["id"])


async def calendar_feed(request: Request) -> Response:
    return await _calendar(request, None)


_STUDIO = "/studio/{slug}/sessions"
routes: list[BaseRoute] = [
    Route(_STUDIO, studio_sessions, name="studio_sessions"),
    Action(_STUDIO + "/add", add, name="studio_session_add", screen="studio_sessions"),
    Action(_STUDIO + "/{id:id}/edit", edit, name="studio_session_edit", screen="studio_sessions"),
    Action(
        _STUDIO + "/{id:id}/remove", remove, name="studio_session_remove", screen="studio_sessions"
    ),
    Route("/discussions/{slug}/sessions.ics", calendar_feed, name="live_calendar"),
    Route("/discussions/{slug}/sessions/{id:id}.ics", session_ics, name="live_session_ics"),
]
