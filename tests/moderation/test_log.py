"""The moderation log: newest first with names, filters by action and actor, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from forum.db import Database
from forum.models import Discussion, ModerationAction, User
from forum.models.types import ModerationVerb
from forum.moderation.log import LogEntry, moderation_log
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user, selects, user_row

SLUG = "remote-apprenticeships"
OTHER = "green-workplaces"
START = NOW - timedelta(days=2)


async def discussions(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=SLUG, start=START), now=NOW)
        await add_discussion(session, discussion_data(slug=OTHER, start=START), now=NOW)
        rows = await session.execute(select(col(Discussion.slug), col(Discussion.id)))
        return {slug: int(id_ or 0) for slug, id_ in rows.all()}


async def moderators(db: Database) -> tuple[User, User]:
    ana = await user_row(db, "ana@example.org")
    jean = await user_row(db, "jean@example.org")
    assert ana is not None and jean is not None
    return ana, jean


async def fill_log(db: Database) -> dict[str, int]:
    """Write seven entries a minute apart, oldest first; return the discussions' ids."""
    ids = await discussions(db)
    ana, jean = await moderators(db)
    maria = await make_user(db)
    rows = [
        (ana.id, ModerationVerb.APPROVE, ids[SLUG], None, "", ""),
        (None, ModerationVerb.AUTO_HIDE, ids[SLUG], None, "", "3 reports"),
        (jean.id, ModerationVerb.REJECT, ids[SLUG], None, "respect", "Trop agressif."),
        (ana.id, ModerationVerb.SUSPEND, None, maria.id, "respect", "Siete días sin publicar."),
        (jean.id, ModerationVerb.APPROVE, ids[OTHER], None, "", ""),
        (ana.id, ModerationVerb.REJECT, ids[SLUG], None, "on-topic", "Off topic, sorry."),
        (ana.id, ModerationVerb.APPROVE, ids[SLUG], None, "", ""),
    ]
    async with db.transaction() as session:
        for minute, (actor, verb, discussion, user, section, note) in enumerate(rows):
            session.add(
                ModerationAction(
                    actor_id=actor,
                    action=verb.value,
                    discussion_id=discussion,
                    user_id=user,
                    section=section,
                    note=note,
                    created_at=NOW + timedelta(minutes=minute),
                )
            )
    return ids


async def log(db: Database, **options: object) -> tuple[list[LogEntry], int]:
    async with db.session() as session:
        return await moderation_log(session, **options)  # type: ignore[arg-type]


async def test_log_is_newest_first_with_names(db: Database) -> None:
    ids = await fill_log(db)
    entries, total = await log(db, discussion_ids=None)
    assert total == 7 and len(entries) == 7
    assert [e.created_at for e in entries] == [NOW + timedelta(minutes=m) for m in range(6, -1, -1)]
    suspension = entries[3]
    assert suspension.action == ModerationVerb.SUSPEND
    assert suspension.actor_name == "Ana Ortiz"
    assert suspension.discussion_slug is None
    assert suspension.subject_name == "María Pérez" and suspension.user_id is not None
    assert suspension.section == "respect" and suspension.note == "Siete días sin publicar."
    system = entries[5]
    assert system.action == ModerationVerb.AUTO_HIDE and system.actor_name is None
    assert system.discussion_slug == SLUG and system.note == "3 reports"
    scoped, scoped_total = await log(db, discussion_ids=[ids[SLUG]])
    assert scoped_total == 5
    assert {e.discussion_slug for e in scoped} == {SLUG}


async def test_log_filters_by_action_and_actor(db: Database) -> None:
    ids = await fill_log(db)
    ana, jean = await moderators(db)
    rejections, total = await log(db, discussion_ids=[ids[SLUG]], action="reject")
    assert total == 2
    assert [(e.actor_name, e.section) for e in rejections] == [
        ("Ana Ortiz", "on-topic"),
        ("Jean Moreau", "respect"),
    ]
    by_jean, total = await log(db, discussion_ids=None, actor_id=jean.id)
    assert total == 2 and {e.actor_name for e in by_jean} == {"Jean Moreau"}
    both, total = await log(db, discussion_ids=None, action="approve", actor_id=ana.id)
    assert total == 2 and {(e.action, e.actor_name) for e in both} == {("approve", "Ana Ortiz")}
    nothing, total = await log(db, discussion_ids=[ids[OTHER]], action="reject")
    assert (nothing, total) == ([], 0)


async def test_log_pages(db: Database) -> None:
    await fill_log(db)
    everything, _ = await log(db, discussion_ids=None)
    pages = [await log(db, discussion_ids=None, page=n, per_page=3) for n in (1, 2, 3)]
    assert [len(entries) for entries, _ in pages] == [3, 3, 1]
    assert {total for _, total in pages} == {7}
    assert [e.id for entries, _ in pages for e in entries] == [e.id for e in everything]
    beyond, total = await log(db, discussion_ids=None, page=9, per_page=3)
    assert total == 7 and [e.id for e in beyond] == [e.id for e in pages[2][0]]
    before, _ = await log(db, discussion_ids=None, page=0, per_page=3)
    assert [e.id for e in before] == [e.id for e in pages[0][0]]


async def test_log_statements_do_not_grow(db: Database) -> None:
    await fill_log(db)
    counts = []
    for per_page in (1, 50):
        async with db.session() as session:
            with counting(db) as counter:
                entries, _ = await moderation_log(session, discussion_ids=None, per_page=per_page)
            counts.append(selects(counter))
        assert len(entries) == min(per_page, 7)
    assert counts == [2, 2]


def test_log_entries_are_frozen() -> None:
    entry = LogEntry(1, NOW, None, "hide", None, None, None, None, "", "")
    with pytest.raises(AttributeError):
        entry.note = "changed"  # type: ignore[misc]
