"""Records: the moderation log's filters and pages, and a discussion's transparency figures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, update
from sqlmodel import col, select

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.core.errors import NotFound
from forum.db import Database
from forum.models import Discussion, ModerationAction, Post, Report, User
from forum.models.types import ModerationVerb, PostStatus
from forum.moderation.records import LogEntry, Transparency, moderation_log, transparency
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user, user_row

SLUG = "remote-apprenticeships"
OTHER = "green-workplaces"
START = NOW - timedelta(days=2)
TEXTS = (
    "Our apprentices kept a shared logbook that their tutor read every evening.",
    "Los aprendices grababan un breve vídeo de su trabajo para el tutor.",
    "Les apprentis se retrouvaient en ligne le lundi pour planifier la semaine.",
    "The union ran short evening sessions on safety for remote trainees.",
    "En el taller, un compañero veterano acompañaba a cada aprendiz nuevo.",
    "Nous avons prêté des ordinateurs portables aux apprentis qui n'en avaient pas.",
    "Mentors phoned each apprentice on Fridays to ask what had gone wrong.",
    "La escuela abrió su biblioteca por la tarde para quien no tenía internet.",
    "Les entreprises ont accepté de décaler les horaires pendant les examens.",
)


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


@contextmanager
def counting(db: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def selects(counter: StatementCounter) -> int:
    return sum(sql.lstrip().startswith("SELECT") for sql in counter.statements)


# --- the moderation log --------------------------------------------------------------------


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


# --- transparency --------------------------------------------------------------------------


async def write(db: Database, author: User, text: str, slug: str = SLUG) -> int:
    """Send a post to the pre-moderated discussion: it waits for a moderator."""
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=author,
            discussion_slug=slug,
            question_number=1,
            parent_id=None,
            draft=Draft(source=text, language="", quote_consent="by_name"),
            limits=PostLimits(),
            now=NOW,
        )
        assert post.id is not None and post.status == PostStatus.PENDING
        return post.id


async def settle(db: Database, post_id: int, status: PostStatus, section: str = "") -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Post)
            .where(col(Post.id) == post_id)
            .values(status=status.value, rejection_section=section)
        )


async def test_transparency_counts_every_outcome(db: Database) -> None:
    await discussions(db)
    maria = await make_user(db)
    luc = await make_user(db, email="luc@example.org", name="Luc Bernard", language="fr")
    posts = [await write(db, maria, text) for text in TEXTS]
    outcomes = [
        (PostStatus.APPROVED, ""),
        (PostStatus.APPROVED, ""),
        (PostStatus.APPROVED, ""),
        (PostStatus.REJECTED, "respect"),
        (PostStatus.REJECTED, "on-topic"),
        (PostStatus.REJECTED, "respect"),
        (PostStatus.HIDDEN, ""),
    ]  # the last two posts stay pending
    for post_id, (status, section) in zip(posts, outcomes, strict=False):
        await settle(db, post_id, status, section)
    elsewhere = await write(db, maria, "Un texte publié dans une autre discussion.", OTHER)
    async with db.transaction() as session:
        for post_id in (posts[0], posts[6], elsewhere):
            assert luc.id is not None
            session.add(
                Report(post_id=post_id, reporter_id=luc.id, section="sources", created_at=NOW)
            )
    async with db.session() as session:
        with counting(db) as counter:
            figures = await transparency(session, discussion_slug=SLUG)
    assert figures == Transparency(
        received=9,
        approved=3,
        pending=2,
        rejected_by_section=[("on-topic", 1), ("respect", 2)],
        hidden=1,
        reports_received=2,
    )
    assert figures.rejected == 3
    assert selects(counter) == 3


async def test_transparency_of_an_empty_discussion(db: Database) -> None:
    await discussions(db)
    async with db.session() as session:
        figures = await transparency(session, discussion_slug=OTHER)
    assert figures == Transparency(0, 0, 0, [], 0, 0)


async def test_transparency_of_an_unknown_discussion(db: Database) -> None:
    await discussions(db)
    async with db.session() as session:
        with pytest.raises(NotFound):
            await transparency(session, discussion_slug="no-such-discussion")
