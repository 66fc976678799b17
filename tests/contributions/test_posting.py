"""Writing posts: moderation on arrival, languages, nesting, refusals, drafts and edits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from forum.contributions.edits import revisions
from forum.contributions.posting import (
    MAX_DEPTH,
    Draft,
    PostLimits,
    PostRefused,
    create_post,
    draft_errors,
    edit_post,
    post_for_editing,
    preview_draft,
)
from forum.core.clock import FixedClock
from forum.core.errors import DomainError, FormInvalid, NotFound, PermissionDenied
from forum.db import Database
from forum.models import Discussion, Post, PostRevision, User
from forum.models.types import PostStatus, Role, UserState
from tests.conftest import NOW
from tests.factories import LANGUAGES, add_discussion, discussion_data
from tests.helpers import make_user

SLUG = "remote-apprenticeships"
START = NOW - timedelta(days=2)  # week one opened two days ago, week two opens in five days
LIMITS = PostLimits()
EN = "Our apprentices kept learning at home with weekly video calls and a mentor at work."
ES = "Nuestros aprendices siguieron formándose en casa con llamadas semanales y un tutor."
FR = "Nos apprentis ont continué à se former chez eux grâce à un tuteur et des appels réguliers."
UNSHOWABLE = "This contains characters that cannot be shown."
EN_EDIT = "Our apprentices also visited the workshop once a month to practise with real tools."


async def add(db: Database, *, start: Any = START, slug: str = SLUG, **changes: Any) -> None:
    data = discussion_data(slug=slug, start=start)
    data.update(changes)
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)


def draft(source: str = EN, language: str = "", consent: str = "by_name") -> Draft:
    return Draft(source=source, language=language, quote_consent=consent)


async def write(
    db: Database,
    author: User,
    clock: FixedClock,
    *,
    number: int | None = 1,
    parent_id: int | None = None,
    text: Draft | None = None,
    slug: str = SLUG,
) -> Post:
    async with db.transaction() as session:
        return await create_post(
            session,
            author=author,
            discussion_slug=slug,
            question_number=number,
            parent_id=parent_id,
            draft=text or draft(),
            limits=LIMITS,
            now=clock.now(),
        )


async def edit(
    db: Database, editor: User, post: Post, clock: FixedClock, text: str, **options: bool
) -> Post:
    assert post.id is not None
    async with db.transaction() as session:
        return await edit_post(
            session,
            editor=editor,
            post_id=post.id,
            draft=draft(text),
            limits=LIMITS,
            now=clock.now(),
            **options,
        )


async def set_status(db: Database, post: Post, status: PostStatus) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Post).where(col(Post.id) == post.id).values(status=status.value)
        )


async def stored(db: Database, post_id: int | None) -> Post:
    async with db.session() as session:
        post = await session.get(Post, post_id)
        assert post is not None
        return post


async def version(db: Database, slug: str = SLUG) -> int:
    async with db.session() as session:
        value = await session.scalar(
            select(Discussion.content_version).where(Discussion.slug == slug)
        )
        assert value is not None
        return value


async def counts(db: Database) -> tuple[int, int]:
    """How many posts and revisions are stored."""
    async with db.session() as session:
        posts = await session.scalar(select(func.count()).select_from(Post))
        kept = await session.scalar(select(func.count()).select_from(PostRevision))
        return posts or 0, kept or 0


async def consent_of(db: Database, user: User) -> str | None:
    async with db.session() as session:
        row = await session.get(User, user.id)
        assert row is not None
        return row.quote_consent


async def assert_nothing_written(db: Database, author: User, before: tuple[int, int]) -> None:
    assert await counts(db) == before
    assert await version(db) == 0
    assert await consent_of(db, author) is None


# --- moderation on arrival ---------------------------------------------------------------


async def test_answer_in_premoderation_is_pending(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    saved = await stored(db, post.id)
    assert saved.status == PostStatus.PENDING
    assert saved.approved_at is None
    assert saved.thread_id == saved.id and saved.depth == 0 and saved.parent_id is None
    assert saved.question_id is not None
    assert saved.created_at == NOW
    assert await version(db) == 0


async def test_answer_in_postmoderation_is_approved(db: Database, clock: FixedClock) -> None:
    await add(db, moderation="post")
    author = await make_user(db)
    post = await write(db, author, clock)
    saved = await stored(db, post.id)
    assert saved.status == PostStatus.APPROVED
    assert saved.approved_at == NOW
    assert await version(db) == 1


async def test_answer_by_trusted_author_is_approved(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    async with db.transaction() as session:
        await session.execute(update(User).where(col(User.id) == author.id).values(trusted=True))
    author.trusted = True
    post = await write(db, author, clock)
    assert (await stored(db, post.id)).status == PostStatus.APPROVED
    assert await version(db) == 1


async def test_answer_by_moderator_is_approved(db: Database, clock: FixedClock) -> None:
    await add(db)
    moderator = await make_user(db, email="tutor@example.org", role=Role.MODERATOR)
    post = await write(db, moderator, clock)
    assert (await stored(db, post.id)).status == PostStatus.APPROVED
    assert await version(db) == 1


# --- language ------------------------------------------------------------------------------


async def test_answer_language_is_detected(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db, language="fr")
    post = await write(db, author, clock, text=draft(ES))
    assert (await stored(db, post.id)).language == "es"


async def test_answer_language_chosen_wins(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock, text=draft(ES, language="fr"))
    assert (await stored(db, post.id)).language == "fr"


@pytest.mark.parametrize(("preferred", "expected"), [("fr", "fr"), ("de", "en")])
async def test_answer_language_undetectable_falls_back(
    db: Database, clock: FixedClock, preferred: str, expected: str
) -> None:
    await add(db)
    author = await make_user(db, language=preferred)
    post = await write(db, author, clock, text=draft("12 + 30 = 42"))
    assert (await stored(db, post.id)).language == expected


# --- replies -------------------------------------------------------------------------------


async def test_reply_nests_to_depth_three_then_attaches_beside(
    db: Database, clock: FixedClock
) -> None:
    await add(db, moderation="post")
    author = await make_user(db)
    root = await write(db, author, clock)
    chain = [root]
    for text in (ES, FR, EN_EDIT):
        chain.append(
            await write(db, author, clock, number=None, parent_id=chain[-1].id, text=draft(text))
        )
    assert [p.depth for p in chain] == [0, 1, 2, MAX_DEPTH]
    assert [p.parent_id for p in chain[1:]] == [p.id for p in chain[:-1]]
    assert [p.in_reply_to_id for p in chain[1:]] == [p.id for p in chain[:-1]]
    assert {p.thread_id for p in chain} == {root.id}
    assert {p.question_id for p in chain} == {root.question_id}
    beside = await write(db, author, clock, number=None, parent_id=chain[-1].id)
    saved = await stored(db, beside.id)
    assert saved.depth == MAX_DEPTH
    assert saved.parent_id == chain[2].id
    assert saved.in_reply_to_id == chain[3].id
    assert saved.thread_id == root.id


async def test_reply_takes_the_parent_question(db: Database, clock: FixedClock) -> None:
    await add(db, moderation="post")
    author = await make_user(db)
    root = await write(db, author, clock, number=2)
    reply = await write(db, author, clock, number=5, parent_id=root.id, text=draft(FR))
    assert (await stored(db, reply.id)).question_id == root.question_id


async def test_general_comment_allowed_is_accepted(db: Database, clock: FixedClock) -> None:
    await add(db, general_comments=True)
    author = await make_user(db)
    post = await write(db, author, clock, number=None, text=draft(FR))
    saved = await stored(db, post.id)
    assert saved.question_id is None and saved.thread_id == saved.id
    assert saved.language == "fr"


# --- refusals write nothing ----------------------------------------------------------------


@pytest.mark.parametrize(
    "person",
    [
        {"confirmed": False},
        {"state": UserState.SUSPENDED, "until": NOW + timedelta(days=3)},
        {"state": UserState.BANNED},
    ],
    ids=["unconfirmed", "suspended", "banned"],
)
async def test_answer_by_blocked_author_is_refused(
    db: Database, clock: FixedClock, person: dict[str, Any]
) -> None:
    await add(db, moderation="post")
    author = await make_user(db, **person)
    with pytest.raises(PermissionDenied):
        await write(db, author, clock)
    await assert_nothing_written(db, author, (0, 0))


async def _refused(
    db: Database, clock: FixedClock, error: type[DomainError], message: str | None, **kw: Any
) -> None:
    author = await make_user(db, email="learner@example.org")
    before = await counts(db)
    with pytest.raises(error) as caught:
        await write(db, author, clock, **kw)
    if message is not None:
        assert caught.value.message == message
    assert await counts(db) == before
    assert await consent_of(db, author) is None


async def test_answer_to_closed_discussion_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db, start=NOW - timedelta(days=30))
    await _refused(db, clock, PostRefused, "This discussion is closed.")
    assert await version(db) == 0


async def test_answer_to_upcoming_discussion_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db, start=NOW + timedelta(days=1))
    await _refused(db, clock, PostRefused, "This discussion is not open yet.")


async def test_answer_to_closed_set_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db, start=NOW - timedelta(days=15))  # week one closed, week two still open
    await _refused(db, clock, PostRefused, "Answers to this question are closed.", number=1)
    author = await make_user(db, email="open-week@example.org")
    assert (await write(db, author, clock, number=7)).id is not None


async def test_answer_to_unopened_set_is_not_found(db: Database, clock: FixedClock) -> None:
    await add(db)
    await _refused(db, clock, NotFound, None, number=7)


async def test_answer_to_unknown_question_is_not_found(db: Database, clock: FixedClock) -> None:
    await add(db)
    await _refused(db, clock, NotFound, None, number=99)


async def test_answer_to_unknown_discussion_is_not_found(db: Database, clock: FixedClock) -> None:
    await add(db)
    await _refused(db, clock, NotFound, None, slug="no-such-discussion")


async def test_reply_to_post_elsewhere_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db, moderation="post")
    await add(db, moderation="post", slug="green-skills")
    author = await make_user(db)
    other = await write(db, author, clock, slug="green-skills")
    await _refused(
        db,
        clock,
        PostRefused,
        "That post belongs to another discussion.",
        number=None,
        parent_id=other.id,
    )


async def test_reply_to_pending_post_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    pending = await write(db, author, clock)
    await _refused(
        db,
        clock,
        PostRefused,
        "You can only reply to a published post.",
        number=None,
        parent_id=pending.id,
    )


async def test_reply_to_unknown_post_is_not_found(db: Database, clock: FixedClock) -> None:
    await add(db)
    await _refused(db, clock, NotFound, None, number=None, parent_id=12345)


async def test_reply_after_set_closed_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db, moderation="post", start=NOW - timedelta(days=12))  # week one closes tomorrow
    author = await make_user(db)
    root = await write(db, author, clock, number=1)
    clock.advance(timedelta(days=2))
    await _refused(
        db,
        clock,
        PostRefused,
        "Answers to this question are closed.",
        number=None,
        parent_id=root.id,
    )


async def test_general_comment_not_allowed_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db)
    await _refused(
        db, clock, PostRefused, "This discussion does not take general comments.", number=None
    )


# --- drafts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (draft(""), {"source": "Write something before sending."}),
        (draft("  \n\t \r\n "), {"source": "Write something before sending."}),
        (draft("a"), {"source": "This is too short to publish."}),
        (draft("a" * 10_001), {"source": "This is too long: please shorten it."}),
        (draft("Hola\x00 aprendices"), {"source": UNSHOWABLE}),
        (draft("Bonjour\x1b[31m"), {"source": UNSHOWABLE}),
        (draft(language="de"), {"language": "Choose a language from the list."}),
        (draft(consent="maybe"), {"quote_consent": "Choose whether we may quote you."}),
        (
            draft("", language="pt", consent=""),
            {
                "source": "Write something before sending.",
                "language": "Choose a language from the list.",
                "quote_consent": "Choose whether we may quote you.",
            },
        ),
    ],
    ids=["empty", "whitespace", "short", "long", "nul", "escape", "language", "consent", "all"],
)
async def test_answer_with_bad_draft_is_invalid(
    db: Database, clock: FixedClock, text: Draft, fields: dict[str, str]
) -> None:
    assert draft_errors(text, languages=LANGUAGES, limits=LIMITS) == fields
    await add(db, moderation="post")
    author = await make_user(db)
    with pytest.raises(FormInvalid) as caught:
        await write(db, author, clock, text=text)
    assert caught.value.errors == fields
    await assert_nothing_written(db, author, (0, 0))


def test_draft_with_line_breaks_tabs_and_longest_text_is_valid() -> None:
    assert draft_errors(draft("Línea uno\r\n\tlínea dos"), languages=LANGUAGES, limits=LIMITS) == {}
    longest = draft("  " + "a" * 10_000 + "\n\n")
    assert draft_errors(longest, languages=LANGUAGES, limits=LIMITS) == {}


def test_preview_shows_what_will_be_published() -> None:
    preview = preview_draft(
        draft("Il faut **plus** de tuteurs en entreprise pour les apprentis.\r\n"),
        languages=LANGUAGES,
        fallback="en",
        limits=LIMITS,
    )
    assert preview.html == (
        "<p>Il faut <strong>plus</strong> de tuteurs en entreprise pour les apprentis.</p>\n"
    )
    assert preview.language == "fr"
    assert (
        preview_draft(draft("42 :)"), languages=LANGUAGES, fallback="es", limits=LIMITS).language
        == "es"
    )
    with pytest.raises(FormInvalid) as caught:
        preview_draft(draft(" "), languages=LANGUAGES, fallback="en", limits=LIMITS)
    assert set(caught.value.errors) == {"source"}


async def test_answer_remembers_consent_on_user(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock, text=draft(consent="anonymously"))
    assert (await stored(db, post.id)).quote_consent == "anonymously"
    assert await consent_of(db, author) == "anonymously"


async def test_answer_markdown_is_stored_as_sanitised_html(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    source = "La **práctica** cuenta. <script>alert('x')</script> [más](javascript:alert(1))"
    post = await write(db, author, clock, text=draft(source))
    saved = await stored(db, post.id)
    assert saved.source == source
    assert "<strong>práctica</strong>" in saved.html
    assert "<script" not in saved.html
    assert "href" not in saved.html  # the javascript: link stays plain text


# --- edits ---------------------------------------------------------------------------------


async def test_edit_of_published_post_waits_beside_the_published_text(
    db: Database, clock: FixedClock
) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    await set_status(db, post, PostStatus.APPROVED)
    clock.advance(timedelta(hours=1))
    await edit(db, author, post, clock, FR)
    saved = await stored(db, post.id)
    assert saved.status == PostStatus.APPROVED  # still published: its thread keeps it
    assert (saved.source, saved.language, saved.edited_at) == (EN, "en", None)
    assert saved.pending_source == FR and saved.pending_language == "fr"
    assert saved.pending_html is not None and "tuteur" in saved.pending_html
    assert saved.pending_at == NOW + timedelta(hours=1)
    assert await version(db) == 0  # readers see nothing new yet
    assert await counts(db) == (1, 0)  # nothing replaced yet, so no earlier text to keep


async def test_second_edit_replaces_the_waiting_one_and_keeps_it(
    db: Database, clock: FixedClock
) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    await set_status(db, post, PostStatus.APPROVED)
    clock.advance(timedelta(minutes=5))
    await edit(db, author, post, clock, ES)
    clock.advance(timedelta(minutes=5))
    await edit(db, author, post, clock, EN_EDIT)
    saved = await stored(db, post.id)
    assert (saved.source, saved.pending_source, saved.status) == (EN, EN_EDIT, "approved")
    async with db.session() as session:
        kept = await revisions(session, post_id=post.id or 0)
    assert [(r.number, r.source, r.status) for r in kept] == [(1, ES, "pending")]
    assert kept[0].written_at == NOW + timedelta(minutes=5)


async def test_edit_back_to_the_published_text_withdraws_the_waiting_edit(
    db: Database, clock: FixedClock
) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    await set_status(db, post, PostStatus.APPROVED)
    await edit(db, author, post, clock, ES)
    await edit(db, author, post, clock, EN)
    saved = await stored(db, post.id)
    assert (saved.source, saved.pending_source, saved.status) == (EN, None, "approved")
    async with db.session() as session:
        kept = await revisions(session, post_id=post.id or 0)
    assert [(r.source, r.status) for r in kept] == [(ES, "pending")]


async def test_edit_without_remoderation_stays_approved(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    await set_status(db, post, PostStatus.APPROVED)
    edited = await edit(db, author, post, clock, EN_EDIT, remoderate_edits=False)
    assert (await stored(db, edited.id)).status == PostStatus.APPROVED
    assert await version(db) == 1


async def test_edit_rejected_post_returns_to_pending(db: Database, clock: FixedClock) -> None:
    await add(db, moderation="post")
    author = await make_user(db)
    post = await write(db, author, clock)
    await set_status(db, post, PostStatus.REJECTED)
    before = await version(db)
    edited = await edit(db, author, post, clock, EN_EDIT)
    assert (await stored(db, edited.id)).status == PostStatus.PENDING
    assert await version(db) == before


async def test_edit_twice_lists_revisions_oldest_first(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    clock.advance(timedelta(minutes=5))
    await edit(db, author, post, clock, ES)
    clock.advance(timedelta(minutes=5))
    edited = await edit(db, author, post, clock, FR)
    assert edited.language == "fr"
    async with db.session() as session:
        kept = await revisions(session, post_id=post.id or 0)
    assert [(r.number, r.source, r.language) for r in kept] == [(1, EN, "en"), (2, ES, "es")]
    assert kept[1].written_at == NOW + timedelta(minutes=5)


async def test_edit_same_text_keeps_no_revision(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    await set_status(db, post, PostStatus.APPROVED)
    await edit(db, author, post, clock, EN + "\n\n")
    assert await counts(db) == (1, 0)
    assert (await stored(db, post.id)).status == PostStatus.APPROVED


async def test_edit_someone_elses_post_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    for email, role in (("other@example.org", Role.CONTRIBUTOR), ("mod@example.org", Role.ADMIN)):
        other = await make_user(db, email=email, role=role)
        with pytest.raises(PermissionDenied) as caught:
            await edit(db, other, post, clock, EN_EDIT)
        assert caught.value.message == "You can only edit your own posts."
        async with db.session() as session:
            with pytest.raises(PermissionDenied):
                await post_for_editing(session, editor=other, post_id=post.id or 0)
    saved = await stored(db, post.id)
    assert saved.source == EN and saved.edited_at is None
    assert await counts(db) == (1, 0)


async def test_edit_hidden_post_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    await set_status(db, post, PostStatus.HIDDEN)
    with pytest.raises(PostRefused) as caught:
        await edit(db, author, post, clock, EN_EDIT)
    assert caught.value.message == "This post can no longer be edited."
    assert (await stored(db, post.id)).source == EN
    assert await counts(db) == (1, 0)


async def test_edit_after_discussion_closed_is_refused(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    clock.advance(timedelta(days=30))
    with pytest.raises(PostRefused) as caught:
        await edit(db, author, post, clock, EN_EDIT)
    assert caught.value.message == "This discussion is closed."
    assert await counts(db) == (1, 0)


async def test_post_for_editing_returns_own_post(db: Database, clock: FixedClock) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    async with db.session() as session:
        found = await post_for_editing(session, editor=author, post_id=post.id or 0)
        assert found.source == EN
        with pytest.raises(NotFound):
            await post_for_editing(session, editor=author, post_id=54321)


async def test_edit_refusing_quotes_takes_back_the_key_quote_mark(
    db: Database, clock: FixedClock
) -> None:
    await add(db)
    author = await make_user(db)
    post = await write(db, author, clock)
    await set_status(db, post, PostStatus.APPROVED)
    async with db.transaction() as session:
        await session.execute(update(Post).where(col(Post.id) == post.id).values(key_quote=True))
    assert post.id is not None
    async with db.transaction() as session:
        await edit_post(
            session,
            editor=author,
            post_id=post.id,
            draft=draft(EN, consent="not_at_all"),
            limits=LIMITS,
            now=clock.now(),
        )
    kept = await stored(db, post.id)
    assert kept.quote_consent == "not_at_all" and kept.key_quote is False
    assert kept.status == PostStatus.APPROVED
