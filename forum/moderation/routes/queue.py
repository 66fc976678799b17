"""The moderators' queue page: pending posts as filtered, a refused form shown again as typed."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from forum.analysis.duplicates import similar_pending
from forum.core.i18n import I18n
from forum.core.permissions import check_moderator, is_admin
from forum.guidelines.text import Section
from forum.models import User
from forum.moderation.actions import moderated_discussions
from forum.moderation.places import discussion_places
from forum.moderation.queue import QueueFilter, moderation_queue
from forum.web.forms import FormState, whole_number
from forum.web.request import database, page_i18n, render, url, viewer

QUEUE_FILTERS = ("discussion", "question", "language", "held", "page")


async def moderator_scope(request: Request) -> tuple[User, set[int], set[int] | None]:
    """Return the moderator, the discussions they moderate, and what they see (None: all)."""
    user = check_moderator(viewer(request))
    assert user.id is not None
    async with database(request).session() as session:
        moderated = await moderated_discussions(session, user_id=user.id)
    return user, moderated, None if is_admin(user) else moderated


def query_number(text: str | None) -> int | None:
    """Read a small whole number from a query string (ASCII digits only), else None."""
    return whole_number(text, 99_999)


def _rule_sections(request: Request) -> dict[str, str]:
    """Which guideline section each machine rule cites, by rule id."""
    return {rule.id: rule.section for rule in request.app.state.rules.rules}


def _held_choices(request: Request, i18n: I18n) -> list[Section]:
    """The guideline sections that rules holding posts for a moderator cite, in order."""
    cited = {rule.section for rule in request.app.state.rules.rules if rule.action == "hold"}
    return [s for s in request.app.state.guidelines[i18n.language].sections if s.id in cited]


def _queue_filter(scope: set[int] | None, query: dict[str, str], request: Request) -> QueueFilter:
    return QueueFilter(
        scope,
        discussion_slug=query.get("discussion") or None,
        question_number=query_number(query.get("question")),
        language=query.get("language") or None,
        held=query.get("held") or None,
        rule_sections=_rule_sections(request),
    )


async def queue(request: Request) -> Response:
    return await queue_page(request, dict(request.query_params))


async def queue_page(
    request: Request,
    query: dict[str, str],
    *,
    failed: dict[int, FormState] | None = None,
    status: int = 200,
) -> Response:
    """Show the queue as `query` filters it; `failed` holds a refused form, by post id."""
    i18n = page_i18n(request)
    _user, _moderated, scope = await moderator_scope(request)
    wanted = _queue_filter(scope, query, request)
    async with database(request).session() as session:
        page = await moderation_queue(
            session, queue=wanted, language=i18n.language, page=query_number(query.get("page")) or 1
        )
        places = await discussion_places(session, scope, i18n.language)
        similar = await similar_pending(session, queue=wanted)
    shown = {k: v for k, v in query.items() if v and k in QUEUE_FILTERS}
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "similar": similar,
            "wanted": wanted,
            "here": url(request, "moderation") + (f"?{urlencode(shown)}" if shown else ""),
            "filters": shown,
            "places": sorted(places.values(), key=lambda place: place.title.text.casefold()),
            "done": query.get("done", ""),
            "failed": failed or {},
            "guidelines": request.app.state.guidelines[i18n.language],
            "held_choices": _held_choices(request, i18n),
        },
        i18n=i18n,
        status=status,
    )
