"""The analysis page, finding its themes, and settling a group of similar posts at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, NoMatchFound, Route

from forum.analysis.overview import analysable_discussion, discussion_analysis
from forum.analysis.themes import extract_themes
from forum.core.errors import Invalid
from forum.core.permissions import check_moderator
from forum.models import User
from forum.moderation import posts as moderation
from forum.moderation.routes.queue import QUEUE_FILTERS, queue_page
from forum.web.forms import FormState, see_other, whole_number
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

GroupVerb = Callable[[AsyncSession, User, int], Awaitable[object]]


async def analysis(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        page = await discussion_analysis(
            session,
            slug=request.path_params["slug"],
            user=viewer(request),
            language=i18n.language,
            threshold=settings_of(request).representation_threshold,
        )
    return render(
        request,
        "analysis/analysis.html",
        {"analysis": page, "search": _search_page(request)},
        i18n=i18n,
    )


def _search_page(request: Request) -> str | None:
    """The search page's path, where themes link to the posts; None while there is none."""
    try:
        return url(request, "search")
    except NoMatchFound:
        return None


async def themes(request: Request) -> Response:
    """Find the discussion's key phrases again from its published posts, and keep them."""
    slug = request.path_params["slug"]
    async with database(request).transaction() as session:
        await analysable_discussion(session, slug=slug, user=viewer(request))
        await extract_themes(session, slug=slug, now=now(request))
    return see_other(url(request, "analysis", slug=slug) + "#themes")


async def _group_form(request: Request) -> tuple[list[int], dict[str, str]]:
    """The posts of a group (the one in the path first), and the form's text fields."""
    async with request.form() as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "posts"}
        given = [whole_number(v, 2**31 - 1) for v in form.getlist("posts") if isinstance(v, str)]
    lead = request.path_params["id"]
    ids = [lead, *dict.fromkeys(i for i in given if i is not None and i != lead)]
    return ids, fields


def _back_to_queue(request: Request, back: str, done: str) -> str:
    """The queue as the moderator had it filtered, saying what was done."""
    query = back.partition("?")[2].partition("#")[0]
    kept = [(k, v) for k, v in parse_qsl(query) if k in QUEUE_FILTERS]
    return f"{url(request, 'moderation')}?{urlencode([*kept, ('done', done)])}"


async def _settle(
    request: Request, ids: list[int], back: str, verb: GroupVerb, done: str
) -> Response:
    """Run a per-post verb on every post of the group in one transaction: all or none.

    Each author is told by that verb, as if their post had been settled alone.
    """
    user = check_moderator(viewer(request))
    async with database(request).transaction() as session:
        for post_id in ids:
            await verb(session, user, post_id)
    response = see_other(_back_to_queue(request, back, done))
    response.background = send_mail_after_response(request)
    return response


async def approve_similar(request: Request) -> Response:
    ids, fields = await _group_form(request)

    async def verb(session: AsyncSession, user: User, post_id: int) -> object:
        return await moderation.approve_post(
            session,
            actor=user,
            post_id=post_id,
            tag_slugs=None,
            postman=postman(request),
            now=now(request),
        )

    return await _settle(request, ids, fields.get("back", ""), verb, "approved")


async def reject_similar(request: Request) -> Response:
    """Reject every post of the group citing one section; a refusal shows the queue again."""
    ids, fields = await _group_form(request)

    async def verb(session: AsyncSession, user: User, post_id: int) -> object:
        return await moderation.reject_post(
            session,
            actor=user,
            post_id=post_id,
            section=fields.get("section", ""),
            note=fields.get("note", ""),
            guidelines=request.app.state.guidelines,
            postman=postman(request),
            now=now(request),
        )

    try:
        return await _settle(request, ids, fields.get("back", ""), verb, "rejected")
    except Invalid as error:
        typed = {name: fields.get(name, "") for name in ("section", "note")}
        form = FormState(typed, {error.field: error.message}, error.message)
        back = fields.get("back", "").partition("?")[2].partition("#")[0]
        return await queue_page(request, dict(parse_qsl(back)), failed={ids[0]: form}, status=422)


_SIMILAR = "/moderation/posts/{id:id}/similar"
routes: list[BaseRoute] = [
    Route("/moderation/discussions/{slug}/analysis", analysis, name="analysis"),
    Action(
        "/moderation/discussions/{slug}/analysis/themes",
        themes,
        name="analysis_themes",
        screen="analysis",
    ),
    Action(_SIMILAR + "/approve", approve_similar, name="approve_similar", screen="moderation"),
    Action(_SIMILAR + "/reject", reject_similar, name="reject_similar", screen="moderation"),
]
