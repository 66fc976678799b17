"""Readers' reports: filing, refusals, hiding after enough of them, listing and resolving."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.core.clock import FixedClock
from forum.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from forum.db import Database
from forum.models import Discussion, DiscussionModerator, ModerationAction, Post, Report, User
from forum.models.types import ModerationVerb, PostStatus, Role
from forum.moderation.flags import (
    ALREADY_REPORTED,
    ALREADY_RESOLVED,
    OWN_POST,
    OpenReport,
    ReportedPost,
    open_reports,
    report_post,
    resolve_reports,
)
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user, user_row

SLUG = "remote-apprenticeships"
OTHER = "green-workplaces"
START = NOW - timedelta(days=2)
SECTIONS = ("respect", "on-topic", "personal-data", "no-advertising", "sources")
POST_EN = "Our trainees met their workplace mentor every Friday through a shared video room."
POST_ES = "En nuestra cooperativa, cada aprendiz tenía un cuaderno de prácticas compartido."
POST_FR = "Chez nous, les apprentis envoyaient une courte vidéo de leur travail chaque semaine."
NOTE_EN = "This reads like an advert for a paid course."
NOTE_ES = "Da el nombre completo y el teléfono de una alumna."
NOTE_FR = "Cela n'a rien à voir avec la question posée."


class Forum:
    """Two discussions, an author, three readers and the moderators of each."""

    def __init__(self, db: Database, ids: dict[str, int], people: dict[str, User]) -> None:
        self.db = db
        self.ids = ids
        self.people = people

    def __getattr__(self, name: str) -> User:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None


async def _discussion_id(db: Database, slug: str) -> int:
    async with db.session() as session:
        found = await session.scalar(select(col(Discussion.id)).where(Discussion.slug == slug))
        assert found is not None
        return int(found)


async def setup(db: Database) -> Forum:
    other = discussion_data(slug=OTHER, start=START)
    other["moderators"] = [
        {"name": "Lucía Gómez", "organisation": "Red Verde", "email": "lucia@example.org"}
    ]
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=SLUG, start=START), now=NOW)
        await add_discussion(session, other, now=NOW)
    people = {
        "author": await make_user(db),
        "luc": await make_user(db, email="luc@example.org", name="Luc Bernard", language="fr"),
        "sofia": await make_user(db, email="sofia@example.org", name="Sofía Ramos"),
        "tom": await make_user(db, email="tom@example.org", name="Tom Hughes", language="en"),
    }
    for key, email in (("ana", "ana@example.org"), ("lucia", "lucia@example.org")):
        row = await user_row(db, email)
        assert row is not None and row.role == Role.MODERATOR
        people[key] = row
    ids = {slug: await _discussion_id(db, slug) for slug in (SLUG, OTHER)}
    return Forum(db, ids, people)


async def moderated_by(db: Database, user: User) -> list[int]:
    async with db.session() as session:
        rows = await session.scalars(
            select(DiscussionModerator.discussion_id).where(DiscussionModerator.user_id == user.id)
        )
        return list(rows)


async def published(
    forum: Forum, clock: FixedClock, text: str = POST_EN, author: User | None = None
) -> int:
    """Write a post as the author (pending: the discussion is pre-moderated), then approve it."""
    async with forum.db.transaction() as session:
        post = await create_post(
            session,
            author=author or forum.author,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft(source=text, language="", quote_consent="by_name"),
            limits=PostLimits(),
            now=clock.now(),
        )
        assert post.id is not None and post.status == PostStatus.PENDING
        await session.execute(
            update(Post)
            .where(col(Post.id) == post.id)
            .values(status=PostStatus.APPROVED.value, approved_at=clock.now())
        )
        return post.id


async def report(
    forum: Forum,
    reporter: User,
    post_id: int,
    clock: FixedClock,
    *,
    section: str = "no-advertising",
    note: str = NOTE_EN,
    slug: str = SLUG,
) -> Report:
    async with forum.db.transaction() as session:
        return await report_post(
            session,
            reporter=reporter,
            discussion_slug=slug,
            post_id=post_id,
            section=section,
            note=note,
            sections=SECTIONS,
            now=clock.now(),
        )


async def resolve(
    forum: Forum, actor: User, post_id: int, outcome: str, moderated: list[int] | None = None
) -> int:
    if moderated is None:
        moderated = await moderated_by(forum.db, actor)
    async with forum.db.transaction() as session:
        return await resolve_reports(
            session,
            actor=actor,
            post_id=post_id,
            moderated=moderated,
            outcome=outcome,
            now=NOW + timedelta(hours=1),
        )


async def status_of(db: Database, post_id: int) -> str:
    async with db.session() as session:
        post = await session.get(Post, post_id)
        assert post is not None
        return post.status


async def version(db: Database, slug: str = SLUG) -> int:
    async with db.session() as session:
        value = await session.scalar(
            select(Discussion.content_version).where(Discussion.slug == slug)
        )
        assert value is not None
        return value


async def stored_reports(db: Database, post_id: int) -> list[Report]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Report).where(Report.post_id == post_id).order_by(col(Report.id))
        )
        return list(rows)


async def log_of(db: Database, post_id: int) -> list[ModerationAction]:
    async with db.session() as session:
        rows = await session.scalars(
            select(ModerationAction)
            .where(ModerationAction.post_id == post_id)
            .order_by(col(ModerationAction.id))
        )
        return list(rows)


async def reported_three_times(forum: Forum, clock: FixedClock) -> int:
    post_id = await published(forum, clock)
    for reader, note in ((forum.luc, NOTE_FR), (forum.sofia, NOTE_ES), (forum.tom, NOTE_EN)):
        clock.advance(timedelta(minutes=5))
        await report(forum, reader, post_id, clock, note=note)
    return post_id


# --- reporting -----------------------------------------------------------------------------


async def test_report_is_stored(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    before = await version(db)
    made = await report(
        forum, forum.luc, post_id, clock, section="personal-data", note=f"  {NOTE_ES}\r\nGracias. "
    )
    [saved] = await stored_reports(db, post_id)
    assert saved.id == made.id
    assert saved.reporter_id == forum.luc.id
    assert saved.section == "personal-data"
    assert saved.note == f"{NOTE_ES}\nGracias."
    assert saved.created_at == NOW
    assert saved.resolved_at is None and saved.resolution == ""
    assert await status_of(db, post_id) == PostStatus.APPROVED
    assert await version(db) == before
    assert await log_of(db, post_id) == []


async def test_reporting_your_own_post_is_refused(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    with pytest.raises(Conflict) as caught:
        await report(forum, forum.author, post_id, clock)
    assert caught.value.message == OWN_POST
    assert await stored_reports(db, post_id) == []


async def test_reporting_twice_is_refused(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    await report(forum, forum.luc, post_id, clock)
    with pytest.raises(Conflict) as caught:
        await report(forum, forum.luc, post_id, clock, section="respect", note=NOTE_FR)
    assert caught.value.message == ALREADY_REPORTED
    assert len(await stored_reports(db, post_id)) == 1


async def test_concurrent_duplicates_store_one_report(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    # On PostgreSQL both pass the first check; the unique constraint refuses the second.
    results = await asyncio.gather(
        report(forum, forum.luc, post_id, clock),
        report(forum, forum.luc, post_id, clock, note=NOTE_FR),
        return_exceptions=True,
    )
    assert sum(isinstance(result, Report) for result in results) == 1
    [refusal] = [result for result in results if not isinstance(result, Report)]
    assert isinstance(refusal, Conflict) and refusal.message == ALREADY_REPORTED
    assert len(await stored_reports(db, post_id)) == 1


async def test_pending_post_cannot_be_reported(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    async with db.transaction() as session:
        await session.execute(
            update(Post).where(col(Post.id) == post_id).values(status=PostStatus.PENDING.value)
        )
    with pytest.raises(NotFound):
        await report(forum, forum.luc, post_id, clock)
    assert await stored_reports(db, post_id) == []


async def test_post_must_be_in_the_named_discussion(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    with pytest.raises(NotFound):
        await report(forum, forum.luc, post_id, clock, slug=OTHER)
    with pytest.raises(NotFound):
        await report(forum, forum.luc, post_id + 1000, clock)


async def test_unknown_section_is_invalid(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    for section in ("rudeness", ""):
        with pytest.raises(Invalid) as caught:
            await report(forum, forum.luc, post_id, clock, section=section)
        assert caught.value.field == "section"
    assert await stored_reports(db, post_id) == []


@pytest.mark.parametrize("note", ["x" * 1001, "Voir\x07 ce message", "Mira\x00esto"])
async def test_bad_note_is_invalid(db: Database, clock: FixedClock, note: str) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    with pytest.raises(Invalid) as caught:
        await report(forum, forum.luc, post_id, clock, note=note)
    assert caught.value.field == "note"
    await report(forum, forum.luc, post_id, clock, note="y" * 1000)


async def test_reader_must_be_able_to_take_part(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    unconfirmed = await make_user(db, email="new@example.org", name="Nadia", confirmed=False)
    with pytest.raises(PermissionDenied):
        await report(forum, unconfirmed, post_id, clock)
    assert await stored_reports(db, post_id) == []


# --- hiding after enough reports -----------------------------------------------------------


async def test_third_reader_hides_the_post(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    before = await version(db)
    await report(forum, forum.luc, post_id, clock, note=NOTE_FR)
    await report(forum, forum.sofia, post_id, clock, note=NOTE_ES)
    assert await status_of(db, post_id) == PostStatus.APPROVED
    clock.advance(timedelta(minutes=7))
    await report(forum, forum.tom, post_id, clock)
    assert await status_of(db, post_id) == PostStatus.HIDDEN
    assert await version(db) == before + 1
    [entry] = await log_of(db, post_id)
    assert entry.action == ModerationVerb.AUTO_HIDE
    assert entry.actor_id is None
    assert entry.discussion_id == forum.ids[SLUG]
    assert entry.note == "3"
    assert entry.created_at == NOW + timedelta(minutes=7)


async def test_hiding_threshold_can_be_set(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    async with db.transaction() as session:
        await report_post(
            session,
            reporter=forum.luc,
            discussion_slug=SLUG,
            post_id=post_id,
            section="respect",
            note="",
            sections=SECTIONS,
            hide_after=1,
            now=clock.now(),
        )
    assert await status_of(db, post_id) == PostStatus.HIDDEN


# --- listing -------------------------------------------------------------------------------


async def test_open_reports_lists_most_reported_first(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    once = await published(forum, clock, POST_ES, author=forum.tom)
    await report(forum, forum.luc, once, clock, section="sources", note="")
    thrice = await reported_three_times(forum, clock)
    async with db.session() as session:
        listed = await open_reports(session, discussion_ids=None)
    assert [item.post_id for item in listed] == [thrice, once]
    top = listed[0]
    assert isinstance(top, ReportedPost)
    assert top.discussion_slug == SLUG and top.question_number == 1
    assert top.author_name == "María Pérez"
    assert top.status == PostStatus.HIDDEN and top.open_reports == 3
    assert POST_EN in top.html
    assert top.reports == (
        OpenReport("no-advertising", NOTE_FR, "Luc Bernard", NOW + timedelta(minutes=5)),
        OpenReport("no-advertising", NOTE_ES, "Sofía Ramos", NOW + timedelta(minutes=10)),
        OpenReport("no-advertising", NOTE_EN, "Tom Hughes", NOW + timedelta(minutes=15)),
    )
    assert listed[1].author_name == "Tom Hughes" and listed[1].open_reports == 1
    async with db.session() as session:
        assert await open_reports(session, discussion_ids=[forum.ids[OTHER]]) == []
        assert await open_reports(session, discussion_ids=[]) == []
        mine = await open_reports(session, discussion_ids=[forum.ids[SLUG]])
    assert [item.post_id for item in mine] == [thrice, once]


async def test_equal_counts_list_the_longest_waiting_first(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    first = await published(forum, clock, POST_EN)
    second = await published(forum, clock, POST_FR)
    clock.advance(timedelta(minutes=1))
    await report(forum, forum.luc, second, clock)
    clock.advance(timedelta(minutes=1))
    await report(forum, forum.luc, first, clock)
    async with db.session() as session:
        listed = await open_reports(session, discussion_ids=None)
    assert [item.post_id for item in listed] == [second, first]


async def test_open_reports_statements_do_not_grow(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    first = await published(forum, clock)
    await report(forum, forum.luc, first, clock)
    counts = []
    for round_ in range(2):
        async with db.session() as session:
            with counting(db) as counter:
                listed = await open_reports(session, discussion_ids=None)
            counts.append(sum(sql.lstrip().startswith("SELECT") for sql in counter.statements))
        if round_ == 0:
            await _many_reported_posts(forum)
    assert len(listed) == 31
    assert counts == [2, 2]  # the posts, then their reports (SQLite's BEGIN aside)


async def _many_reported_posts(forum: Forum) -> None:
    readers = [forum.luc.id, forum.sofia.id, forum.tom.id]
    async with forum.db.transaction() as session:
        for number in range(30):
            assert forum.author.id is not None
            post = Post(**_post_values(forum, number))
            session.add(post)
            await session.flush()
            for reader in readers[: number % 3 + 1]:
                assert reader is not None and post.id is not None
                session.add(
                    Report(post_id=post.id, reporter_id=reader, section="respect", created_at=NOW)
                )


def _post_values(forum: Forum, number: int) -> dict[str, Any]:
    return {
        "discussion_id": forum.ids[SLUG],
        "author_id": forum.author.id,
        "language": "es",
        "source": f"Respuesta número {number}.",
        "html": f"<p>Respuesta número {number}.</p>",
        "status": PostStatus.APPROVED.value,
        "quote_consent": "by_name",
        "created_at": NOW,
    }


# --- resolving -----------------------------------------------------------------------------


async def test_dismissing_restores_and_resolves_all(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await reported_three_times(forum, clock)
    before = await version(db)
    assert await resolve(forum, forum.ana, post_id, "dismiss") == 3
    assert await status_of(db, post_id) == PostStatus.APPROVED
    assert await version(db) == before + 1
    reports = await stored_reports(db, post_id)
    assert {(r.resolution, r.resolved_at) for r in reports} == {
        ("dismiss", NOW + timedelta(hours=1))
    }
    actions = [(e.action, e.actor_id, e.note) for e in await log_of(db, post_id)]
    assert actions == [
        (ModerationVerb.AUTO_HIDE, None, "3"),
        (ModerationVerb.RESTORE, forum.ana.id, "3"),
        (ModerationVerb.DISMISS_REPORTS, forum.ana.id, "3"),
    ]
    async with db.session() as session:
        assert await open_reports(session, discussion_ids=None) == []
    with pytest.raises(Conflict) as caught:
        await resolve(forum, forum.ana, post_id, "dismiss")
    assert caught.value.message == ALREADY_RESOLVED


async def test_dismissing_reports_of_a_shown_post_keeps_it(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    await report(forum, forum.luc, post_id, clock)
    before = await version(db)
    assert await resolve(forum, forum.ana, post_id, "dismiss") == 1
    assert await status_of(db, post_id) == PostStatus.APPROVED
    assert await version(db) == before
    assert [e.action for e in await log_of(db, post_id)] == [ModerationVerb.DISMISS_REPORTS]


async def test_dismissing_does_not_undo_a_moderators_hiding(
    db: Database, clock: FixedClock
) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    await report(forum, forum.luc, post_id, clock)
    async with db.transaction() as session:
        await session.execute(
            update(Post).where(col(Post.id) == post_id).values(status=PostStatus.HIDDEN.value)
        )
        session.add(
            ModerationAction(
                actor_id=forum.ana.id,
                action=ModerationVerb.HIDE.value,
                discussion_id=forum.ids[SLUG],
                post_id=post_id,
                section="respect",
                created_at=NOW,
            )
        )
    assert await resolve(forum, forum.ana, post_id, "dismiss") == 1
    assert await status_of(db, post_id) == PostStatus.HIDDEN


async def test_hiding_resolves_and_hides(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    await report(forum, forum.luc, post_id, clock)
    await report(forum, forum.sofia, post_id, clock)
    before = await version(db)
    assert await resolve(forum, forum.ana, post_id, "hide") == 2
    assert await status_of(db, post_id) == PostStatus.HIDDEN
    assert await version(db) == before + 1
    assert {r.resolution for r in await stored_reports(db, post_id)} == {"hide"}
    [entry] = await log_of(db, post_id)
    assert (entry.action, entry.actor_id, entry.discussion_id) == (
        ModerationVerb.HIDE,
        forum.ana.id,
        forum.ids[SLUG],
    )


async def test_hiding_an_auto_hidden_post_keeps_it_hidden(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await reported_three_times(forum, clock)
    before = await version(db)
    assert await resolve(forum, forum.ana, post_id, "hide") == 3
    assert await status_of(db, post_id) == PostStatus.HIDDEN
    assert await version(db) == before
    assert [e.action for e in await log_of(db, post_id)] == [
        ModerationVerb.AUTO_HIDE,
        ModerationVerb.HIDE,
    ]


async def test_moderator_of_another_discussion_is_refused(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await reported_three_times(forum, clock)
    assert await moderated_by(db, forum.lucia) == [forum.ids[OTHER]]
    with pytest.raises(PermissionDenied):
        await resolve(forum, forum.lucia, post_id, "dismiss")
    with pytest.raises(PermissionDenied):
        await resolve(forum, forum.luc, post_id, "dismiss", moderated=[forum.ids[SLUG]])
    assert await status_of(db, post_id) == PostStatus.HIDDEN
    assert {r.resolved_at for r in await stored_reports(db, post_id)} == {None}


async def test_admin_resolves_anywhere(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await reported_three_times(forum, clock)
    admin = await make_user(db, email="admin@example.org", name="Admin", role=Role.ADMIN)
    assert await resolve(forum, admin, post_id, "dismiss", moderated=[]) == 3


async def test_unknown_outcome_and_post(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await reported_three_times(forum, clock)
    with pytest.raises(Invalid) as caught:
        await resolve(forum, forum.ana, post_id, "delete")
    assert caught.value.field == "outcome"
    with pytest.raises(NotFound):
        await resolve(forum, forum.ana, post_id + 1000, "dismiss")


async def test_new_reports_after_dismissal_count_afresh(db: Database, clock: FixedClock) -> None:
    forum = await setup(db)
    post_id = await published(forum, clock)
    await report(forum, forum.luc, post_id, clock)
    await report(forum, forum.sofia, post_id, clock)
    await resolve(forum, forum.ana, post_id, "dismiss")
    await report(forum, forum.tom, post_id, clock)
    assert await status_of(db, post_id) == PostStatus.APPROVED
    async with db.session() as session:
        [item] = await open_reports(session, discussion_ids=None)
    assert item.open_reports == 1 and item.reports[0].reporter_name == "Tom Hughes"


def test_reported_posts_are_frozen() -> None:
    item = ReportedPost(1, 1, SLUG, None, "A", "", "approved", 0, ())
    with pytest.raises(AttributeError):
        item.status = "hidden"  # type: ignore[misc]
