"""Admins' pages: who moderates each discussion."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from forum.core.errors import Invalid
from forum.core.permissions import check_admin
from forum.moderation.assignments import assign_moderator, discussion_moderators, remove_moderator
from forum.web.forms import FormState, read_form, see_other
from forum.web.request import database, page_i18n, render, url, viewer


async def moderators(request: Request) -> Response:
    i18n = page_i18n(request)
    user = check_admin(viewer(request))
    slug = request.path_params["slug"]
    form = FormState()
    status = 200
    if request.method == "POST":
        values = await read_form(request, ("email",))
        try:
            async with database(request).transaction() as session:
                await assign_moderator(session, actor=user, slug=slug, email=values["email"])
            return see_other(url(request, "moderators", slug=slug) + "?done=1")
        except Invalid as error:
            form, status = FormState(values, {"email": error.message}, error.message), 422
    async with database(request).session() as session:
        assigned = await discussion_moderators(session, slug=slug)
    return render(
        request,
        "admin/moderators.html",
        {
            "assigned": assigned,
            "slug": slug,
            "form": form,
            "done": request.query_params.get("done", ""),
        },
        i18n=i18n,
        status=status,
    )


async def remove(request: Request) -> Response:
    user = check_admin(viewer(request))
    slug = request.path_params["slug"]
    async with database(request).transaction() as session:
        await remove_moderator(session, actor=user, slug=slug, user_id=request.path_params["id"])
    return see_other(url(request, "moderators", slug=slug) + "?done=1")
