"""Tell a discussion's newsletter subscribers, each in their language, of its synthesis."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.localize import fallback_order, localize
from forum.mail.compose import Postman
from forum.mail.outbox import BadAddress
from forum.models import Discussion, DiscussionTranslation
from forum.newsletter.subscriptions import list_headers, manage_token, recipients


async def announce_synthesis(
    session: AsyncSession,
    *,
    postman: Postman,
    secret: str,
    discussion: Discussion,
    now: datetime,
) -> int:
    """Queue one notice per confirmed subscriber; return how many.

    In the caller's transaction, so the notices go out only if the synthesis is published.
    Keyed by the moment of publishing: publishing again after a correction tells readers again.
    """
    assert discussion.id is not None
    readers = await recipients(session, discussion_id=discussion.id)
    if not readers:
        return 0
    rows = await session.execute(
        select(col(DiscussionTranslation.language), col(DiscussionTranslation.title)).where(
            DiscussionTranslation.discussion_id == discussion.id
        )
    )
    titles: dict[str, str] = {code: title for code, title in rows.all() if title}
    queued = 0
    for reader in readers:
        assert reader.id is not None
        language = postman.language_for(reader.language)
        url = postman.url(language)
        token = manage_token(secret, reader.id)
        order = fallback_order(language, discussion.language_list)
        try:
            queued += await postman.post(
                session,
                to_address=reader.email,
                to_name="",
                language=language,
                template="synthesis_published",
                context={
                    "discussion": {
                        "title": localize(titles, order).text or discussion.slug,
                        "url": url("discussion", slug=discussion.slug),
                    },
                    "manage_url": url("newsletter_manage", token=token),
                },
                now=now,
                headers=list_headers(url, token),
                dedupe_key=f"synthesis:{discussion.id}:{now.isoformat()}:{reader.id}",
            )
        except BadAddress:  # found before any SQL runs: the others still get theirs
            continue
    return queued
