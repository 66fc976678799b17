"""Tell a discussion's newsletter subscribers, each in their language, of a new live session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.localize import fallback_order, localize
from forum.discussions.listing import is_published
from forum.live.sessions import SessionView, session_views
from forum.mail.compose import Postman
from forum.mail.outbox import BadAddress
from forum.models import Discussion, DiscussionTranslation
from forum.newsletter.subscriptions import list_headers, manage_token, recipients


def notice_context(
    discussion: Discussion,
    titles: dict[str, str],
    view: SessionView,
    language: str,
    postman: Postman,
) -> dict[str, Any]:
    """What the notice says to a reader of `language`: texts fall back in the one order."""
    order = fallback_order(language, discussion.language_list)
    url = postman.url(language)
    return {
        "discussion": {
            "title": localize(titles, order).text or discussion.slug,
            "url": url("discussion", slug=discussion.slug),
            "timezone": discussion.timezone,
        },
        "live": {
            "title": localize(view.titles, order).text,
            "description": localize(view.descriptions, order).text,
            "starts_at": view.starts_at,
            "duration_minutes": view.duration_minutes,
            "language": view.language,
            "registration_url": view.registration_url,
            "ics_url": url("live_session_ics", slug=discussion.slug, id=view.id),
        },
    }


async def announce_session(
    session: AsyncSession,
    *,
    postman: Postman,
    secret: str,
    discussion: Discussion,
    live_id: int,
    now: datetime,
) -> int:
    """Queue one notice per confirmed subscriber of a published discussion; return how many.

    In the caller's transaction, so the notices go out only if the session is written. Each
    has a key of its own: the same session is never announced twice to the same reader.
    """
    assert discussion.id is not None
    if not is_published(discussion, now):
        return 0
    readers = await recipients(session, discussion_id=discussion.id)
    if not readers:
        return 0
    views = await session_views(
        session,
        discussion_id=discussion.id,
        languages=discussion.language_list,
        language=discussion.language_list[0],
        ids=[live_id],
    )
    rows = await session.execute(
        select(col(DiscussionTranslation.language), col(DiscussionTranslation.title)).where(
            DiscussionTranslation.discussion_id == discussion.id
        )
    )
    titles: dict[str, str] = {code: title for code, title in rows.all() if title}
    contexts: dict[str, dict[str, Any]] = {}
    queued = 0
    for reader in readers:
        assert reader.id is not None
        language = postman.language_for(reader.language)
        if language not in contexts:
            contexts[language] = notice_context(discussion, titles, views[0], language, postman)
        token = manage_token(secret, reader.id)
        url = postman.url(language)
        try:
            queued += await postman.post(
                session,
                to_address=reader.email,
                to_name="",
                language=language,
                template="live_session",
                context=contexts[language] | {"manage_url": url("newsletter_manage", token=token)},
                now=now,
                headers=list_headers(url, token),
                dedupe_key=f"live-session:{live_id}:{reader.id}",
            )
        except BadAddress:  # found before any SQL runs: the others still get theirs
            continue
    return queued
