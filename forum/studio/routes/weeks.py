"""Weeks and questions in the studio: the list, one week, one question, and their changes."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from forum.core.errors import NotFound
from forum.discussions.checks import Refused
from forum.studio.drafts import StudioDiscussion, StudioQuestion, StudioWeek, load_draft
from forum.studio.moments import utc_to_local
from forum.studio.questions import add_question, edit_question, move_question, remove_question
from forum.studio.routes.common import (
    done,
    field_names,
    load,
    per_language,
    refused_form,
    show,
    writable,
)
from forum.studio.weeks import add_week, edit_week, move_week, remove_week
from forum.web.forms import FormState, read_form
from forum.web.request import database, now, page_i18n


def _week_of(draft: StudioDiscussion, week_id: int) -> tuple[int, StudioWeek]:
    for number, week in enumerate(draft.weeks, start=1):
        if week.id == week_id:
            return number, week
    raise NotFound(f"week {week_id}")


def _question_of(draft: StudioDiscussion, question_id: int) -> tuple[int, StudioQuestion]:
    for number, week in enumerate(draft.weeks, start=1):
        for question in week.questions:
            if question.id == question_id:
                return number, question
    raise NotFound(f"question {question_id}")


async def weeks(request: Request) -> Response:
    """Every week with its questions, and a form to add a week after the last."""
    i18n = page_i18n(request)
    form = FormState()
    status = 200
    if request.method == "POST":
        async with database(request).session() as session:
            languages = (await load(request, session)).language_list
        values = await read_form(
            request, ("opens_at", "closes_at", *field_names(["title"], languages))
        )
        try:
            async with database(request).transaction() as session:
                found, person = await writable(request, session)
                await add_week(
                    session,
                    discussion=found,
                    actor=person,
                    opens_at=values["opens_at"],
                    closes_at=values["closes_at"],
                    titles=per_language(values, "title", languages),
                    now=now(request),
                )
                slug = found.slug
            return done(request, "studio_weeks", slug)
        except Refused as refused:
            form, status = refused_form(values, refused, i18n), 422
    async with database(request).session() as session:
        found = await load(request, session)
        draft = await load_draft(session, found)
        if not form.values and draft.weeks:
            last = draft.weeks[-1].set  # the next week opens a week after the last one
            form = FormState(
                {
                    "opens_at": utc_to_local(last.opens_at + timedelta(days=7), found.timezone),
                    "closes_at": utc_to_local(found.closes_at, found.timezone),
                }
            )
        return await show(
            request,
            session,
            found,
            "studio/weeks.html",
            {"draft": draft, "form": form, "now": now(request)},
            i18n=i18n,
            tab="studio_weeks",
            status=status,
        )


async def week(request: Request) -> Response:
    """One week: its dates and title, and its questions with a form to add one."""
    i18n = page_i18n(request)
    week_id = request.path_params["id"]
    form: FormState | None = None
    status = 200
    if request.method == "POST":
        async with database(request).session() as session:
            languages = (await load(request, session)).language_list
        values = await read_form(
            request, ("opens_at", "closes_at", *field_names(["title"], languages))
        )
        try:
            async with database(request).transaction() as session:
                found, person = await writable(request, session)
                await edit_week(
                    session,
                    discussion=found,
                    actor=person,
                    week_id=week_id,
                    opens_at=values["opens_at"],
                    closes_at=values["closes_at"],
                    titles=per_language(values, "title", languages),
                    now=now(request),
                )
                slug = found.slug
            return done(request, "studio_week", slug, id=week_id)
        except Refused as refused:
            form, status = refused_form(values, refused, i18n), 422
    return await _week_page(request, form, FormState(), status)


async def _week_page(
    request: Request, form: FormState | None, question_form: FormState, status: int
) -> Response:
    i18n = page_i18n(request)
    week_id = request.path_params["id"]
    async with database(request).session() as session:
        found = await load(request, session)
        draft = await load_draft(session, found)
        number, this = _week_of(draft, week_id)
        if form is None:
            form = FormState(
                {
                    "opens_at": utc_to_local(this.set.opens_at, found.timezone),
                    "closes_at": utc_to_local(this.set.closes_at, found.timezone),
                }
                | {f"title-{code}": text for code, text in this.title.items()}
            )
        return await show(
            request,
            session,
            found,
            "studio/week.html",
            {
                "week": this,
                "number": number,
                "form": form,
                "question_form": question_form,
                "now": now(request),
            },
            i18n=i18n,
            tab="studio_weeks",
            status=status,
        )


async def week_remove(request: Request) -> Response:
    async with database(request).transaction() as session:
        found, person = await writable(request, session)
        await remove_week(
            session,
            discussion=found,
            actor=person,
            week_id=request.path_params["id"],
            now=now(request),
        )
        slug = found.slug
    return done(request, "studio_weeks", slug)


async def week_move(request: Request) -> Response:
    values = await read_form(request, ("step",))
    async with database(request).transaction() as session:
        found, person = await writable(request, session)
        await move_week(
            session,
            discussion=found,
            actor=person,
            week_id=request.path_params["id"],
            step=-1 if values["step"] == "up" else 1,
            now=now(request),
        )
        slug = found.slug
    return done(request, "studio_weeks", slug)


async def question_add(request: Request) -> Response:
    async with database(request).session() as session:
        languages = (await load(request, session)).language_list
    values = await read_form(request, field_names(["text"], languages))
    try:
        async with database(request).transaction() as session:
            found, person = await writable(request, session)
            await add_question(
                session,
                discussion=found,
                actor=person,
                week_id=request.path_params["id"],
                texts=per_language(values, "text", languages),
                now=now(request),
            )
            slug = found.slug
        return done(request, "studio_week", slug, id=request.path_params["id"])
    except Refused as refused:
        question_form = refused_form(values, refused, page_i18n(request))
    return await _week_page(request, None, question_form, 422)


async def question(request: Request) -> Response:
    """One question's wording in every language, side by side."""
    i18n = page_i18n(request)
    question_id = request.path_params["id"]
    form: FormState | None = None
    status = 200
    if request.method == "POST":
        async with database(request).session() as session:
            languages = (await load(request, session)).language_list
        values = await read_form(request, field_names(["text"], languages))
        try:
            async with database(request).transaction() as session:
                found, person = await writable(request, session)
                await edit_question(
                    session,
                    discussion=found,
                    actor=person,
                    question_id=question_id,
                    texts=per_language(values, "text", languages),
                    now=now(request),
                )
                slug = found.slug
            return done(request, "studio_question", slug, id=question_id)
        except Refused as refused:
            form, status = refused_form(values, refused, i18n), 422
    async with database(request).session() as session:
        found = await load(request, session)
        draft = await load_draft(session, found)
        week_number, this = _question_of(draft, question_id)
        if form is None:
            form = FormState({f"text-{code}": text for code, text in this.text.items()})
        return await show(
            request,
            session,
            found,
            "studio/question.html",
            {"question": this, "week_number": week_number, "form": form},
            i18n=i18n,
            tab="studio_weeks",
            status=status,
        )


async def question_remove(request: Request) -> Response:
    async with database(request).transaction() as session:
        found, person = await writable(request, session)
        await remove_question(
            session,
            discussion=found,
            actor=person,
            question_id=request.path_params["id"],
            now=now(request),
        )
        slug = found.slug
    return done(request, "studio_weeks", slug)


async def question_move(request: Request) -> Response:
    values = await read_form(request, ("step",))
    async with database(request).transaction() as session:
        found, person = await writable(request, session)
        await move_question(
            session,
            discussion=found,
            actor=person,
            question_id=request.path_params["id"],
            step=-1 if values["step"] == "up" else 1,
            now=now(request),
        )
        slug = found.slug
    return done(request, "studio_weeks", slug)
