"""Writing a synthesis: save a draft, check it, publish it (refused while a problem is left),
withdraw it; and the published text readers see."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.contributions.posting import clean_source
from forum.core.content import bump_content_version
from forum.core.errors import N_, Conflict, Invalid, NotFound
from forum.core.i18n import I18n
from forum.core.links import Links
from forum.core.localize import Localized, fallback_order, pick
from forum.core.permissions import check_oversees, is_admin
from forum.core.text import MULTILINE, unshowable
from forum.mail.compose import Postman
from forum.models import Discussion, Synthesis, SynthesisEvent, SynthesisText, User
from forum.moderation.actions import moderated_discussions
from forum.studio.access import organised_ids
from forum.synthesis.checks import (
    MAX_SYNTHESIS_CHARS,
    TOO_LONG,
    UNSHOWABLE,
    Problem,
    check_synthesis,
    read_record,
)
from forum.synthesis.notices import announce_synthesis
from forum.synthesis.rendering import render_synthesis

NOT_PUBLISHED = N_("The synthesis is not published.")


class SynthesisRefused(Invalid):
    """Publishing was refused: `problems` lists every one left (422)."""

    message = N_("The synthesis cannot be published while problems remain; they are listed below.")

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(self.message)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Draft:
    """The synthesis as its editors see it: texts per language, the checker's problems."""

    discussion: Discussion
    texts: dict[str, str]
    problems: list[Problem]
    previews: dict[str, str]  # language -> HTML, as readers would see it
    published_at: datetime | None


async def editable_discussion(session: AsyncSession, slug: str, user: User | None) -> Discussion:
    """Load a discussion whose synthesis `user` may write: its moderators, organisers, admins."""
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None:
        raise NotFound(slug)
    assert discussion.id is not None
    if user is not None and user.id is not None and not is_admin(user):
        moderated = await moderated_discussions(session, user_id=user.id)
        organised = await organised_ids(session, user)
    else:
        moderated, organised = set(), set()
    check_oversees(user, discussion.id, moderated, organised)
    return discussion


def clean_text(source: str) -> str:
    """Return a text as stored; raise Invalid (its field: the text) when it cannot be."""
    text = clean_source(source)
    if unshowable(text, allow=MULTILINE):
        raise Invalid(UNSHOWABLE)
    if len(text) > MAX_SYNTHESIS_CHARS:
        raise Invalid(TOO_LONG, limit=MAX_SYNTHESIS_CHARS)
    return text


async def stored_texts(session: AsyncSession, discussion_id: int) -> list[SynthesisText]:
    rows = await session.scalars(
        select(SynthesisText).where(SynthesisText.discussion_id == discussion_id)
    )
    return list(rows.all())


async def draft(
    session: AsyncSession,
    discussion: Discussion,
    *,
    catalogs: Mapping[str, I18n],
    links: Links,
    texts: Mapping[str, str] | None = None,
) -> Draft:
    """The checked draft: the stored texts, or `texts` as typed; a fixed number of statements."""
    assert discussion.id is not None
    languages = discussion.language_list
    synthesis = await session.get(Synthesis, discussion.id)
    if texts is None:
        texts = {row.language: row.source for row in await stored_texts(session, discussion.id)}
    shown = {language: texts.get(language, "") for language in languages}
    record = await read_record(
        session, discussion_id=discussion.id, languages=languages, texts=shown
    )
    problems = check_synthesis(discussion.id, languages, shown, record)
    previews = {
        language: render_synthesis(
            catalogs[language], text, record, _post_url(links, language, discussion.slug)
        )
        for language, text in shown.items()
        if text.strip() and language in catalogs
    }
    published_at = synthesis.published_at if synthesis else None
    return Draft(discussion, shown, problems, previews, published_at)


def _post_url(links: Links, language: str, slug: str) -> Callable[[int], str]:
    url = links(language)
    return lambda post_id: url("post", slug=slug, id=post_id)


async def _touch(
    session: AsyncSession, discussion_id: int, actor: User, now: datetime
) -> Synthesis:
    synthesis = await session.get(Synthesis, discussion_id)
    if synthesis is None:
        synthesis = Synthesis(discussion_id=discussion_id, updated_at=now)
        session.add(synthesis)
    synthesis.updated_at, synthesis.updated_by = now, actor.id
    return synthesis


async def save_draft(
    session: AsyncSession,
    *,
    actor: User,
    slug: str,
    texts: Mapping[str, str],
    now: datetime,
) -> Discussion:
    """Store the texts as typed, in the discussion's languages; readers see no change.

    Raise Invalid (its `field`: the language) for a text that cannot be stored at all.
    """
    discussion = await editable_discussion(session, slug, actor)
    assert discussion.id is not None
    cleaned: dict[str, str] = {}
    for language in discussion.language_list:
        try:
            cleaned[language] = clean_text(texts.get(language, ""))
        except Invalid as error:
            raise Invalid(error.message, field=language, **error.params) from error
    await _touch(session, discussion.id, actor, now)
    rows = {row.language: row for row in await stored_texts(session, discussion.id)}
    for language, text in cleaned.items():
        row = rows.get(language)
        if row is None:
            session.add(SynthesisText(discussion_id=discussion.id, language=language, source=text))
        else:
            row.source = text
    await session.flush()
    return discussion


async def publish(
    session: AsyncSession,
    *,
    actor: User,
    slug: str,
    catalogs: Mapping[str, I18n],
    links: Links,
    postman: Postman,
    secret: str,
    now: datetime,
) -> Discussion:
    """Publish the stored draft in every language; raise SynthesisRefused with every problem.

    Pins it at the top of the discussion, records who published, bumps the page caches and
    queues a notice to the newsletter's subscribers, all in the caller's transaction.
    """
    discussion = await editable_discussion(session, slug, actor)
    assert discussion.id is not None
    checked = await draft(session, discussion, catalogs=catalogs, links=links)
    if checked.problems:
        raise SynthesisRefused(checked.problems)
    synthesis = await _touch(session, discussion.id, actor, now)
    synthesis.published_at, synthesis.published_by = now, actor.id
    for row in await stored_texts(session, discussion.id):
        row.published_source = row.source
        row.published_html = checked.previews.get(row.language, "")
    session.add(
        SynthesisEvent(
            discussion_id=discussion.id, actor_id=actor.id, what="publish", created_at=now
        )
    )
    await bump_content_version(session, discussion_id=discussion.id)
    await session.flush()
    await announce_synthesis(
        session, postman=postman, secret=secret, discussion=discussion, now=now
    )
    return discussion


async def unpublish(session: AsyncSession, *, actor: User, slug: str, now: datetime) -> Discussion:
    """Withdraw the published synthesis (the draft stays); Conflict if none is published."""
    discussion = await editable_discussion(session, slug, actor)
    assert discussion.id is not None
    synthesis = await session.get(Synthesis, discussion.id)
    if synthesis is None or synthesis.published_at is None:
        raise Conflict(NOT_PUBLISHED)
    synthesis.published_at, synthesis.published_by = None, None
    session.add(
        SynthesisEvent(
            discussion_id=discussion.id, actor_id=actor.id, what="unpublish", created_at=now
        )
    )
    await bump_content_version(session, discussion_id=discussion.id)
    await session.flush()
    return discussion


async def render_published_again(
    session: AsyncSession,
    *,
    discussion_ids: Iterable[int],
    catalogs: Mapping[str, I18n],
    links: Links,
) -> int:
    """Render the published syntheses of these discussions again from their published text.

    After a person deletes their account, the quotations of their posts must stop naming
    them (and those of removed posts show as such); the wording stays what was published.
    Return how many syntheses were rendered again.
    """
    rendered = 0
    for discussion_id in sorted(set(discussion_ids)):
        synthesis = await session.get(Synthesis, discussion_id)
        discussion = await session.get(Discussion, discussion_id)
        if synthesis is None or synthesis.published_at is None or discussion is None:
            continue
        rows = await stored_texts(session, discussion_id)
        texts = {row.language: row.published_source for row in rows}
        record = await read_record(
            session, discussion_id=discussion_id, languages=discussion.language_list, texts=texts
        )
        for row in rows:
            if row.published_source.strip() and row.language in catalogs:
                row.published_html = render_synthesis(
                    catalogs[row.language],
                    row.published_source,
                    record,
                    _post_url(links, row.language, discussion.slug),
                )
        await bump_content_version(session, discussion_id=discussion_id)
        rendered += 1
    return rendered


async def published_synthesis(
    session: AsyncSession, *, discussion_id: int, languages: list[str], language: str
) -> Localized | None:
    """The published synthesis in the reader's language by the one fallback order: one statement.

    The HTML is sanitised already (rendered through `render_markdown` when published).
    """
    rows = await session.execute(
        select(col(SynthesisText.language), col(SynthesisText.published_html))
        .join(Synthesis, col(Synthesis.discussion_id) == col(SynthesisText.discussion_id))
        .where(
            SynthesisText.discussion_id == discussion_id,
            col(Synthesis.published_at).is_not(None),
        )
    )
    found = pick(
        {code: html for code, html in rows.all() if html}, fallback_order(language, languages)
    )
    return Localized(*found) if found else None
