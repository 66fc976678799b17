"""A discussion's preview, exactly as readers will see it, and its history of changes."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from forum.contributions.reading import discussion_view
from forum.live.sessions import discussion_sessions
from forum.studio.drafts import load_draft
from forum.studio.history import discussion_history
from forum.studio.routes.common import load, show
from forum.web.request import database, now, page_i18n


async def history(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        found = await load(request, session)
        entries = await discussion_history(session, found.id or 0)
        return await show(
            request,
            session,
            found,
            "studio/history.html",
            {"entries": entries},
            i18n=i18n,
            tab="studio_history",
        )


async def preview(request: Request) -> Response:
    """The reader's page of the discussion at a chosen moment: its opening or a week's."""
    i18n = page_i18n(request)
    async with database(request).session() as session:
        found = await load(request, session)
        draft = await load_draft(session, found)
        moments: list[tuple[str, datetime]] = [("open", found.opens_at)]
        moments += [(f"week-{n}", w.set.opens_at) for n, w in enumerate(draft.weeks, start=1)]
        moments.append(("now", now(request)))
        chosen = request.query_params.get("at", "")
        at = dict(moments).get(chosen)
        if at is None:
            chosen, at = moments[-2] if len(moments) > 2 else moments[0]
        view = await discussion_view(
            session, slug=found.slug, language=i18n.language, now=at, preview=True
        )
        live = await discussion_sessions(
            session,
            discussion_id=view.page.card.id,
            languages=view.page.languages,
            language=i18n.language,
            now=at,
        )
        return await show(
            request,
            session,
            found,
            "studio/preview.html",
            {
                "page": view.page,
                "answers": view.answers,
                "summaries": view.summaries,
                "live": live,
                "moments": moments,
                "chosen": chosen,
                "at": at,
            },
            i18n=i18n,
            tab="studio_preview",
        )
