"""Themes as hints: key phrases of the published answers, per question and language.

Extracted with YAKE (unsupervised, no model to download) when asked (`forum analyse SLUG` or
the analysis page's button), kept in `analysis_themes`, and read back by the page in one
statement: never computed on a page view.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.models import Discussion, Post, Question, Theme
from forum.models.types import PostStatus

PHRASES = 8  # per question and language
LONGEST = 3  # words in a phrase
YAKE_LANGUAGES = {"en", "es", "fr"}  # stop-word lists YAKE has; others use none


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    posts: int  # published posts containing it


@dataclass(frozen=True, slots=True)
class ThemeGroup:
    question_number: int | None
    language: str
    phrases: list[Phrase]


def _folded(text: str) -> str:
    """Lower-case, with runs of white space made one space: how phrases are found in posts."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).casefold()


def key_phrases(texts: list[str], language: str, top: int = PHRASES) -> list[Phrase]:
    """The `top` key phrases of `texts` (written in `language`), each with its post count."""
    joined = "\n\n".join(texts)
    if not joined.strip():
        return []
    import yake  # here, not at the top: it brings NetworkX, ~14 MB in every web worker

    extractor = yake.KeywordExtractor(
        lan=language if language in YAKE_LANGUAGES else "en", n=LONGEST, top=top * 2
    )
    folded = [_folded(text) for text in texts]
    phrases: list[Phrase] = []
    seen: set[str] = set()
    for phrase, _score in extractor.extract_keywords(joined):
        key = _folded(phrase)
        if key in seen or len(key) > 200:
            continue
        seen.add(key)
        found = sum(key in text for text in folded)
        if found:
            phrases.append(Phrase(phrase.strip(), found))
        if len(phrases) == top:
            break
    return phrases


async def extract_themes(session: AsyncSession, *, slug: str, now: datetime) -> int:
    """Replace a discussion's themes from its published posts; return how many were kept.

    NotFound for an unknown slug. Three statements and one insert of every phrase.
    """
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None or discussion.id is None:
        raise NotFound(slug)
    rows = (
        await session.execute(
            select(col(Question.number), col(Post.language), col(Post.source))
            .select_from(Post)
            .outerjoin(Question, col(Question.id) == col(Post.question_id))
            .where(
                col(Post.discussion_id) == discussion.id,
                col(Post.status) == PostStatus.APPROVED.value,
            )
            .order_by(col(Post.id))
        )
    ).all()
    texts: dict[tuple[int | None, str], list[str]] = defaultdict(list)
    for number, language, source in rows:
        texts[(number, language)].append(source)
    await session.execute(delete(Theme).where(col(Theme.discussion_id) == discussion.id))
    themes = [
        Theme(
            discussion_id=discussion.id,
            question_number=number,
            language=language,
            phrase=phrase.text,
            rank=rank,
            posts=phrase.posts,
            computed_at=now,
        )
        for (number, language), group in sorted(
            texts.items(), key=lambda i: (i[0][0] or 0, i[0][1])
        )
        for rank, phrase in enumerate(key_phrases(group, language))
    ]
    session.add_all(themes)
    await session.flush()
    return len(themes)


async def discussion_themes(
    session: AsyncSession, *, discussion_id: int
) -> tuple[list[ThemeGroup], datetime | None]:
    """The themes kept for a discussion, by question then language, and when they were
    computed (None: never). One statement.
    """
    rows = (
        await session.scalars(
            select(Theme)
            .where(col(Theme.discussion_id) == discussion_id)
            .order_by(col(Theme.question_number), col(Theme.language), col(Theme.rank))
        )
    ).all()
    groups: dict[tuple[int | None, str], list[Phrase]] = {}
    for row in rows:
        groups.setdefault((row.question_number, row.language), []).append(
            Phrase(row.phrase, row.posts)
        )
    computed = max((row.computed_at for row in rows), default=None)
    ordered = sorted(
        groups.items(), key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1])
    )
    return [
        ThemeGroup(number, language, phrases) for (number, language), phrases in ordered
    ], computed
