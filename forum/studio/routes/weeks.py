"""Weeks and questions in the studio: the list, one week, one question, and their changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from forum.core.errors import NotFound
from forum.models import Discussion, User
from forum.studio.drafts import StudioDiscussion, StudioQuestion, StudioWeek, load_draft
from forum.studio.moments import utc_to_local
from forum.studio.questions import add_question, edit_question, move_question, remove_question
from forum.studio.routes.common import act, field_names, load, per_language, save, show
from forum.studio.weeks import add_week, edit_week, move_week, remove_week
from forum.web.forms import FormState
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


def _week_fields(languages: list[str]) -> tuple[str, ...]:
    return ("opens_at", "closes_at", *field_names(["title"], languages))


def _text_fields(languages: list[str]) -> tuple[str, ...]:
    return field_names(["text"], languages)


def _step(values: dict[str, str]) -> int:
    return -1 if values["step"] == "up" else 1


async def weeks(request: Request) -> Response:
    """Every week with its questions, and a form to add a week after the last."""
    i18n = page_i18n(request)
    form = FormState()
    status = 200
    if request.method == "POST":

        async def edit(
            session: AsyncSession, d: Discussion, person: User, v: dict[str, str], langs: list[str]
        ) -> None:
            await add_week(
                session,
                discussion=d,
                actor=person,
                opens_at=v["opens_at"],
                closes_at=v["closes_at"],
                titles=per_language(v, "title", langs),
                now=now(request),
            )

        outcome = await save(request, _week_fields, edit, "studio_weeks")
        if isinstance(outcome, Response):
            return outcome
        form, status = outcome, 422
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
    week_id = request.path_params["id"]
    if request.method == "POST":

        async def edit(
            session: AsyncSession, d: Discussion, person: User, v: dict[str, str], langs: list[str]
        ) -> None:
            await edit_week(
                session,
                discussion=d,
                actor=person,
                week_id=week_id,
                opens_at=v["opens_at"],
                closes_at=v["closes_at"],
                titles=per_language(v, "title", langs),
                now=now(request),
            )

        outcome = await save(request, _week_fields, edit, "studio_week", id=week_id)
        if isinstance(outcome, Response):
            return outcome
        return await _week_page(request, outcome, FormState(), 422)
    return await _week_page(request, None, FormState(), 200)


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
    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        week_id = request.path_params["id"]
        await remove_week(session, discussion=d, actor=person, week_id=week_id, now=now(request))

    return await act(request, (), edit, "studio_weeks")


async def week_move(request: Request) -> Response:
    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        await move_week(
            session,
            discussion=d,
            actor=person,
            week_id=request.path_params["id"],
            step=_step(v),
            now=now(request),
        )

    return await act(request, ("step",), edit, "studio_weeks")


async def question_add(request: Request) -> Response:
    week_id = request.path_params["id"]

    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], langs: list[str]
    ) -> None:
        await add_question(
            session,
            discussion=d,
            actor=person,
            week_id=week_id,
            texts=per_language(v, "text", langs),
            now=now(request),
        )

    outcome = await save(request, _text_fields, edit, "studio_week", id=week_id)
    if isinstance(outcome, Response):
        return outcome
    return await _week_page(request, None, outcome, 422)


async def question(request: Request) -> Response:
    """One question's wording in every language, side by side."""
    i18n = page_i18n(request)
    question_id = request.path_params["id"]
    form: FormState | None = None
    status = 200
    if request.method == "POST":

        async def edit(
            session: AsyncSession, d: Discussion, person: User, v: dict[str, str], langs: list[str]
        ) -> None:
            await edit_question(
                session,
                discussion=d,
                actor=person,
                question_id=question_id,
                texts=per_language(v, "text", langs),
                now=now(request),
            )

        outcome = await save(request, _text_fields, edit, "studio_question", id=question_id)
        if isinstance(outcome, Response):
            return outcome
        form, status = outcome, 422
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
    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        question_id = request.path_params["id"]
        await remove_question(
            session, discussion=d, actor=person, question_id=question_id, now=now(request)
        )

    return await act(request, (), edit, "studio_weeks")


async def question_move(request: Request) -> Response:
    async def edit(
        session: AsyncSession, d: Discussion, person: User, v: dict[str, str], _: list[str]
    ) -> None:
        await move_question(
            session,
            discussion=d,
            actor=person,
            question_id=request.path_params["id"],
            step=_step(v),
            now=now(request),
        )

    return await act(request, ("step",), edit, "studio_weeks")
