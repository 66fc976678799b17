"""Moderators' actions on posts and people, and their pages of reports, the log and summaries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from forum.contributions.reading import discussion_view
from forum.core.errors import N_, FormInvalid, Invalid, NotFound
from forum.core.i18n import I18n
from forum.core.permissions import check_moderator
from forum.models import User
from forum.moderation import flags as reports
from forum.moderation import people
from forum.moderation import posts as moderation
from forum.moderation.log import LogScope, log_actors, moderation_log
from forum.moderation.places import discussion_places
from forum.moderation.routes.queue import moderator_scope, query_number, queue_page
from forum.moderation.summaries import save_summary, summaries_for
from forum.web.forms import FormState, read_form, see_other
from forum.web.request import (
    database,
    now,
    page_i18n,
    postman,
    render,
    send_mail_after_response,
    url,
    viewer,
)

DATE_FORMAT = N_("Give the date as shown, for example 2026-12-31.")
Verb = Callable[[AsyncSession, User, int, dict[str, Any]], Awaitable[object]]


async def _fields(request: Request) -> dict[str, Any]:
    """Read a moderation form: its text fields, and the topics ticked as a list."""
    async with request.form() as form:
        return {
            **{k: v for k, v in form.items() if isinstance(v, str) and k != "tags"},
            "tags": [v for v in form.getlist("tags") if isinstance(v, str)],
        }


def _back_to(request: Request, back: str, done: str, target: str) -> str:
    """Return where the moderator acted from (within the site only), saying what was done."""
    home = url(request, "home")
    allowed = tuple(f"{home}{area}" for area in ("moderation", "discussions/", "people/"))
    safe = back.startswith(allowed) and "//" not in back and "\\" not in back
    path, _, query = (back if safe else url(request, "moderation")).partition("?")
    kept = [(k, v) for k, v in parse_qsl(query.partition("#")[0]) if k != "done"]
    return f"{path}?{urlencode([*kept, ('done', done)])}#{target}"


async def _act(
    request: Request,
    verb: Verb,
    done: str,
    target: str = "post",
    fields: dict[str, Any] | None = None,
) -> Response:
    """Run one moderation verb in a transaction and go back to where the moderator was."""
    user = check_moderator(viewer(request))
    fields = fields if fields is not None else await _fields(request)
    async with database(request).transaction() as session:
        await verb(session, user, request.path_params["id"], fields)
    response = see_other(_back_to(request, fields.get("back", ""), done, target))
    response.background = send_mail_after_response(request)
    return response


def _until(text: str) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as error:
        raise Invalid(
            N_("Give the date as shown, for example 2026-12-31."), field="until"
        ) from error
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


async def approve(request: Request) -> Response:
    async def verb(session: AsyncSession, user: User, post_id: int, f: dict[str, Any]) -> object:
        return await moderation.approve_post(
            session,
            actor=user,
            post_id=post_id,
            # the queue's form sends the topics ticked and "topics"; sent neither, they stay
            tag_slugs=f["tags"] if f["tags"] or "topics" in f else None,
            postman=postman(request),
            now=now(request),
        )

    return await _act(request, verb, "approved")


async def reject(request: Request) -> Response:
    """Reject citing a section; a refused form is shown again in the queue, as typed (422)."""

    async def verb(session: AsyncSession, user: User, post_id: int, f: dict[str, Any]) -> object:
        return await moderation.reject_post(
            session,
            actor=user,
            post_id=post_id,
            section=f.get("section", ""),
            note=f.get("note", ""),
            guidelines=request.app.state.guidelines,
            postman=postman(request),
            now=now(request),
        )

    fields = await _fields(request)
    try:
        return await _act(request, verb, "rejected", fields=fields)
    except Invalid as error:
        typed = {name: fields.get(name, "") for name in ("section", "note")}
        form = FormState(typed, {error.field: error.message}, error.message)
        back = fields.get("back", "").partition("?")[2].partition("#")[0]
        failed = {request.path_params["id"]: form}
        return await queue_page(request, dict(parse_qsl(back)), failed=failed, status=422)


async def hide(request: Request) -> Response:
    async def verb(session: AsyncSession, user: User, post_id: int, f: dict[str, Any]) -> object:
        return await moderation.hide_post(
            session, actor=user, post_id=post_id, note=f.get("note", ""), now=now(request)
        )

    return await _act(request, verb, "hidden")


async def restore(request: Request) -> Response:
    async def verb(session: AsyncSession, user: User, post_id: int, f: dict[str, Any]) -> object:
        return await moderation.restore_post(session, actor=user, post_id=post_id, now=now(request))

    return await _act(request, verb, "restored")


async def key_quote(request: Request) -> Response:
    async def verb(session: AsyncSession, user: User, post_id: int, f: dict[str, Any]) -> object:
        return await moderation.mark_key_quote(
            session, actor=user, post_id=post_id, quoted=f.get("quoted") == "yes", now=now(request)
        )

    return await _act(request, verb, "quoted")


async def tags(request: Request) -> Response:
    async def verb(session: AsyncSession, user: User, post_id: int, f: dict[str, Any]) -> object:
        return await moderation.set_post_tags(
            session, actor=user, post_id=post_id, tag_slugs=f["tags"], now=now(request)
        )

    return await _act(request, verb, "tagged")


async def person(request: Request) -> Response:
    """Trust, distrust, suspend, ban or reinstate a person, as the form's `do` says."""

    async def verb(session: AsyncSession, user: User, user_id: int, f: dict[str, Any]) -> object:
        do = f.get("do", "")
        if do in ("trust", "distrust"):
            return await people.set_trusted(
                session, actor=user, user_id=user_id, trusted=do == "trust", now=now(request)
            )
        if do == "suspend":
            return await people.suspend_user(
                session,
                actor=user,
                user_id=user_id,
                until=_until(f.get("until", "")),
                note=f.get("note", ""),
                now=now(request),
            )
        if do == "ban":
            return await people.ban_user(
                session, actor=user, user_id=user_id, note=f.get("note", ""), now=now(request)
            )
        if do == "reinstate":
            return await people.reinstate_user(
                session, actor=user, user_id=user_id, now=now(request)
            )
        raise Invalid(N_("Choose what to do."), field="do")

    return await _act(request, verb, "person", target="people")


async def reports_page(request: Request) -> Response:
    i18n = page_i18n(request)
    _user, _moderated, scope = await moderator_scope(request)
    async with database(request).session() as session:
        reported = await reports.open_reports(session, discussion_ids=scope)
        places = await discussion_places(
            session, {item.discussion_id for item in reported}, i18n.language
        )
    return render(
        request,
        "moderation/reports.html",
        {
            "reported": reported,
            "places": places,
            "done": request.query_params.get("done", ""),
            "guidelines": request.app.state.guidelines[i18n.language],
        },
        i18n=i18n,
    )


async def resolve(request: Request) -> Response:
    user, moderated, _scope_ids = await moderator_scope(request)
    async with request.form() as form:
        outcome = form.get("outcome")
    async with database(request).transaction() as session:
        await reports.resolve_reports(
            session,
            actor=user,
            post_id=request.path_params["id"],
            moderated=moderated,
            outcome=str(outcome or ""),
            now=now(request),
        )
    return see_other(url(request, "moderation_reports") + f"?done={outcome}")


async def log(request: Request) -> Response:
    i18n = page_i18n(request)
    user, _moderated, discussions = await moderator_scope(request)
    scope = LogScope(discussions, user.id)
    query = request.query_params
    actor = query_number(query.get("actor"))
    async with database(request).session() as session:
        page = await moderation_log(
            session,
            scope=scope,
            action=query.get("action") or None,
            actor_id=actor,
            page=query_number(query.get("page")) or 1,
            language=i18n.language,
        )
        actors = await log_actors(session, scope=scope)
    filters = {"action": query.get("action", ""), "actor": str(actor or "")}
    return render(
        request,
        "moderation/log.html",
        {
            "log": page,
            "actors": actors,
            "me": user.id,
            "action": filters["action"],
            "actor": actor,
            "filters": {k: v for k, v in filters.items() if v},
            "guidelines": request.app.state.guidelines[i18n.language],
        },
        i18n=i18n,
    )


async def summary(request: Request) -> Response:
    """Write, change or (with an empty text) remove the moderators' summary of a week."""
    i18n = page_i18n(request)
    user = check_moderator(viewer(request))
    slug, position = request.path_params["slug"], request.path_params["position"]
    if request.method == "POST":
        values = await read_form(request, ("language", "source"))
        try:
            async with database(request).transaction() as session:
                await save_summary(
                    session,
                    actor=user,
                    discussion_slug=slug,
                    week_position=position,
                    language=values["language"],
                    source=values["source"],
                    now=now(request),
                )
        except Invalid as error:
            form = FormState(values, {error.field: error.message}, FormInvalid.message)
            return await _summary_page(request, i18n, form, status=422)
        return see_other(url(request, "discussion", slug=slug) + f"#week-{position}")
    language = request.query_params.get("language") or i18n.language
    return await _summary_page(request, i18n, FormState({"language": language}))


async def _summary_page(
    request: Request, i18n: I18n, form: FormState, status: int = 200
) -> Response:
    slug, position = request.path_params["slug"], request.path_params["position"]
    async with database(request).session() as session:
        view = await discussion_view(session, slug=slug, language=i18n.language, now=now(request))
        week = next((w for w in view.page.weeks if w.position == position), None)
        if week is None:
            raise NotFound(f"{slug}/weeks/{position}")
        written = (await summaries_for(session, discussion_id=view.page.card.id)).get(week.id, {})
    if "source" not in form.values and form.value("language") in written:
        form.values["source"] = written[form.value("language")].source
    return render(
        request,
        "moderation/summary.html",
        {
            "form": form,
            "view": view,
            "week": week,
            "written": sorted(written),
        },
        i18n=i18n,
        status=status,
    )
