"""What each feed holds: the latest published posts of a discussion, a question or a tag.

Every feed costs a fixed number of statements (at most six) whatever the number of posts; the
entries come from `entries_for`, which any other list of post ids (a search) may use too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forum.core.errors import N_, NotFound
from forum.core.localize import fallback_order, localize
from forum.core.people import shown_name
from forum.discussions.listing import discussion_title
from forum.live.sessions import published_discussion
from forum.models import Discussion, Post, PostTag, Question, QuestionSet, QuestionTranslation
from forum.topics.atom import AtomEntry, AtomFeed, entry_id
from forum.topics.entries import Entry, entries_for, newest_ids, visible, visible_posts
from forum.topics.tags import get_tag

ON_QUESTION = N_("%(name)s on question %(number)s")
IN_COMMENTS = N_("%(name)s in the general comments")


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's title (in the reader's language), when it last changed, and its entries."""

    title: str
    updated: datetime
    entries: list[Entry]


def _feed(title: str, entries: list[Entry], since: datetime) -> Feed:
    return Feed(title, max((entry.updated_at for entry in entries), default=since), entries)


async def discussion_feed(
    session: AsyncSession, *, slug: str, language: str, now: datetime
) -> Feed:
    """The latest published posts of a published discussion; NotFound for a draft."""
    discussion = await published_discussion(session, slug=slug, now=now)
    ids = await newest_ids(
        session,
        visible_posts(col(Post.id)).where(col(Discussion.id) == discussion.id, *visible(now)),
    )
    entries = await entries_for(session, ids, language=language, now=now)
    title = await discussion_title(session, discussion=discussion, language=language)
    return _feed(title, entries, discussion.published_at or now)


async def question_feed(
    session: AsyncSession, *, slug: str, number: int, language: str, now: datetime
) -> Feed:
    """The latest answers and replies to a question whose week has opened; else NotFound."""
    discussion = await published_discussion(session, slug=slug, now=now)
    question = await session.scalar(
        select(Question)
        .join(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
        .where(
            col(Question.discussion_id) == discussion.id,
            col(Question.number) == number,
            col(QuestionSet.opens_at) <= now,
        )
    )
    if question is None:
        raise NotFound(f"{slug}/questions/{number}")
    ids = await newest_ids(
        session,
        visible_posts(col(Post.id)).where(col(Post.question_id) == question.id, *visible(now)),
    )
    entries = await entries_for(session, ids, language=language, now=now)
    texts = dict(
        (
            await session.execute(
                select(col(QuestionTranslation.language), col(QuestionTranslation.text)).where(
                    col(QuestionTranslation.question_id) == question.id
                )
            )
        ).all()
    )
    title = localize(texts, fallback_order(language, discussion.language_list)).text
    return _feed(title, entries, discussion.published_at or now)


async def tag_feed(session: AsyncSession, *, slug: str, language: str, now: datetime) -> Feed:
    """The latest published posts filed under a tag, across discussions; NotFound if no tag."""
    tag = await get_tag(session, slug=slug, language=language)
    ids = await newest_ids(
        session,
        visible_posts(col(Post.id))
        .join(PostTag, col(PostTag.post_id) == col(Post.id))
        .where(col(PostTag.tag_id) == tag.id, *visible(now)),
    )
    entries = await entries_for(session, ids, language=language, now=now)
    return _feed(tag.label.text, entries, now)


def atom_feed(
    feed: Feed,
    *,
    language: str,
    gettext: Callable[[str], str],
    post_link: Callable[[Entry], str],
    host: str,
    self_link: str,
    alternate_link: str,
) -> AtomFeed:
    """Describe `feed` for the Atom writer: absolute links, stable ids, titles translated."""
    return AtomFeed(
        id=self_link,
        title=feed.title,
        language=language,
        self_link=self_link,
        alternate_link=alternate_link,
        updated=feed.updated,
        entries=_atom_entries(feed.entries, gettext=gettext, post_link=post_link, host=host),
    )


def _atom_entries(
    entries: Sequence[Entry],
    *,
    gettext: Callable[[str], str],
    post_link: Callable[[Entry], str],
    host: str,
) -> list[AtomEntry]:
    atom = []
    for entry in entries:
        name = shown_name(entry.author_name, gettext)
        if entry.question_number is None:
            title = gettext(IN_COMMENTS) % {"name": name}
        else:
            title = gettext(ON_QUESTION) % {
                "name": name,
                "number": entry.question_number,
            }
        atom.append(
            AtomEntry(
                id=entry_id(host, entry.created_at, entry.id),
                title=title,
                link=post_link(entry),
                author=name,
                published=entry.created_at,
                updated=entry.updated_at,
                language=entry.language,
                html=entry.html,
                category_term=None
                if entry.question_number is None
                else f"question-{entry.question_number}",
                category_label=entry.question.text if entry.question else None,
            )
        )
    return atom
