"""A discussion's settings and people, and its texts in every language side by side."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from forum.core.errors import Invalid
from forum.discussions.checks import Refused
from forum.models import Discussion, User
from forum.studio import setup as studio_setup
from forum.studio.drafts import load_draft
from forum.studio.moments import utc_to_local, zone_choices
from forum.studio.overview import overview
from forum.studio.routes.common import (
    act,
    done,
    field_names,
    load,
    per_language,
    refused_form,
    save,
    show,
    writable,
)
from forum.studio.routes.discussions import read_settings
from forum.studio.setup import update_settings
from forum.studio.texts import KINDS, update_texts
from forum.web.forms import FormState, read_form
from forum.web.request import database, now, page_i18n, settings_of


async def settings(request: Request) -> Response:
    i18n = page_i18n(request)
    offered = settings_of(request).languages
    form: FormState | None = None
    people = FormState()
    status = 200
    if request.method == "POST":
        values, parsed = await read_settings(request)
        try:
            async with database(request).transaction() as session:
                found, person = await writable(request, session)
                await update_settings(
                    session,
                    discussion=found,
                    actor=person,
                    form=parsed,
                    offered=offered,
                    now=now(request),
                )
                slug = found.slug
            return done(request, "studio_settings", slug)
        except Refused as refused:
            form, status = refused_form(values, refused, i18n), 422
    return await _settings_page(request, form, people, status)


async def _settings_page(
    request: Request, form: FormState | None, people: FormState, status: int
) -> Response:
    i18n = page_i18n(request)
    offered = settings_of(request).languages
    async with database(request).session() as session:
        found = await load(request, session)
        if form is None:
            form = FormState(
                {
                    "slug": found.slug,
                    "opens_at": utc_to_local(found.opens_at, found.timezone),
                    "closes_at": utc_to_local(found.closes_at, found.timezone),
                    "timezone": found.timezone,
                    "main_language": found.language_list[0],
                    "moderation": found.moderation_mode,
                    "general_comments": "on" if found.general_comments else "",
                }
                | {f"language-{code}": "on" for code in found.language_list}
            )
        view = await overview(
            session, discussion=found, language=i18n.language, now=now(request), offered=offered
        )
        return await show(
            request,
            session,
            found,
            "studio/settings.html",
            {"form": form, "people": people, "view": view, "zones": zone_choices()},
            i18n=i18n,
            tab="studio_settings",
            status=status,
        )


async def add_person(request: Request) -> Response:
    """Add a moderator or an organiser by their e-mail address."""

    async def edit(
        session: AsyncSession, d: Discussion, actor: User, v: dict[str, str], _: list[str]
    ) -> None:
        await studio_setup.add_person(
            session, discussion=d, actor=actor, email=v["email"], role=v["role"], now=now(request)
        )

    try:
        return await act(request, ("email", "role"), edit, "studio_settings")
    except Invalid as error:
        values = await read_form(request, ("email", "role"))
        form = FormState(values, {"email": error.message}, error.message)
    return await _settings_page(request, None, form, 422)


async def remove_person(request: Request) -> Response:
    async def edit(
        session: AsyncSession, d: Discussion, actor: User, v: dict[str, str], _: list[str]
    ) -> None:
        await studio_setup.remove_person(
            session,
            discussion=d,
            actor=actor,
            person_id=request.path_params["id"],
            role=v["role"],
            now=now(request),
        )

    return await act(request, ("role",), edit, "studio_settings")


async def texts(request: Request) -> Response:
    i18n = page_i18n(request)
    form: FormState | None = None
    status = 200
    if request.method == "POST":

        async def edit(
            session: AsyncSession, d: Discussion, actor: User, v: dict[str, str], langs: list[str]
        ) -> None:
            await update_texts(
                session,
                discussion=d,
                actor=actor,
                texts={kind: per_language(v, kind, langs) for kind in KINDS},
                now=now(request),
            )

        outcome = await save(
            request, lambda languages: field_names(KINDS, languages), edit, "studio_texts"
        )
        if isinstance(outcome, Response):
            return outcome
        form, status = outcome, 422
    async with database(request).session() as session:
        found = await load(request, session)
        if form is None:
            draft = await load_draft(session, found)
            form = FormState(
                {
                    f"{kind}-{code}": text
                    for kind in KINDS
                    for code, text in getattr(draft, kind).items()
                }
            )
        return await show(
            request,
            session,
            found,
            "studio/texts.html",
            {"form": form},
            i18n=i18n,
            tab="studio_texts",
            status=status,
        )
