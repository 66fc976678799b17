"""A discussion's tags: topics and subjects with a label and a description in every language.

Tags are shared by every discussion that uses them (a topic page gathers them all), so a tag
is found by its address; a discussion adds, relabels and removes the ones it offers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.core.errors import N_, Conflict, NotFound
from forum.discussions.checks import LABEL_MAX, Problem, Refused, slug_problems
from forum.models import Discussion, DiscussionTag, Tag, TagTranslation, User
from forum.models.types import ChangeKind, TagKind
from forum.studio.history import record_change
from forum.studio.texts import too_long

DESCRIPTION_MAX = 1_000
BAD_KIND = N_("Choose whether this tag is a topic or a subject.")
LABEL_EMPTY = N_("Give the tag a label in at least one language.")
TAG_TAKEN_AS = N_("The tag “%(slug)s” exists already as another kind; choose that kind.")
ALREADY_HERE = N_("This discussion offers the tag “%(slug)s” already.")


def _clean(
    labels: Mapping[str, str], descriptions: Mapping[str, str], languages: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    label = {code: labels.get(code, "").strip() for code in languages}
    description = {code: descriptions.get(code, "").strip() for code in languages}
    problems = too_long(label, "label", LABEL_MAX, languages)
    problems += too_long(description, "description", DESCRIPTION_MAX, languages)
    if not any(label.values()):
        problems.append(Problem(LABEL_EMPTY, f"label-{languages[0]}"))
    if problems:
        raise Refused(problems)
    return label, description


async def _write(
    session: AsyncSession, tag_id: int, label: Mapping[str, str], description: Mapping[str, str]
) -> tuple[dict[str, object], dict[str, object]]:
    rows = {
        row.language: row
        for row in await session.scalars(
            select(TagTranslation).where(TagTranslation.tag_id == tag_id)
        )
    }
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for code in label:
        row = rows.get(code)
        old = (row.label, row.description) if row else ("", "")
        new = (label[code], description[code] if label[code] else "")
        if old == new:
            continue
        before[code], after[code] = list(old), list(new)
        if row is None:
            session.add(
                TagTranslation(tag_id=tag_id, language=code, label=new[0], description=new[1])
            )
        elif new[0]:
            row.label, row.description = new
        else:
            await session.delete(row)
    return before, after


async def add_tag(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    slug: str,
    kind: str,
    labels: Mapping[str, str],
    descriptions: Mapping[str, str],
    now: datetime,
) -> Tag:
    """Offer a tag in the discussion: an existing one by its address, or a new one."""
    assert discussion.id is not None
    slug = slug.strip().lower()
    problems = slug_problems(slug)
    if kind not in (TagKind.TOPIC, TagKind.SUBJECT):
        problems.append(Problem(BAD_KIND, "kind"))
    try:
        label, description = _clean(labels, descriptions, discussion.language_list)
    except Refused as refused:
        problems += refused.problems
    if problems:
        raise Refused(problems)
    tag = await session.scalar(select(Tag).where(Tag.slug == slug))
    if tag is not None and tag.kind != kind:
        raise Refused([Problem(TAG_TAKEN_AS, "kind", {"slug": slug})])
    if tag is None:
        tag = Tag(slug=slug, kind=kind)
        session.add(tag)
        await session.flush()
    assert tag.id is not None
    if await session.get(DiscussionTag, (discussion.id, tag.id)) is not None:
        raise Conflict(ALREADY_HERE, slug=slug)
    last = await session.scalar(
        select(func.max(DiscussionTag.position)).where(DiscussionTag.discussion_id == discussion.id)
    )
    session.add(DiscussionTag(discussion_id=discussion.id, tag_id=tag.id, position=(last or 0) + 1))
    _, after = await _write(session, tag.id, label, description)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.TAG_ADD,
        now=now,
        item=f"tag:{slug}",
        after={"kind": kind, "label": after},
    )
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)
    return tag


async def _offered(session: AsyncSession, discussion: Discussion, tag_id: int) -> Tag:
    tag = await session.get(Tag, tag_id)
    link = await session.get(DiscussionTag, (discussion.id, tag_id))
    if tag is None or link is None:
        raise NotFound(f"tag {tag_id}")
    return tag


async def edit_tag(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    tag_id: int,
    labels: Mapping[str, str],
    descriptions: Mapping[str, str],
    now: datetime,
) -> bool:
    """Relabel a tag (everywhere it is used); say whether anything changed."""
    assert discussion.id is not None
    tag = await _offered(session, discussion, tag_id)
    label, description = _clean(labels, descriptions, discussion.language_list)
    before, after = await _write(session, tag_id, label, description)
    if not after:
        return False
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.TAG_EDIT,
        now=now,
        item=f"tag:{tag.slug}",
        before=before,
        after=after,
    )
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)
    return True


async def remove_tag(
    session: AsyncSession, *, discussion: Discussion, actor: User, tag_id: int, now: datetime
) -> None:
    """Stop offering a tag in the discussion; posts already tagged keep their tag."""
    assert discussion.id is not None
    tag = await _offered(session, discussion, tag_id)
    link = await session.get(DiscussionTag, (discussion.id, tag_id))
    await session.delete(link)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.TAG_REMOVE,
        now=now,
        item=f"tag:{tag.slug}",
        before={"kind": tag.kind},
    )
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)


async def tag_uses(session: AsyncSession, tag_ids: list[int]) -> dict[int, int]:
    """How many discussions offer each tag: one statement."""
    rows = await session.execute(
        select(col(DiscussionTag.tag_id), func.count())
        .where(col(DiscussionTag.tag_id).in_(tag_ids))
        .group_by(col(DiscussionTag.tag_id))
    )
    return {int(tag_id): int(n) for tag_id, n in rows.all()}
