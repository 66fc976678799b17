"""The pages of threads: a question's answers and a discussion's general comments.

Anonymous readers get whole pages from the page cache. Everyone else gets the page's data and
its thread list from the shared store (`web/fragments.py`), kept per content version and
minute, with their own parts filled in: Edit on their posts, the moderators' controls with
their own token, Reply and Report where they may write. A reader with posts of their own
there that others see otherwise (awaiting moderation, not published, an edit waiting) gets
the thread list rendered for them alone, as their posts change its pages and places.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from forum.contributions.reading import (
    CommentsView,
    Composer,
    QuestionView,
    comments_composer,
    comments_shell,
    has_unshared_posts,
    question_composer,
    question_shell,
)
from forum.contributions.threads import ThreadPage, general_threads, question_threads
from forum.core.i18n import I18n
from forum.core.permissions import is_admin, is_staff
from forum.models import User
from forum.web.cache import cached_page
from forum.web.forms import FormState, whole_number
from forum.web.fragments import (
    CSRF_SLOT,
    NAME_SLOT,
    THREADS_SLOT,
    Fragment,
    Shared,
    render_part,
    shared_for,
)
from forum.web.request import database, now, page_i18n, render, url, viewer

MAX_PAGE = 99_999  # a page of threads further than any discussion reaches
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})?")

View = QuestionView | CommentsView
Threads = Callable[[AsyncSession, int | None], Awaitable[ThreadPage]]


def listing_options(request: Request) -> dict[str, Any]:
    """Read ?language=, ?order= and ?page= as the reader left them."""
    query = request.query_params
    language = query.get("language", "")
    return {
        "only_language": language if _LANGUAGE_TAG.fullmatch(language) else None,
        "order": "newest" if query.get("order") == "newest" else "oldest",
        "page": whole_number(query.get("page"), MAX_PAGE) or 1,
    }


def blank_form(composer: Composer) -> FormState:
    """An empty form to write, with the writer's remembered consent to be quoted, if any."""
    remembered = "yes" if composer.quote_consent else ""
    consent = {"quote_consent": composer.quote_consent, "consent_remembered": remembered}
    return FormState({**consent, "language": ""})


def _offered(language: str | None, languages: list[str]) -> str | None:
    """The language filter asked for, if the discussion is held in it."""
    return language if language in languages else None


async def question(request: Request) -> Response:
    return await cached_page(request, lambda: _question(request))


async def _question(request: Request) -> Response:
    i18n, user, moment = page_i18n(request), viewer(request), now(request)
    slug, number = request.path_params["slug"], request.path_params["number"]
    options = listing_options(request)
    shared = await shared_for(request)
    shell = await shared.data(
        ("question", slug, number, i18n.language),
        lambda session: question_shell(
            session, slug=slug, number=number, language=i18n.language, now=moment
        ),
    )
    page = shell.page
    composer = question_composer(shell, user, moment)
    language = _offered(options["only_language"], page.languages)

    async def threads(session: AsyncSession, viewer_id: int | None) -> ThreadPage:
        return await question_threads(
            session,
            question_id=page.question.id,
            viewer_id=viewer_id,
            language=language,
            order=options["order"],
            page=options["page"],
        )

    return await _threads_page(
        request,
        i18n,
        shared,
        "posts/question.html",
        key=("question", slug, number, i18n.language, language, options["order"], options["page"]),
        place=(page.discussion.id, page.question.id),
        threads=threads,
        view_of=lambda found: QuestionView(page, found, composer, shell.tag_labels),
        base=url(request, "question", slug=slug, number=number),
    )


async def comments(request: Request) -> Response:
    return await cached_page(request, lambda: _comments(request))


async def _comments(request: Request) -> Response:
    i18n, user, moment = page_i18n(request), viewer(request), now(request)
    slug = request.path_params["slug"]
    options = listing_options(request)
    shared = await shared_for(request)
    page = await shared.data(
        ("comments", slug, i18n.language),
        lambda session: comments_shell(session, slug=slug, language=i18n.language, now=moment),
    )
    composer = comments_composer(page, user, moment)
    labels = {tag.slug: tag.label.text for tag in page.tags}
    language = _offered(options["only_language"], page.languages)

    async def threads(session: AsyncSession, viewer_id: int | None) -> ThreadPage:
        return await general_threads(
            session,
            discussion_id=page.card.id,
            viewer_id=viewer_id,
            language=language,
            order=options["order"],
            page=options["page"],
        )

    return await _threads_page(
        request,
        i18n,
        shared,
        "posts/comments.html",
        key=("comments", slug, i18n.language, language, options["order"], options["page"]),
        place=(page.card.id, None),
        threads=threads,
        view_of=lambda found: CommentsView(page, found, composer, labels),
        base=url(request, "comments", slug=slug),
    )


async def _threads_page(
    request: Request,
    i18n: I18n,
    shared: Shared,
    template: str,
    *,
    key: tuple[Any, ...],
    place: tuple[int, int | None],
    threads: Threads,
    view_of: Callable[[ThreadPage], View],
    base: str,
) -> Response:
    """Render the page around its shared thread list, or around this viewer's own."""
    user = viewer(request)
    if await _has_unshared(request, *place):
        async with database(request).session() as session:
            view = view_of(await threads(session, user.id if user else None))
        html = Markup(_threads_html(request, i18n, view, base, shared=False))
        return _page(request, i18n, template, view, html, "personal")

    async def build(session: AsyncSession) -> tuple[ThreadPage, str]:
        every = view_of(await threads(session, None))
        html = _threads_html(request, i18n, every, base, shared=True)
        return replace(every.threads, threads=[]), html  # the page needs only its counts

    summary, fragment, how = await shared.fragment(key, build)
    view = view_of(summary)
    threads_html = _fill(request, fragment, view)
    return _shared_page(request, i18n, shared, template, key, view, threads_html, how)


def _fill(request: Request, fragment: Fragment, view: View) -> Markup:
    user = viewer(request)
    return fragment.fill(
        viewer_id=user.id if user else None,
        staff=is_staff(user),
        can_reply=view.composer.allowed,
        csrf_token=getattr(request.state, "csrf_token", ""),
    )


async def _has_unshared(request: Request, discussion_id: int, question_id: int | None) -> bool:
    """Say whether the viewer has posts here that they see otherwise than others do."""
    user = viewer(request)
    if user is None or user.id is None:
        return False
    if not getattr(request.state, "has_unshared_posts", True):
        return False  # none anywhere, said by the session lookup: no statement here
    async with database(request).single_read() as session:
        return await has_unshared_posts(
            session, author_id=user.id, discussion_id=discussion_id, question_id=question_id
        )


def _threads_html(request: Request, i18n: I18n, view: View, base: str, *, shared: bool) -> str:
    """Render a page's thread list: for this viewer, or for every viewer at once."""
    card = view.page.discussion if isinstance(view, QuestionView) else view.page.card
    context = {
        "threads": view.threads,
        "slug": card.slug,
        "composer": Composer(True) if shared else view.composer,
        "base": base,
        "zone": card.timezone,
        "languages": view.page.languages,
        "tag_labels": view.tag_labels,
    }
    return render_part(request, "posts/threads.html", context, i18n=i18n, shared=shared)


def _context(request: Request, i18n: I18n, view: View, threads_html: Markup) -> dict[str, Any]:
    """What a page of threads shows around its list, with an empty form to write."""
    form = blank_form(view.composer)  # with the writer's remembered consent
    return {
        "view": view,
        "threads_html": threads_html,
        "form": form,
        "reply_form": form,
        "languages": view.page.languages,
        "guidelines": request.app.state.guidelines[i18n.language],
        "tag_labels": view.tag_labels,
    }


def _page(
    request: Request, i18n: I18n, template: str, view: View, threads_html: Markup, source: str
) -> Response:
    """Render a page of threads for this viewer alone."""
    response = render(request, template, _context(request, i18n, view, threads_html), i18n=i18n)
    response.headers["X-Fragment"] = source  # where the thread list came from
    return response


def _shared_page(
    request: Request,
    i18n: I18n,
    shared: Shared,
    template: str,
    key: tuple[Any, ...],
    view: View,
    threads_html: Markup,
    source: str,
) -> Response:
    """The page around a shared thread list: its shell kept per kind of viewer (what the
    header and the form show them), their name, token and thread list filled in."""
    user = viewer(request)
    kind = (request.url.query, user is not None, is_staff(user), is_admin(user), view.composer)

    def build() -> str:
        stand_in = None
        if user is not None:  # as the viewer to the templates, but for the name
            stand_in = User(
                email="",
                display_name=NAME_SLOT,
                role=user.role,
                state=user.state,
                created_at=user.created_at,
            )
        context = _context(request, i18n, view, Markup(THREADS_SLOT))
        context.update(user=stand_in, csrf_token=CSRF_SLOT)
        return render_part(request, template, context, i18n=i18n, shared=False)

    html = shared.shell((*key, *kind), build, around=source).fill(
        name=user.display_name if user else "",
        csrf_token=getattr(request.state, "csrf_token", ""),
        threads=threads_html,
    )
    headers = {"Content-Language": i18n.language, "X-Fragment": source}
    return HTMLResponse(html, headers=headers)
