"""A discussion's own texts in every language: title, summary and the introduction (Markdown)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.core.text import render_markdown
from forum.discussions.checks import TITLE_MAX, TOO_LONG, Problem, Refused
from forum.models import Discussion, DiscussionTranslation, User
from forum.models.types import ChangeKind
from forum.studio.history import record_change

INTRODUCTION_MAX = 50_000
SUMMARY_MAX = 1_000
KINDS = ("title", "summary", "introduction")


def too_long(
    texts: Mapping[str, str], field: str, limit: int, languages: list[str]
) -> list[Problem]:
    """A problem for each language whose text in `field` is over `limit` characters."""
    return [
        Problem(TOO_LONG, f"{field}-{code}", {"limit": limit})
        for code in languages
        if len(texts.get(code, "").strip()) > limit
    ]


async def update_texts(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    texts: Mapping[str, Mapping[str, str]],
    now: datetime,
) -> bool:
    """Save the title, summary and introduction in each language; say whether any changed.

    `texts` maps "title", "summary" and "introduction" to a text per language code. A blank
    text is kept blank (the studio flags it); the history keeps what each text said before.
    """
    assert discussion.id is not None
    languages = discussion.language_list
    cleaned = {
        kind: {code: texts.get(kind, {}).get(code, "").strip() for code in languages}
        for kind in KINDS
    }
    problems = too_long(cleaned["title"], "title", TITLE_MAX, languages)
    problems += too_long(cleaned["summary"], "summary", SUMMARY_MAX, languages)
    problems += too_long(cleaned["introduction"], "introduction", INTRODUCTION_MAX, languages)
    if problems:
        raise Refused(problems)
    rows = {
        row.language: row
        for row in await session.scalars(
            select(DiscussionTranslation).where(
                col(DiscussionTranslation.discussion_id) == discussion.id
            )
        )
    }
    before: dict[str, dict[str, str]] = {}
    after: dict[str, dict[str, str]] = {}
    for code in languages:
        row = rows.get(code)
        old = {
            "title": row.title if row else "",
            "summary": row.summary if row else "",
            "introduction": row.introduction_source if row else "",
        }
        new = {kind: cleaned[kind][code] for kind in KINDS}
        for kind in KINDS:
            if old[kind] != new[kind]:
                before.setdefault(kind, {})[code] = old[kind]
                after.setdefault(kind, {})[code] = new[kind]
        if old == new:
            continue
        if row is None:
            row = DiscussionTranslation(
                discussion_id=discussion.id,
                language=code,
                title="",
                summary="",
                introduction_source="",
                introduction_html="",
            )
            session.add(row)
        row.title = new["title"]
        row.summary = new["summary"]
        row.introduction_source = new["introduction"]
        row.introduction_html = render_markdown(new["introduction"]) if new["introduction"] else ""
    if not after:
        return False
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.TEXTS,
        now=now,
        before=before,
        after=after,
    )
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)
    return True
