"""What every studio page shares: the discussion checked for the person, forms, the layout."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from forum.core.errors import N_, Conflict
from forum.core.i18n import I18n
from forum.discussions.checks import Refused
from forum.models import Discussion, User
from forum.studio.access import studio_discussion, studio_head
from forum.web.forms import FormState, read_form, see_other
from forum.web.request import database, now, page_i18n, render, settings_of, url, viewer

ARCHIVED = N_("This discussion is archived: take it out of the archive to change it.")


async def load(request: Request, session: AsyncSession) -> Discussion:
    """The discussion of the path, if the person may open it in the studio."""
    return await studio_discussion(session, request.path_params["slug"], viewer(request))


async def writable(request: Request, session: AsyncSession) -> tuple[Discussion, User]:
    """The discussion and the person, for a change: an archived discussion does not change."""
    discussion = await load(request, session)
    if discussion.archived_at is not None:
        raise Conflict(ARCHIVED)
    person = viewer(request)
    assert person is not None
    return discussion, person


def per_language(values: dict[str, str], name: str, languages: Sequence[str]) -> dict[str, str]:
    """The fields `name`-en, `name`-es... of a form, by language code."""
    return {code: values.get(f"{name}-{code}", "") for code in languages}


def field_names(names: Sequence[str], languages: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{name}-{code}" for name in names for code in languages)


def refused_form(values: dict[str, str], refused: Refused, i18n: I18n) -> FormState:
    """The form again with what was typed and each problem beside its field."""
    errors: dict[str, str] = {}
    for problem in refused.problems:
        errors.setdefault(problem.place, problem.text(i18n))
    return FormState(values, errors, refused.message)


def done(request: Request, name: str, slug: str, **params: Any) -> Response:
    """Back to a studio page after a change, saying it was done."""
    return see_other(url(request, name, slug=slug, **params) + "?done=1")


# A change to a discussion: the session, the discussion, the person, the form's values and
# the discussion's languages in; the service does the rest (and raises what it refuses).
Edit = Callable[[AsyncSession, Discussion, User, dict[str, str], list[str]], Awaitable[object]]


async def _apply(
    request: Request,
    values: dict[str, str],
    languages: list[str],
    edit: Edit,
    after: str,
    params: dict[str, Any],
) -> Response:
    async with database(request).transaction() as session:
        found, person = await writable(request, session)
        await edit(session, found, person, values, languages)
        slug = found.slug  # read after the change: the settings may change it
    return done(request, after, slug, **params)


async def save(
    request: Request,
    fields: Callable[[list[str]], Sequence[str]],
    edit: Edit,
    after: str,
    **params: Any,
) -> Response | FormState:
    """Read a form whose fields may depend on the discussion's languages, make the change in
    one transaction and go back to `after`; when refused, the form again with what was typed."""
    async with database(request).session() as session:
        languages = (await load(request, session)).language_list
    values = await read_form(request, tuple(fields(languages)))
    try:
        return await _apply(request, values, languages, edit, after, params)
    except Refused as refused:
        return refused_form(values, refused, page_i18n(request))


async def act(
    request: Request, names: tuple[str, ...], edit: Edit, after: str, **params: Any
) -> Response:
    """A button's change (remove, move...): what it refuses is a conflict, shown as a page."""
    values = await read_form(request, names)
    return await _apply(request, values, [], edit, after, params)


async def show(
    request: Request,
    session: AsyncSession,
    discussion: Discussion,
    template: str,
    context: dict[str, Any],
    *,
    i18n: I18n,
    tab: str,
    status: int = 200,
) -> Response:
    """Render a studio page of `discussion` inside the studio's layout."""
    head = await studio_head(session, discussion, i18n.language, now(request))
    return render(
        request,
        template,
        {
            "head": head,
            "current_tab": tab,
            "done": request.query_params.get("done", "") == "1",
            "offered": settings_of(request).languages,
            **context,
        },
        i18n=i18n,
        status=status,
    )
