"""A discussion's settings: its address, dates and zone, languages, moderation; new and copied.

Admins create discussions; an organiser starts the next one by duplicating theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from forum.core.content import bump_content_version
from forum.core.errors import N_, Conflict
from forum.core.permissions import check_admin
from forum.discussions.checks import (
    CLOSES_BEFORE_OPENS,
    SLUG_TAKEN,
    Problem,
    Refused,
    language_problems,
    slug_problems,
    zone_problems,
)
from forum.models import Discussion, DiscussionOrganiser, User
from forum.models.types import ChangeKind, ModerationMode, Role
from forum.moderation.assignments import add_moderator, find_person, take_off_moderator
from forum.studio.history import record_change
from forum.studio.moments import local_to_utc

BAD_MOMENT = N_("Give a date and a time, for example 2027-03-01 09:00.")
BAD_MODERATION = N_("Choose whether posts are checked before or after they appear.")
SLUG_FIXED = N_(
    "The web address cannot change once the discussion is published: people have its links."
)

FIELDS = ("slug", "opens_at", "closes_at", "timezone", "moderation", "main_language")


@dataclass(frozen=True, slots=True)
class SettingsForm:
    """What the settings form sent, as typed (times in the zone it names)."""

    slug: str
    opens_at: str
    closes_at: str
    timezone: str
    languages: Sequence[str]  # the first is the discussion's own language
    moderation: str
    general_comments: bool


@dataclass(frozen=True, slots=True)
class Settled:
    slug: str
    opens_at: datetime
    closes_at: datetime
    timezone: str
    languages: list[str]
    moderation: ModerationMode
    general_comments: bool

    def values(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "opens_at": self.opens_at.isoformat(),
            "closes_at": self.closes_at.isoformat(),
            "timezone": self.timezone,
            "languages": ",".join(self.languages),
            "moderation": self.moderation.value,
            "general_comments": self.general_comments,
        }


def _values(discussion: Discussion) -> dict[str, Any]:
    return {
        "slug": discussion.slug,
        "opens_at": discussion.opens_at.isoformat(),
        "closes_at": discussion.closes_at.isoformat(),
        "timezone": discussion.timezone,
        "languages": discussion.languages,
        "moderation": discussion.moderation_mode,
        "general_comments": discussion.general_comments,
    }


async def _settle(
    session: AsyncSession,
    form: SettingsForm,
    offered: Sequence[str],
    discussion: Discussion | None = None,
) -> Settled:
    """Check every field at once; raise Refused listing each problem by its field."""
    slug = form.slug.strip().lower()
    problems = slug_problems(slug)
    if not problems and (discussion is None or slug != discussion.slug):
        if discussion is not None and discussion.published_at is not None:
            problems.append(Problem(SLUG_FIXED, "slug"))
        elif await session.scalar(
            select(func.count()).select_from(Discussion).where(Discussion.slug == slug)
        ):
            problems.append(Problem(SLUG_TAKEN, "slug", {"slug": slug}))
    zone = form.timezone.strip()
    bad_zone = zone_problems(zone)
    problems += bad_zone
    problems += [
        Problem(p.message, "main_language", p.params)
        for p in language_problems(list(form.languages), offered)
    ]
    opens_at = closes_at = None
    if not bad_zone:  # without a zone the times cannot be read
        opens_at = local_to_utc(form.opens_at, zone)
        closes_at = local_to_utc(form.closes_at, zone)
        problems += [
            Problem(BAD_MOMENT, name)
            for name, value in (("opens_at", opens_at), ("closes_at", closes_at))
            if value is None
        ]
    if opens_at and closes_at and closes_at <= opens_at:
        problems.append(Problem(CLOSES_BEFORE_OPENS, "closes_at"))
    if form.moderation not in ("pre", "post"):
        problems.append(Problem(BAD_MODERATION, "moderation"))
    if problems:
        raise Refused(problems)
    assert opens_at is not None and closes_at is not None
    return Settled(
        slug=slug,
        opens_at=opens_at,
        closes_at=closes_at,
        timezone=zone,
        languages=list(form.languages),
        moderation=ModerationMode(form.moderation),
        general_comments=form.general_comments,
    )


async def create_discussion(
    session: AsyncSession,
    *,
    actor: User | None,
    form: SettingsForm,
    offered: Sequence[str],
    now: datetime,
) -> Discussion:
    """Start a new draft discussion (admins only); readers see nothing of it yet."""
    admin = check_admin(actor)
    settled = await _settle(session, form, offered)
    discussion = Discussion(
        slug=settled.slug,
        opens_at=settled.opens_at,
        closes_at=settled.closes_at,
        timezone=settled.timezone,
        moderation_mode=settled.moderation.value,
        languages=",".join(settled.languages),
        general_comments=settled.general_comments,
        created_at=now,
    )
    session.add(discussion)
    await session.flush()
    assert discussion.id is not None
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=admin.id,
        what=ChangeKind.CREATE,
        now=now,
        after=settled.values(),
    )
    return discussion


async def update_settings(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    form: SettingsForm,
    offered: Sequence[str],
    now: datetime,
) -> Discussion:
    """Change a discussion's settings; the history keeps what they were."""
    assert discussion.id is not None
    settled = await _settle(session, form, offered, discussion)
    before = _values(discussion)
    discussion.slug = settled.slug
    discussion.opens_at = settled.opens_at
    discussion.closes_at = settled.closes_at
    discussion.timezone = settled.timezone
    discussion.languages = ",".join(settled.languages)
    discussion.moderation_mode = settled.moderation.value
    discussion.general_comments = settled.general_comments
    after = settled.values()
    if after == before:
        return discussion
    changed = {key for key in after if after[key] != before[key]}
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.SETTINGS,
        now=now,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)
    return discussion


async def add_organiser(
    session: AsyncSession, *, discussion: Discussion, actor: User, person: User, now: datetime
) -> None:
    """Let `person` set the discussion up and correct it in the studio."""
    assert discussion.id is not None and person.id is not None
    if await session.get(DiscussionOrganiser, (discussion.id, person.id)) is not None:
        raise Conflict(N_("This person already organises this discussion."))
    session.add(DiscussionOrganiser(discussion_id=discussion.id, user_id=person.id))
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.PEOPLE,
        now=now,
        item=f"organiser:{person.id}",
        after={"organiser": person.display_name},
    )
    await session.flush()


async def remove_organiser(
    session: AsyncSession, *, discussion: Discussion, actor: User, person_id: int, now: datetime
) -> None:
    """Take `person_id` off the discussion's organisers (not oneself, unless an admin)."""
    assert discussion.id is not None
    row = await session.get(DiscussionOrganiser, (discussion.id, person_id))
    if row is None:
        raise Conflict(N_("This person does not organise this discussion."))
    if person_id == actor.id and actor.role != Role.ADMIN:
        raise Conflict(N_("You cannot take yourself off: ask another organiser or an admin."))
    person = await session.get(User, person_id)
    await session.delete(row)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.PEOPLE,
        now=now,
        item=f"organiser:{person_id}",
        before={"organiser": person.display_name if person else ""},
    )
    await session.flush()


async def add_moderator_to(
    session: AsyncSession, *, discussion: Discussion, actor: User, email: str, now: datetime
) -> User:
    """Make the person with `email` a moderator of the discussion, and say so in its history."""
    assert discussion.id is not None
    person = await add_moderator(session, discussion=discussion, email=email)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.PEOPLE,
        now=now,
        item=f"moderator:{person.id}",
        after={"moderator": person.display_name},
    )
    return person


async def remove_moderator_from(
    session: AsyncSession, *, discussion: Discussion, actor: User, person_id: int, now: datetime
) -> None:
    """Take a person off the discussion's moderators, and say so in its history."""
    assert discussion.id is not None
    await take_off_moderator(session, discussion=discussion, user_id=person_id)
    person = await session.get(User, person_id)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.PEOPLE,
        now=now,
        item=f"moderator:{person_id}",
        before={"moderator": person.display_name if person else ""},
    )


async def add_person(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    email: str,
    role: str,
    now: datetime,
) -> None:
    """Make the person with `email` an organiser (`role` "organiser") or a moderator."""
    if role == "organiser":
        person = await find_person(session, email)
        await add_organiser(session, discussion=discussion, actor=actor, person=person, now=now)
    else:
        await add_moderator_to(session, discussion=discussion, actor=actor, email=email, now=now)


async def remove_person(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    person_id: int,
    role: str,
    now: datetime,
) -> None:
    """Take a person off the organisers (`role` "organiser") or the moderators."""
    if role == "organiser":
        await remove_organiser(
            session, discussion=discussion, actor=actor, person_id=person_id, now=now
        )
    else:
        await remove_moderator_from(
            session, discussion=discussion, actor=actor, person_id=person_id, now=now
        )
