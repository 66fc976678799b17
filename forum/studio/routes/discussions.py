"""The studio's list, a new discussion, one discussion's overview and its publishing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from forum.core.permissions import check_admin
from forum.discussions.checks import Refused
from forum.models import Discussion, User
from forum.studio.duplicate import duplicate_discussion
from forum.studio.moments import utc_to_local, zone_choices
from forum.studio.overview import overview, studio_list
from forum.studio.publishing import archive, close_early, publish, unarchive, unpublish
from forum.studio.routes.common import Edit, act, done, load, refused_form, save, show
from forum.studio.setup import FIELDS, SettingsForm, create_discussion
from forum.web.forms import FormState, read_form, see_other
from forum.web.request import database, now, page_i18n, render, settings_of, url, viewer


async def index(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        rows = await studio_list(
            session,
            user=viewer(request),
            language=i18n.language,
            now=now(request),
            offered=settings_of(request).languages,
        )
    return render(request, "studio/index.html", {"rows": rows}, i18n=i18n)


def settings_form(values: dict[str, str], languages: list[str]) -> SettingsForm:
    """Read the settings fields: the main language first, then the others ticked."""
    main = values.get("main_language", "")
    others = [code for code in languages if code != main]
    return SettingsForm(
        slug=values.get("slug", ""),
        opens_at=values.get("opens_at", ""),
        closes_at=values.get("closes_at", ""),
        timezone=values.get("timezone", ""),
        languages=[main, *others] if main else others,
        moderation=values.get("moderation", ""),
        general_comments=values.get("general_comments", "") == "on",
    )


async def read_settings(request: Request) -> tuple[dict[str, str], SettingsForm]:
    form = await request.form()
    values = await read_form(request, (*FIELDS, "general_comments"))
    languages = [str(code) for code in form.getlist("languages")]
    values.update({f"language-{code}": "on" for code in languages})
    return values, settings_form(values, languages)


async def new(request: Request) -> Response:
    i18n = page_i18n(request)
    user = check_admin(viewer(request))
    offered = settings_of(request).languages
    form = FormState(
        {"timezone": "UTC", "moderation": "pre", "main_language": i18n.language}
        | {f"language-{code}": "on" for code in offered}
    )
    status = 200
    if request.method == "POST":
        values, parsed = await read_settings(request)
        try:
            async with database(request).transaction() as session:
                discussion = await create_discussion(
                    session, actor=user, form=parsed, offered=offered, now=now(request)
                )
            return see_other(url(request, "studio_texts", slug=discussion.slug))
        except Refused as refused:
            form, status = refused_form(values, refused, i18n), 422
    return render(
        request,
        "studio/new.html",
        {"form": form, "zones": zone_choices(), "offered": offered},
        i18n=i18n,
        status=status,
    )


async def _overview_page(
    request: Request, session: AsyncSession, discussion: Discussion, form: FormState, status: int
) -> Response:
    i18n = page_i18n(request)
    view = await overview(
        session,
        discussion=discussion,
        language=i18n.language,
        now=now(request),
        offered=settings_of(request).languages,
    )
    return await show(
        request,
        session,
        discussion,
        "studio/discussion.html",
        {
            "view": view,
            "form": form,
            "local": lambda moment: utc_to_local(moment, discussion.timezone),
        },
        i18n=i18n,
        tab="studio_discussion",
        status=status,
    )


async def discussion(request: Request) -> Response:
    async with database(request).session() as session:
        found = await load(request, session)
        return await _overview_page(request, session, found, FormState(), 200)


async def _change(request: Request, names: tuple[str, ...], edit: Edit) -> Response:
    """Run a publishing change; show the overview again with the problems if refused."""
    outcome = await save(request, lambda _: names, edit, "studio_discussion")
    if isinstance(outcome, Response):
        return outcome
    async with database(request).session() as session:
        found = await load(request, session)
        return await _overview_page(request, session, found, outcome, 422)


async def publish_action(request: Request) -> Response:
    offered = settings_of(request).languages

    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        when = v["when"] if v.get("timing") == "later" else ""
        await publish(
            session, discussion=d, actor=person, offered=offered, now=now(request), when=when
        )

    return await _change(request, ("when", "timing"), edit)


async def unpublish_action(request: Request) -> Response:
    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        await unpublish(session, discussion=d, actor=person, now=now(request))

    return await act(request, (), edit, "studio_discussion")


async def close_action(request: Request) -> Response:
    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        await close_early(session, discussion=d, actor=person, now=now(request))

    return await act(request, (), edit, "studio_discussion")


async def archive_action(request: Request) -> Response:
    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        await archive(session, discussion=d, actor=person, now=now(request))

    return await act(request, (), edit, "studio_discussion")


async def unarchive_action(request: Request) -> Response:
    async with database(request).transaction() as session:
        found = await load(request, session)
        person = viewer(request)
        assert person is not None
        await unarchive(session, discussion=found, actor=person, now=now(request))
        slug = found.slug
    return done(request, "studio_discussion", slug)


async def duplicate_action(request: Request) -> Response:
    settings = settings_of(request)
    values = await read_form(request, ("new_slug", "new_opens_at"))
    try:
        async with database(request).transaction() as session:
            source = await load(request, session)
            person = viewer(request)
            assert person is not None
            copy = await duplicate_discussion(
                session,
                source=source,
                actor=person,
                slug=values["new_slug"],
                opens_at=values["new_opens_at"],
                data_dir=settings.data_dir,
                max_document_bytes=settings.max_document_bytes,
                now=now(request),
            )
            slug = copy.slug
        return done(request, "studio_discussion", slug)
    except Refused as refused:
        refused.problems = [
            type(p)(p.message, f"new_{p.place}", p.params) for p in refused.problems
        ]
        form = refused_form(values, refused, page_i18n(request))
    async with database(request).session() as session:
        found = await load(request, session)
        return await _overview_page(request, session, found, form, 422)
