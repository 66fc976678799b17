"""The moderation log: newest first with names, filters by action and actor, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.models import Discussion, ModerationAction, User
from forum.models.types import ModerationVerb
from forum.moderation.log import LogEntry, LogScope, log_actors, moderation_log
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


async def log(
    db: Database, discussion_ids: list[int] | None, viewer: User | None = None, **options: object
) -> tuple[list[LogEntry], int]:
    scope = LogScope(discussion_ids, viewer.id if viewer else None)
    async with db.session() as session:
        page = await moderation_log(session, scope=scope, **options)  # type: ignore[arg-type]
    return page.entries, page.total


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
                page = await moderation_log(session, scope=LogScope(None), per_page=per_page)
            counts.append(selects(counter))
        assert len(page.entries) == min(per_page, 7)
    assert counts == [4, 4]  # the count, the page, the discussions' titles and zones


def test_log_entries_are_frozen() -> None:
    entry = LogEntry(1, NOW, None, "hide", None, None, None, None, "", "")
    with pytest.raises(AttributeError):
        entry.note = "changed"  # type: ignore[misc]


async def test_log_lists_a_moderators_own_person_actions_and_counts_them(db: Database) -> None:
    ids = await fill_log(db)
    ana, jean = await moderators(db)
    mine, total = await log(db, [ids[SLUG]], ana)
    assert total == 6 and len(mine) == 6
    assert ModerationVerb.SUSPEND in [e.action for e in mine]
    by_ana, total = await log(db, [ids[SLUG]], ana, actor_id=ana.id)
    assert total == 4 and [e.action for e in by_ana] == ["approve", "reject", "suspend", "approve"]
    # Jean moderates the same discussion, but María has not taken part in it yet
    seen_by_jean, total = await log(db, [ids[SLUG]], jean)
    assert total == 5 and ModerationVerb.SUSPEND not in [e.action for e in seen_by_jean]


async def test_log_shows_actions_on_people_who_took_part_in_the_discussion(db: Database) -> None:
    ids = await fill_log(db)
    _ana, jean = await moderators(db)
    maria = await user_row(db, "maria@example.org")
    assert maria is not None
    async with db.transaction() as session:
        await create_post(
            session,
            author=maria,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft("Los tutores llamaban cada viernes a sus aprendices.", "es", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
    entries, total = await log(db, [ids[SLUG]], jean)
    assert total == 6 and ModerationVerb.SUSPEND in [e.action for e in entries]
    nothing, total = await log(db, [ids[OTHER]], jean, action="suspend")
    assert (nothing, total) == ([], 0)


async def test_log_names_discussions_and_topics_for_the_reader(db: Database) -> None:
    ids = await fill_log(db)
    async with db.transaction() as session:
        session.add(
            ModerationAction(
                actor_id=None,
                action="tag",
                discussion_id=ids[SLUG],
                note="access-to-training, apprenticeships",
                created_at=NOW + timedelta(hours=1),
            )
        )
    entries, _ = await log(db, None, language="fr")
    assert entries[0].topics == ("Accès à la formation", "Apprentissage")
    assert entries[0].place is not None
    assert entries[0].place.title.text == "L'apprentissage à distance"
    assert entries[0].place.timezone == "Europe/Madrid"
    assert entries[4].place is None  # a suspension happens in no discussion


async def test_log_actors_are_those_in_scope(db: Database) -> None:
    ids = await fill_log(db)
    ana, jean = await moderators(db)
    async with db.session() as session:
        everyone = await log_actors(session, scope=LogScope(None))
        other = await log_actors(session, scope=LogScope([ids[OTHER]], ana.id))
    assert everyone == [(ana.id, "Ana Ortiz"), (jean.id, "Jean Moreau")]
    assert other == [
        (ana.id, "Ana Ortiz"),
        (jean.id, "Jean Moreau"),
    ]  # her suspension, his approval
