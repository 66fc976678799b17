"""Posts: answering, replying, commenting, editing, a post's page and history; the pages of
threads (a question's, the general comments) are in `listings`."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.contributions import posting
from forum.contributions.edits import editable_text
from forum.contributions.history import post_history
from forum.contributions.notifications import notify_reply
from forum.contributions.posting import Draft, PostLimits
from forum.contributions.reading import ComposeContext, compose_context, edit_context
from forum.contributions.routes.listings import blank_form, comments, question
from forum.contributions.threads import find_post
from forum.core.errors import Conflict, FormInvalid
from forum.core.permissions import check_signed_in
from forum.core.ratelimit import RateLimited
from forum.guidelines.screening import GuidelineRefused
from forum.mail.worker import CLAIM
from forum.models.types import PostStatus
from forum.web.forms import FormState, failed_form, read_form, see_other
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

DRAFT_FIELDS = ("source", "language", "quote_consent", "action")


def limits(request: Request) -> PostLimits:
    settings = settings_of(request)
    return PostLimits(min_chars=settings.post_min_chars, max_chars=settings.post_max_chars)


async def permalink(request: Request) -> Response:
    i18n = page_i18n(request)
    user = viewer(request)
    async with database(request).session() as session:
        found = await find_post(
            session,
            discussion_slug=request.path_params["slug"],
            post_id=request.path_params["id"],
            viewer_id=user.id if user else None,
        )
        context = await compose_context(
            session,
            slug=request.path_params["slug"],
            language=i18n.language,
            now=now(request),
            viewer=user,
            question_number=found.question_number,
        )
    reply_form = blank_form(context.composer)
    return render(
        request,
        "posts/permalink.html",
        {
            "found": found,
            "context": context,
            "reply_form": reply_form,
            "languages": context.languages,
            "guidelines": request.app.state.guidelines[i18n.language],
            "done": request.query_params.get("done", ""),
            "tag_labels": context.tag_labels,
        },
        i18n=i18n,
    )


async def history(request: Request) -> Response:
    """The versions of a post, each with what changed from the one before."""
    i18n = page_i18n(request)
    async with database(request).session() as session:
        shown = await post_history(
            session,
            slug=request.path_params["slug"],
            post_id=request.path_params["id"],
            viewer=viewer(request),
            language=i18n.language,
            now=now(request),
        )
    return render(request, "posts/history.html", {"history": shown}, i18n=i18n)


@dataclass(frozen=True)
class Where:
    """Where the words go: an answer to a question, a reply to a post, or an edit."""

    question_number: int | None = None
    parent_id: int | None = None
    post_id: int | None = None


async def _context(request: Request, where: Where) -> ComposeContext:
    i18n = page_i18n(request)
    user = viewer(request)
    async with database(request).session() as session:
        if where.post_id is not None:
            _post, context = await edit_context(
                session,
                slug=request.path_params["slug"],
                post_id=where.post_id,
                editor=check_signed_in(user),
                language=i18n.language,
                now=now(request),
            )
            return context
        return await compose_context(
            session,
            slug=request.path_params["slug"],
            language=i18n.language,
            now=now(request),
            viewer=user,
            question_number=where.question_number,
            parent_id=where.parent_id,
        )


async def _compose(
    request: Request,
    where: Where,
    *,
    form: FormState,
    preview: posting.Preview | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Show the page for writing: context, an optional preview, the form as typed."""
    i18n = page_i18n(request)
    context = await _context(request, where)
    return render(
        request,
        "posts/compose.html",
        {
            "context": context,
            "form": form,
            "preview": preview,
            "action": request.url.path,
            "editing": where.post_id is not None,
            "guidelines": request.app.state.guidelines[i18n.language],
            "reply_form": form,
            "languages": context.languages,
        },
        i18n=i18n,
        status=status,
        headers=headers,
    )


async def _publish(
    request: Request,
    *,
    question_number: int | None = None,
    parent_id: int | None = None,
    post_id: int | None = None,
) -> Response:
    """Preview or publish what was typed; on refusal show it again with the reason."""
    user = check_signed_in(viewer(request))
    values = await read_form(request, DRAFT_FIELDS)
    draft = Draft(values["source"], values["language"], values["quote_consent"])
    where = Where(question_number, parent_id, post_id)
    queued: str | None = None  # the mail to send once the post is committed (a reply)
    try:
        if values["action"] == "preview":
            return await _preview(request, draft, values, where)
        async with database(request).transaction() as session:
            if post_id is not None:
                post = await posting.edit_post(
                    session,
                    editor=user,
                    post_id=post_id,
                    draft=draft,
                    limits=limits(request),
                    now=now(request),
                    remoderate_edits=settings_of(request).remoderate_edits,
                    rules=request.app.state.rules,
                )
            else:
                written = await posting.write_post(
                    session,
                    author=user,
                    discussion_slug=request.path_params["slug"],
                    question_number=question_number,
                    parent_id=parent_id,
                    draft=draft,
                    limits=limits(request),
                    now=now(request),
                    rules=request.app.state.rules,
                )
                post = written.post
                queued = await notify_reply(
                    session,
                    reply=post,
                    postman=postman(request),
                    now=now(request),
                    parent=written.parent,
                    discussion=written.discussion,
                    replier=written.author,
                    written_now=True,
                    claimed_until=now(request) + CLAIM,  # sent below, after the response
                )
    except (FormInvalid, RateLimited) as error:
        form, status, headers = failed_form(values, error)
        return await _compose(request, where, form=form, status=status, headers=headers)
    except GuidelineRefused as error:
        form = FormState(values, {}, error.message, guideline=error.section)
        return await _compose(request, where, form=form, status=422)
    except Conflict as error:
        form = FormState(values, {}, error.message)
        return await _compose(request, where, form=form, status=409)
    response = see_other(
        url(request, "post", slug=request.path_params["slug"], id=post.id) + f"#post-{post.id}"
    )
    if queued:  # otherwise the outbox has nothing of ours: nothing to send
        response.background = send_mail_after_response(request, claimed=queued)
    return response


async def _preview(
    request: Request, draft: Draft, values: dict[str, str], where: Where
) -> Response:
    context = await _context(request, where)
    async with database(request).transaction() as session:
        await posting.count_preview(
            session, author=check_signed_in(viewer(request)), now=now(request)
        )
    shown = posting.preview_draft(
        draft,
        languages=context.languages,
        fallback=context.fallback_language,
        limits=limits(request),
    )
    form = FormState({**values, "language": shown.language})
    return await _compose(request, where, form=form, preview=shown)


async def answer(request: Request) -> Response:
    return await _publish(request, question_number=request.path_params["number"])


async def reply(request: Request) -> Response:
    return await _publish(request, parent_id=request.path_params["id"])


async def comment(request: Request) -> Response:
    return await _publish(request)


async def edit(request: Request) -> Response:
    post_id: int = request.path_params["id"]
    if request.method == "POST":
        return await _publish(request, post_id=post_id)
    i18n = page_i18n(request)
    user = check_signed_in(viewer(request))
    async with database(request).session() as session:
        post, context = await edit_context(
            session,
            slug=request.path_params["slug"],
            post_id=post_id,
            editor=user,
            language=i18n.language,
            now=now(request),
        )
    source, language = editable_text(post)  # an edit waiting: the author goes on from it
    form = FormState({"source": source, "language": language, "quote_consent": post.quote_consent})
    return render(
        request,
        "posts/compose.html",
        {
            "context": context,
            "form": form,
            "preview": None,
            "action": request.url.path,
            "editing": True,
            "reply_form": form,
            "languages": context.languages,
            # a rejected post's author came to mend it: repeat why, as the mail said
            "rejected": post if post.status == PostStatus.REJECTED else None,
            "guidelines": request.app.state.guidelines[i18n.language],
        },
        i18n=i18n,
    )


_BASE = "/discussions/{slug}"
routes: list[BaseRoute] = [
    Route(_BASE + "/questions/{number:id}", question, name="question"),
    Action(_BASE + "/questions/{number:id}/answer", answer, name="answer", screen="question"),
    Route(_BASE + "/comments", comments, name="comments"),
    Action(_BASE + "/comments/new", comment, name="comment", screen="comments"),
    Route(_BASE + "/posts/{id:id}", permalink, name="post"),
    Route(_BASE + "/posts/{id:id}/history", history, name="post_history"),
    Action(_BASE + "/posts/{id:id}/reply", reply, name="reply", screen="post"),
    Route(_BASE + "/posts/{id:id}/edit", edit, methods=["GET", "POST"], name="edit_post"),
]
