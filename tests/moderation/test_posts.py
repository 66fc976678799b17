"""Moderation verbs: who may act, which states allow what, the log, the mail, and races."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from forum.accounts.sessions import SessionPolicy, start_session
from forum.contributions.posting import Draft, PostLimits, create_post
from forum.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from forum.db import Database
from forum.guidelines.text import load_guidelines
from forum.mail.compose import Postman
from forum.models import (
    Discussion,
    ModerationAction,
    OutboxMessage,
    Post,
    PostTag,
    Tag,
    User,
    UserSession,
)
from forum.models.types import ModerationVerb, PostStatus, Role, UserState
from forum.moderation.actions import moderated_discussions
from forum.moderation.people import ban_user, reinstate_user, set_trusted, suspend_user
from forum.moderation.posts import (
    ALREADY_QUOTED,
    NO_QUOTING,
    NOT_QUOTED,
    STATUS_CONFLICTS,
    approve_post,
    hide_post,
    mark_key_quote,
    reject_post,
    restore_post,
    set_post_tags,
)
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data, three
from tests.helpers import make_postman, make_user, outbox, user_row
from tests.paths import GUIDELINES as GUIDELINES_DIR

SLUG = "remote-apprenticeships"
OTHER = "green-skills"
START = NOW - timedelta(days=2)
BASE = "http://127.0.0.1:8000"
GUIDELINES = load_guidelines(GUIDELINES_DIR, ("en", "es", "fr"))
TAGS = ("access-to-training", "apprenticeships")
ES = (
    "En nuestra cooperativa, cada aprendiz grababa un vídeo corto de su práctica y lo comentábamos."
)
FR = "Dans notre atelier, les apprentis tenaient un carnet de bord partagé avec leur formateur."
EN = "Our small firm paired each apprentice with a retired technician who called twice a week."
APPROVED = STATUS_CONFLICTS[PostStatus.APPROVED.value]
REJECTED = STATUS_CONFLICTS[PostStatus.REJECTED.value]
HIDDEN = STATUS_CONFLICTS[PostStatus.HIDDEN.value]
PENDING = STATUS_CONFLICTS[PostStatus.PENDING.value]


@dataclass(frozen=True)
class World:
    """Two discussions, their moderators, an admin, two contributors and a pending post."""

    ana: User  # moderates SLUG
    jean: User  # moderates SLUG
    lucia: User  # moderates OTHER only
    admin: User
    maria: User  # wrote `post` in SLUG, reads Spanish
    pierre: User  # took part nowhere, reads French
    post: Post


@pytest.fixture(scope="module")
def postman() -> Postman:
    return make_postman(BASE)


async def write(db: Database, author: User, text: str = ES, language: str = "es") -> Post:
    async with db.transaction() as session:
        return await create_post(
            session,
            author=author,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft(source=text, language=language, quote_consent="by_name"),
            limits=PostLimits(),
            now=NOW,
        )


def other_discussion() -> dict[str, Any]:
    data = discussion_data(slug=OTHER, start=START)
    data["moderators"] = [
        {"name": "Lucía Gómez", "organisation": "Red de Empleo Verde", "email": "lucia@example.org"}
    ]
    data["tags"] = [
        {
            "slug": "green-jobs",
            "kind": "topic",
            "label": three("Green jobs", "Empleos verdes", "Emplois verts"),
        }
    ]
    return data


@pytest.fixture
async def world(db: Database) -> World:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=SLUG, start=START), now=NOW)
        await add_discussion(session, other_discussion(), now=NOW)
    maria = await make_user(db)
    pierre = await make_user(db, email="pierre@example.org", name="Pierre Roux", language="fr")
    admin = await make_user(db, email="admin@example.org", name="Admin", role=Role.ADMIN)
    post = await write(db, maria)
    assert post.status == PostStatus.PENDING
    people = [await user_row(db, f"{name}@example.org") for name in ("ana", "jean", "lucia")]
    ana, jean, lucia = (person for person in people if person is not None)
    return World(ana, jean, lucia, admin, maria, pierre, post)


async def act(db: Database, verb: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    """Run one moderation verb in a transaction of its own."""
    async with db.transaction() as session:
        return await verb(session, now=NOW, **kwargs)


async def approve(
    db: Database, actor: User, post: Post, postman: Postman, tags: tuple[str, ...] = ()
) -> Post:
    result: Post = await act(
        db, approve_post, actor=actor, post_id=post.id, tag_slugs=tags, postman=postman
    )
    return result


async def reject(
    db: Database,
    actor: User,
    post: Post,
    postman: Postman,
    section: str = "respect",
    note: str = "",
) -> Post:
    result: Post = await act(
        db,
        reject_post,
        actor=actor,
        post_id=post.id,
        section=section,
        note=note,
        guidelines=GUIDELINES,
        postman=postman,
    )
    return result


async def stored(db: Database, post: Post) -> Post:
    async with db.session() as session:
        row = await session.get(Post, post.id)
        assert row is not None
        return row


async def person(db: Database, user: User) -> User:
    async with db.session() as session:
        row = await session.get(User, user.id)
        assert row is not None
        return row


async def log(db: Database) -> list[ModerationAction]:
    async with db.session() as session:
        return list(
            await session.scalars(select(ModerationAction).order_by(col(ModerationAction.id)))
        )


async def tags_of(db: Database, post: Post) -> set[str]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Tag.slug)
            .join(PostTag, col(PostTag.tag_id) == col(Tag.id))
            .where(PostTag.post_id == post.id)
        )
        return set(rows)


async def version(db: Database, slug: str = SLUG) -> int:
    async with db.session() as session:
        value = await session.scalar(
            select(Discussion.content_version).where(Discussion.slug == slug)
        )
        assert value is not None
        return value


async def sessions_of(db: Database, user: User) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
        )
        return count or 0


def only_mail(mails: list[OutboxMessage]) -> OutboxMessage:
    assert len(mails) == 1, [mail.subject for mail in mails]
    return mails[0]


# --- who moderates what ------------------------------------------------------------------


async def test_moderated_discussions(db: Database, world: World) -> None:
    async with db.session() as session:
        mine = await moderated_discussions(session, user_id=world.ana.id or 0)
        none = await moderated_discussions(session, user_id=world.admin.id or 0)
    assert mine == {world.post.discussion_id}
    assert none == set()


async def test_moderator_of_another_discussion_changes_nothing(
    db: Database, world: World, postman: Postman
) -> None:
    with pytest.raises(PermissionDenied):
        await approve(db, world.lucia, world.post, postman, TAGS)
    with pytest.raises(PermissionDenied):
        await reject(db, world.lucia, world.post, postman)
    assert (await stored(db, world.post)).status == PostStatus.PENDING
    assert await log(db) == []
    assert await outbox(db) == []
    assert await version(db) == 0


async def test_contributors_cannot_moderate(db: Database, world: World, postman: Postman) -> None:
    with pytest.raises(PermissionDenied):
        await approve(db, world.pierre, world.post, postman)
    with pytest.raises(PermissionDenied):
        await act(db, hide_post, actor=world.maria, post_id=world.post.id)
    assert (await stored(db, world.post)).status == PostStatus.PENDING
    assert await log(db) == []


async def test_an_unknown_post_is_not_found(db: Database, world: World, postman: Postman) -> None:
    with pytest.raises(NotFound):
        await act(db, approve_post, actor=world.ana, post_id=9999, tag_slugs=(), postman=postman)


# --- approving ---------------------------------------------------------------------------


async def test_approve_with_tags_publishes_logs_and_mails(
    db: Database, world: World, postman: Postman
) -> None:
    async with db.transaction() as session:  # a guideline rule held it: that stays on record
        await session.execute(
            update(Post).where(col(Post.id) == world.post.id).values(held_for="links")
        )
    post = await approve(db, world.ana, world.post, postman, TAGS)

    assert post.status == PostStatus.APPROVED
    row = await stored(db, world.post)
    assert (row.status, row.approved_at, row.held_for) == (PostStatus.APPROVED, NOW, "links")
    assert await tags_of(db, world.post) == set(TAGS)
    [entry] = await log(db)
    assert entry.action == ModerationVerb.APPROVE
    assert (entry.actor_id, entry.post_id, entry.user_id) == (
        world.ana.id,
        world.post.id,
        world.maria.id,
    )
    assert entry.discussion_id == world.post.discussion_id
    assert entry.note == "access-to-training, apprenticeships"
    assert entry.created_at == NOW
    assert await version(db) == 1
    mail = only_mail(await outbox(db))
    assert mail.to_address == world.maria.email
    assert mail.language == "es"
    link = f"{BASE}/es/discussions/{SLUG}/posts/{world.post.id}"
    assert link in mail.text_body
    assert f'href="{link}"' in mail.html_body
    assert "Aprendizaje a distancia" in mail.text_body  # the discussion's title in Spanish


async def test_an_admin_moderates_every_discussion(
    db: Database, world: World, postman: Postman
) -> None:
    await approve(db, world.admin, world.post, postman)
    assert (await stored(db, world.post)).status == PostStatus.APPROVED
    assert await tags_of(db, world.post) == set()
    [entry] = await log(db)
    assert (entry.actor_id, entry.note) == (world.admin.id, "")


async def test_approving_twice_is_a_conflict(db: Database, world: World, postman: Postman) -> None:
    await approve(db, world.ana, world.post, postman, TAGS)
    with pytest.raises(Conflict) as caught:
        await approve(db, world.jean, world.post, postman)
    assert caught.value.message == APPROVED
    assert len(await log(db)) == 1
    assert len(await outbox(db)) == 1
    assert await version(db) == 1
    assert await tags_of(db, world.post) == set(TAGS)


async def test_concurrent_approvals_let_exactly_one_through(
    db: Database, world: World, postman: Postman
) -> None:
    results = await asyncio.gather(
        approve(db, world.ana, world.post, postman, TAGS[:1]),
        approve(db, world.jean, world.post, postman, TAGS[1:]),
        return_exceptions=True,
    )
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "Post"]
    [entry] = await log(db)
    winner = world.ana if entry.actor_id == world.ana.id else world.jean
    assert await tags_of(db, world.post) == set(TAGS[:1] if winner is world.ana else TAGS[1:])
    assert len(await outbox(db)) == 1
    assert await version(db) == 1


async def test_the_second_approval_waits_for_the_first_then_conflicts(
    db: Database, world: World, postman: Postman
) -> None:
    async with db.transaction() as session:
        first = await approve_post(
            session,
            actor=world.ana,
            post_id=world.post.id or 0,
            tag_slugs=(),
            postman=postman,
            now=NOW,
        )
        assert first.status == PostStatus.APPROVED
        second = asyncio.create_task(approve(db, world.jean, world.post, postman))
        await asyncio.sleep(0.3)
        # PostgreSQL: held on the row lock; SQLite: held at BEGIN IMMEDIATE.
        assert not second.done()
    with pytest.raises(Conflict) as caught:
        await second
    assert caught.value.message == APPROVED
    assert len(await log(db)) == 1


async def test_approving_with_another_discussions_tag_is_invalid(
    db: Database, world: World, postman: Postman
) -> None:
    with pytest.raises(Invalid) as caught:
        await approve(db, world.ana, world.post, postman, ("apprenticeships", "green-jobs"))
    assert caught.value.field == "tags"
    with pytest.raises(Invalid):
        await approve(db, world.ana, world.post, postman, ("no-such-tag",))
    assert (await stored(db, world.post)).status == PostStatus.PENDING
    assert await log(db) == []
    assert await outbox(db) == []


# --- rejecting ---------------------------------------------------------------------------


async def test_reject_stores_the_reason_logs_and_mails(
    db: Database, world: World, postman: Postman
) -> None:
    note = "Please leave out the name of the trainee.\r\nThe rest is welcome."
    post = await reject(db, world.jean, world.post, postman, "personal-data", note)

    stored_note = "Please leave out the name of the trainee.\nThe rest is welcome."
    row = await stored(db, world.post)
    assert (row.status, row.rejection_section, row.rejection_note) == (
        PostStatus.REJECTED,
        "personal-data",
        stored_note,
    )
    assert post.status == PostStatus.REJECTED and row.approved_at is None
    [entry] = await log(db)
    assert (entry.action, entry.section, entry.note) == ("reject", "personal-data", stored_note)
    assert (entry.actor_id, entry.post_id, entry.user_id) == (
        world.jean.id,
        world.post.id,
        world.maria.id,
    )
    assert await version(db) == 0  # readers never saw it
    mail = only_mail(await outbox(db))
    assert mail.to_address == world.maria.email and mail.language == "es"
    guidelines = f"{BASE}/es/guidelines#personal-data"
    edit = f"{BASE}/es/discussions/{SLUG}/posts/{world.post.id}/edit"
    for body in (mail.text_body, mail.html_body):
        assert guidelines in body and edit in body
        # the section by its number and title in María's language, never by its id
        assert "Normas de la comunidad, sección 3: Proteja los datos personales" in body
        assert "personal-data:" not in body and ">personal-data<" not in body
    assert stored_note in mail.text_body
    assert "Please leave out the name of the trainee." in mail.html_body


async def test_reject_in_the_authors_language(db: Database, world: World, postman: Postman) -> None:
    post = await write(db, world.pierre, FR, "fr")
    await reject(db, world.ana, post, postman, "on-topic")
    mail = only_mail(await outbox(db, to=world.pierre.email))
    assert mail.language == "fr"
    assert f"{BASE}/fr/guidelines#on-topic" in mail.text_body
    assert "Charte de la communauté, section 2\u00a0: Restez dans le sujet" in mail.text_body
    assert "L'apprentissage à distance" in mail.text_body


@pytest.mark.parametrize(
    ("section", "note", "field"),
    [
        ("no-such-section", "", "section"),
        ("", "", "section"),
        ("respect", "x" * 2001, "note"),
        ("respect", "Tone\x07 it down", "note"),
        ("respect", "Tone\tit down", "note"),
    ],
)
async def test_reject_refuses_bad_reasons(
    db: Database, world: World, postman: Postman, section: str, note: str, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await reject(db, world.ana, world.post, postman, section, note)
    assert caught.value.field == field
    assert (await stored(db, world.post)).status == PostStatus.PENDING
    assert await log(db) == []


async def test_a_note_of_two_thousand_characters_is_accepted(
    db: Database, world: World, postman: Postman
) -> None:
    await reject(db, world.ana, world.post, postman, "quality", "x" * 2000)
    [entry] = await log(db)
    assert len(entry.note) == 2000


async def test_only_pending_posts_are_approved_or_rejected(
    db: Database, world: World, postman: Postman
) -> None:
    await reject(db, world.ana, world.post, postman)
    with pytest.raises(Conflict) as caught:
        await approve(db, world.jean, world.post, postman)
    assert caught.value.message == REJECTED
    other = await write(db, world.maria, EN, "en")
    await approve(db, world.ana, other, postman)
    with pytest.raises(Conflict) as caught:
        await reject(db, world.jean, other, postman)
    assert caught.value.message == APPROVED
    assert [entry.action for entry in await log(db)] == ["reject", "approve"]


# --- hiding, restoring, tags, key quotes -------------------------------------------------


async def test_hide_and_restore(db: Database, world: World, postman: Postman) -> None:
    post_id = world.post.id
    with pytest.raises(Conflict) as caught:
        await act(db, hide_post, actor=world.ana, post_id=post_id)
    assert caught.value.message == PENDING
    await approve(db, world.ana, world.post, postman)

    hidden = await act(db, hide_post, actor=world.jean, post_id=post_id, note="Off topic.")
    assert hidden.status == PostStatus.HIDDEN
    assert await version(db) == 2
    with pytest.raises(Conflict) as caught:
        await act(db, hide_post, actor=world.ana, post_id=post_id)
    assert caught.value.message == HIDDEN

    restored = await act(db, restore_post, actor=world.ana, post_id=post_id)
    assert restored.status == PostStatus.APPROVED
    assert (await stored(db, world.post)).status == PostStatus.APPROVED
    assert await version(db) == 3
    with pytest.raises(Conflict) as caught:
        await act(db, restore_post, actor=world.ana, post_id=post_id)
    assert caught.value.message == APPROVED
    entries = await log(db)
    assert [entry.action for entry in entries] == ["approve", "hide", "restore"]
    assert (entries[1].actor_id, entries[1].note) == (world.jean.id, "Off topic.")


async def test_key_quotes(db: Database, world: World, postman: Postman) -> None:
    post_id = world.post.id
    with pytest.raises(Conflict):
        await act(db, mark_key_quote, actor=world.ana, post_id=post_id, quoted=True)
    await approve(db, world.ana, world.post, postman)

    quoted = await act(db, mark_key_quote, actor=world.ana, post_id=post_id, quoted=True)
    assert quoted.key_quote is True
    assert (await stored(db, world.post)).key_quote is True
    with pytest.raises(Conflict) as caught:
        await act(db, mark_key_quote, actor=world.jean, post_id=post_id, quoted=True)
    assert caught.value.message == ALREADY_QUOTED
    await act(db, mark_key_quote, actor=world.jean, post_id=post_id, quoted=False)
    assert (await stored(db, world.post)).key_quote is False
    with pytest.raises(Conflict) as caught:
        await act(db, mark_key_quote, actor=world.jean, post_id=post_id, quoted=False)
    assert caught.value.message == NOT_QUOTED

    await act(db, hide_post, actor=world.ana, post_id=post_id)
    with pytest.raises(Conflict) as caught:
        await act(db, mark_key_quote, actor=world.ana, post_id=post_id, quoted=True)
    assert caught.value.message == HIDDEN
    actions = [entry.action for entry in await log(db)]
    assert actions == ["approve", "key_quote", "unquote", "hide"]
    assert await version(db) == 4


async def test_key_quote_refused_when_the_author_refused_quoting(
    db: Database, world: World, postman: Postman
) -> None:
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=world.maria,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft(source=EN, language="en", quote_consent="not_at_all"),
            limits=PostLimits(),
            now=NOW,
        )
    await approve(db, world.ana, post, postman)
    with pytest.raises(Conflict) as caught:
        await act(db, mark_key_quote, actor=world.ana, post_id=post.id, quoted=True)
    assert caught.value.message == NO_QUOTING
    assert (await stored(db, post)).key_quote is False
    assert [entry.action for entry in await log(db)] == ["approve"]


async def test_set_post_tags(db: Database, world: World, postman: Postman) -> None:
    post_id = world.post.id
    await act(db, set_post_tags, actor=world.ana, post_id=post_id, tag_slugs=TAGS)
    assert await tags_of(db, world.post) == set(TAGS)
    assert await version(db) == 0  # still pending: readers see nothing new
    await approve(db, world.ana, world.post, postman, TAGS[:1])
    assert await tags_of(db, world.post) == set(TAGS[:1])

    await act(db, set_post_tags, actor=world.jean, post_id=post_id, tag_slugs=TAGS[1:])
    assert await tags_of(db, world.post) == set(TAGS[1:])
    assert await version(db) == 2
    with pytest.raises(Invalid) as caught:
        await act(db, set_post_tags, actor=world.ana, post_id=post_id, tag_slugs=["green-jobs"])
    assert caught.value.field == "tags"
    with pytest.raises(PermissionDenied):
        await act(db, set_post_tags, actor=world.lucia, post_id=post_id, tag_slugs=[])
    entries = await log(db)
    assert [(entry.action, entry.note) for entry in entries] == [
        ("tag", "access-to-training, apprenticeships"),
        ("approve", "access-to-training"),
        ("tag", "apprenticeships"),
    ]

    rejected = await write(db, world.maria, EN, "en")
    await reject(db, world.ana, rejected, postman)
    with pytest.raises(Conflict) as caught:
        await act(db, set_post_tags, actor=world.ana, post_id=rejected.id, tag_slugs=TAGS)
    assert caught.value.message == REJECTED


# --- people ------------------------------------------------------------------------------


async def test_suspend_ends_sessions_at_once(db: Database, world: World) -> None:
    policy = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=60))
    async with db.transaction() as session:
        await start_session(session, user_id=world.maria.id or 0, policy=policy, now=NOW)
    assert await sessions_of(db, world.maria) == 1
    until = NOW + timedelta(days=7)

    await act(
        db, suspend_user, actor=world.ana, user_id=world.maria.id, until=until, note="Two insults."
    )
    row = await person(db, world.maria)
    assert (row.state, row.suspended_until) == (UserState.SUSPENDED, until)
    assert await sessions_of(db, world.maria) == 0
    [entry] = await log(db)
    assert (entry.action, entry.actor_id, entry.user_id) == ("suspend", world.ana.id, row.id)
    assert (entry.post_id, entry.discussion_id, entry.note) == (None, None, "Two insults.")


async def test_suspend_needs_a_future_date(db: Database, world: World) -> None:
    for until in (NOW, NOW - timedelta(hours=1)):
        with pytest.raises(Invalid) as caught:
            await act(db, suspend_user, actor=world.ana, user_id=world.maria.id, until=until)
        assert caught.value.field == "until"
    assert (await person(db, world.maria)).state == UserState.ACTIVE
    assert await log(db) == []


async def test_ban_then_reinstate(db: Database, world: World) -> None:
    policy = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=60))
    async with db.transaction() as session:
        await start_session(session, user_id=world.maria.id or 0, policy=policy, now=NOW)
    await act(db, ban_user, actor=world.jean, user_id=world.maria.id, note="Spam, again.")
    assert (await person(db, world.maria)).state == UserState.BANNED
    assert await sessions_of(db, world.maria) == 0

    await act(db, reinstate_user, actor=world.admin, user_id=world.maria.id)
    row = await person(db, world.maria)
    assert (row.state, row.suspended_until) == (UserState.ACTIVE, None)
    entries = await log(db)
    assert [(e.action, e.actor_id, e.note) for e in entries] == [
        ("ban", world.jean.id, "Spam, again."),
        ("reinstate", world.admin.id, ""),
    ]


async def test_trust_and_distrust(db: Database, world: World) -> None:
    trusted = await act(db, set_trusted, actor=world.ana, user_id=world.maria.id, trusted=True)
    assert trusted.trusted is True
    assert (await person(db, world.maria)).trusted is True
    await act(db, set_trusted, actor=world.ana, user_id=world.maria.id, trusted=False)
    assert (await person(db, world.maria)).trusted is False
    assert [entry.action for entry in await log(db)] == ["trust", "distrust"]


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("ana", "admin"),  # nobody acts on an admin
        ("admin", "admin"),  # nor on themselves
        ("ana", "ana"),
        ("ana", "jean"),  # a moderator does not act on another moderator
        ("ana", "pierre"),  # who took part in none of her discussions
        ("lucia", "maria"),  # who took part in another discussion only
        ("pierre", "maria"),  # contributors do not moderate
    ],
)
async def test_who_may_act_on_whom(db: Database, world: World, actor: str, target: str) -> None:
    by, on = getattr(world, actor), getattr(world, target)
    for verb, options in (
        (set_trusted, {"trusted": True}),
        (suspend_user, {"until": NOW + timedelta(days=1)}),
        (ban_user, {}),
        (reinstate_user, {}),
    ):
        with pytest.raises(PermissionDenied):
            await act(db, verb, actor=by, user_id=on.id, **options)
    row = await person(db, on)
    assert (row.state, row.trusted) == (on.state, on.trusted)
    assert await log(db) == []


async def test_an_admin_acts_on_moderators(db: Database, world: World) -> None:
    await act(db, suspend_user, actor=world.admin, user_id=world.lucia.id, until=NOW + timedelta(1))
    assert (await person(db, world.lucia)).state == UserState.SUSPENDED
    with pytest.raises(PermissionDenied):  # a suspended moderator moderates nothing
        await act(db, ban_user, actor=world.lucia, user_id=world.maria.id)
    with pytest.raises(NotFound):
        await act(db, ban_user, actor=world.admin, user_id=9999)
