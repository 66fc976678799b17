"""A discussion's tags in the studio: the list with a form to add one, and one tag's labels."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from forum.core.errors import NotFound
from forum.models import Discussion, User
from forum.studio.drafts import load_draft
from forum.studio.routes.common import act, field_names, load, per_language, save, show
from forum.studio.tags import add_tag, edit_tag, remove_tag, tag_uses
from forum.web.forms import FormState
from forum.web.request import database, now, page_i18n

TEXTS = ("label", "description")


async def tags(request: Request) -> Response:
    i18n = page_i18n(request)
    form = FormState({"kind": "topic"})
    status = 200
    if request.method == "POST":

        async def edit(
            session: AsyncSession, d: Discussion, person: User, v: dict[str, str], langs: list[str]
        ) -> None:
            await add_tag(
                session,
                discussion=d,
                actor=person,
                slug=v["slug"],
                kind=v["kind"],
                labels=per_language(v, "label", langs),
                descriptions=per_language(v, "description", langs),
                now=now(request),
            )

        def fields(languages: list[str]) -> tuple[str, ...]:
            return ("slug", "kind", *field_names(TEXTS, languages))

        outcome = await save(request, fields, edit, "studio_tags")
        if isinstance(outcome, Response):
            return outcome
        form, status = outcome, 422
    async with database(request).session() as session:
        found = await load(request, session)
        draft = await load_draft(session, found)
        uses = await tag_uses(session, [tag.id for tag in draft.tags])
        return await show(
            request,
            session,
            found,
            "studio/tags.html",
            {"draft": draft, "uses": uses, "form": form},
            i18n=i18n,
            tab="studio_tags",
            status=status,
        )


async def tag(request: Request) -> Response:
    i18n = page_i18n(request)
    tag_id = request.path_params["id"]
    form: FormState | None = None
    status = 200
    if request.method == "POST":

        async def edit(
            session: AsyncSession, d: Discussion, person: User, v: dict[str, str], langs: list[str]
        ) -> None:
            await edit_tag(
                session,
                discussion=d,
                actor=person,
                tag_id=tag_id,
                labels=per_language(v, "label", langs),
                descriptions=per_language(v, "description", langs),
                now=now(request),
            )

        outcome = await save(
            request, lambda languages: field_names(TEXTS, languages), edit, "studio_tags"
        )
        if isinstance(outcome, Response):
            return outcome
        form, status = outcome, 422
    async with database(request).session() as session:
        found = await load(request, session)
        draft = await load_draft(session, found)
        this = next((t for t in draft.tags if t.id == tag_id), None)
        if this is None:
            raise NotFound(f"tag {tag_id}")
        if form is None:
            form = FormState(
                {f"label-{code}": text for code, text in this.label.items()}
                | {f"description-{code}": text for code, text in this.description.items()}
            )
        uses = await tag_uses(session, [this.id])
        return await show(
            request,
            session,
            found,
            "studio/tag.html",
            {"tag": this, "form": form, "uses": uses.get(this.id, 0)},
            i18n=i18n,
            tab="studio_tags",
            status=status,
        )


async def tag_remove(request: Request) -> Response:
    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        tag_id = request.path_params["id"]
        await remove_tag(session, discussion=d, actor=person, tag_id=tag_id, now=now(request))

    return await act(request, (), edit, "studio_tags")
