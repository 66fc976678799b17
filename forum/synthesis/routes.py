"""The synthesis editor: moderators and organisers write, check, preview and publish it."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.core.errors import FormInvalid, Invalid
from forum.core.i18n import I18n
from forum.core.links import Links, UrlFor
from forum.core.permissions import check_signed_in
from forum.synthesis.checks import Problem
from forum.synthesis.service import (
    SynthesisRefused,
    draft,
    editable_discussion,
    publish,
    save_draft,
    unpublish,
)
from forum.web.forms import FormState, read_form, see_other
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


def _links(request: Request) -> Links:
    def in_language(language: str) -> UrlFor:
        return partial(url, request, lang=language)

    return in_language


async def editor(request: Request) -> Response:
    """GET: the stored draft, checked. POST: save it, and publish it if asked."""
    i18n = page_i18n(request)
    slug = request.path_params["slug"]
    if request.method == "GET":
        return await _page(request, i18n, None)
    async with database(request).session() as session:
        languages = (await editable_discussion(session, slug, viewer(request))).language_list
    values = await read_form(request, (*(f"text_{code}" for code in languages), "publish"))
    typed = {code: values[f"text_{code}"] for code in languages}
    user = check_signed_in(viewer(request))
    try:
        async with database(request).transaction() as session:
            await save_draft(session, actor=user, slug=slug, texts=typed, now=now(request))
    except Invalid as error:
        form = FormState(typed, {error.field: error.message}, FormInvalid.message)
        return await _page(request, i18n, form, status=422)
    if not values["publish"]:
        return see_other(url(request, "synthesis_editor", slug=slug) + "#problems")
    try:
        async with database(request).transaction() as session:
            await publish(
                session,
                actor=user,
                slug=slug,
                catalogs=request.app.state.catalogs,
                links=_links(request),
                postman=postman(request),
                secret=settings_of(request).secret_key,
                now=now(request),
            )
    except SynthesisRefused as refused:
        return await _page(request, i18n, None, refused=refused.problems, status=422)
    response = see_other(url(request, "discussion", slug=slug) + "#synthesis")
    response.background = send_mail_after_response(request)
    return response


async def withdraw(request: Request) -> Response:
    """Withdraw the published synthesis; its draft stays."""
    slug = request.path_params["slug"]
    async with database(request).transaction() as session:
        actor = check_signed_in(viewer(request))
        await unpublish(session, actor=actor, slug=slug, now=now(request))
    return see_other(url(request, "synthesis_editor", slug=slug))


async def _page(
    request: Request,
    i18n: I18n,
    form: FormState | None,
    *,
    refused: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    slug = request.path_params["slug"]
    async with database(request).session() as session:
        discussion = await editable_discussion(session, slug, viewer(request))
        typed = form.values if form else None
        checked = await draft(
            session,
            discussion,
            catalogs=request.app.state.catalogs,
            links=_links(request),
            texts=typed,
        )
    problems: dict[str, list[dict[str, Any]]] = {}
    for problem in checked.problems:
        problems.setdefault(problem.language, []).append(
            {"line": problem.line, "text": problem.text(i18n)}
        )
    return render(
        request,
        "synthesis/editor.html",
        {
            "slug": slug,
            "draft": checked,
            "form": form or FormState(),
            "problems": problems,
            "refused": refused is not None,
        },
        i18n=i18n,
        status=status,
    )


_BASE = "/moderation/discussions/{slug}/synthesis"
routes: list[BaseRoute] = [
    Route(_BASE, editor, methods=["GET", "POST"], name="synthesis_editor"),
    Action(_BASE + "/unpublish", withdraw, name="unpublish_synthesis", screen="synthesis_editor"),
]
