"""A discussion's tags in the studio: the list with a form to add one, and one tag's labels."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from forum.core.errors import NotFound
from forum.discussions.checks import Refused
from forum.studio.drafts import load_draft
from forum.studio.routes.common import (
    done,
    field_names,
    load,
    per_language,
    refused_form,
    show,
    writable,
)
from forum.studio.tags import add_tag, edit_tag, remove_tag, tag_uses
from forum.web.forms import FormState, read_form
from forum.web.request import database, now, page_i18n

TEXTS = ("label", "description")


async def tags(request: Request) -> Response:
    i18n = page_i18n(request)
    form = FormState({"kind": "topic"})
    status = 200
    if request.method == "POST":
        async with database(request).session() as session:
            languages = (await load(request, session)).language_list
        values = await read_form(request, ("slug", "kind", *field_names(TEXTS, languages)))
        try:
            async with database(request).transaction() as session:
                found, person = await writable(request, session)
                await add_tag(
                    session,
                    discussion=found,
                    actor=person,
                    slug=values["slug"],
                    kind=values["kind"],
                    labels=per_language(values, "label", languages),
                    descriptions=per_language(values, "description", languages),
                    now=now(request),
                )
                slug = found.slug
            return done(request, "studio_tags", slug)
        except Refused as refused:
            form, status = refused_form(values, refused, i18n), 422
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
        async with database(request).session() as session:
            languages = (await load(request, session)).language_list
        values = await read_form(request, field_names(TEXTS, languages))
        try:
            async with database(request).transaction() as session:
                found, person = await writable(request, session)
                await edit_tag(
                    session,
                    discussion=found,
                    actor=person,
                    tag_id=tag_id,
                    labels=per_language(values, "label", languages),
                    descriptions=per_language(values, "description", languages),
                    now=now(request),
                )
                slug = found.slug
            return done(request, "studio_tags", slug)
        except Refused as refused:
            form, status = refused_form(values, refused, i18n), 422
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
    async with database(request).transaction() as session:
        found, person = await writable(request, session)
        await remove_tag(
            session,
            discussion=found,
            actor=person,
            tag_id=request.path_params["id"],
            now=now(request),
        )
        slug = found.slug
    return done(request, "studio_tags", slug)
