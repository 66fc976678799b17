"""What readers do and see of moderation: reporting a post, and the transparency page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from forum.core.permissions import check_signed_in
from forum.moderation import flags as reports
from forum.moderation import transparency as figures
from forum.web.forms import see_other
from forum.web.request import database, now, page_i18n, render, settings_of, url, viewer


async def report(request: Request) -> Response:
    user = check_signed_in(viewer(request))
    settings = settings_of(request)
    async with request.form() as form:
        section, note = str(form.get("section") or ""), str(form.get("note") or "")
    sections = [s.id for s in request.app.state.guidelines[settings.default_language].sections]
    async with database(request).transaction() as session:
        await reports.report_post(
            session,
            reporter=user,
            discussion_slug=request.path_params["slug"],
            post_id=request.path_params["id"],
            section=section,
            note=note,
            sections=sections,
            hide_after=settings.reports_to_hide,
            now=now(request),
        )
    slug, post_id = request.path_params["slug"], request.path_params["id"]
    return see_other(url(request, "post", slug=slug, id=post_id) + "?done=reported")


async def transparency(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        totals = await figures.transparency(session, discussion_slug=request.path_params["slug"])
    return render(
        request,
        "discussions/transparency.html",
        {
            "totals": totals,
            "slug": request.path_params["slug"],
            "guidelines": request.app.state.guidelines[i18n.language],
        },
        i18n=i18n,
    )
