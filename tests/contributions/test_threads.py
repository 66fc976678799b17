"""Reading threads: order, visibility, whole-thread pages, languages, permalinks, statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.contributions.threads import (
    Contributions,
    Permalink,
    PostView,
    ThreadPage,
    answer_counts,
    find_post,
    general_threads,
    question_threads,
)
from forum.core.errors import NotFound
from forum.db import Database
from forum.models import Discussion, Post, Question, User
from forum.models.types import PostStatus
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user

SLUG = "remote-apprenticeships"
APPROVED = PostStatus.APPROVED
MAX_DEPTH = 3


class Board:
    """One discussion to write posts in, each a minute after the one before."""

    def __init__(self, discussion_id: int, questions: dict[int, int]) -> None:
        self.discussion_id = discussion_id
        self.questions = questions  # number -> id
        self.written = 0

    async def post(
        self,
        session: AsyncSession,
        author: User,
        text: str,
        *,
        question: int | None = 1,
        reply_to: Post | None = None,
        status: PostStatus = APPROVED,
        language: str = "en",
    ) -> Post:
        """Write a root post, or a reply nested under `reply_to` (capped at MAX_DEPTH)."""
        self.written += 1
        assert author.id is not None
        post = Post(
            discussion_id=self.discussion_id,
            question_id=None if question is None else self.questions[question],
            author_id=author.id,
            language=language,
            source=text,
            html=f"<p>{text}</p>",
            status=status.value,
            quote_consent="by_name",
            created_at=NOW - timedelta(hours=20) + timedelta(minutes=self.written),
        )
        if reply_to is not None:
            capped = reply_to.depth >= MAX_DEPTH
            post.parent_id = reply_to.parent_id if capped else reply_to.id
            post.in_reply_to_id = reply_to.id
            post.thread_id = reply_to.thread_id
            post.depth = min(reply_to.depth + 1, MAX_DEPTH)
        session.add(post)
        await session.flush()
        if reply_to is None:
            assert post.id is not None
            post.thread_id = post.id
            await session.flush()
        return post


async def board(db: Database, slug: str = SLUG) -> Board:
    async with db.transaction() as session:
        await add_discussion(
            session, discussion_data(slug=slug, start=NOW - timedelta(days=1)), now=NOW
        )
        discussion_id = await session.scalar(select(Discussion.id).where(Discussion.slug == slug))
        assert discussion_id is not None
        rows = await session.execute(
            select(col(Question.number), col(Question.id)).where(
                Question.discussion_id == discussion_id
            )
        )
        return Board(discussion_id, {number: id_ or 0 for number, id_ in rows.all()})


async def people(db: Database) -> tuple[User, User, User]:
    maria = await make_user(db)
    luc = await make_user(db, email="luc@example.org", name="Luc Bernard", language="fr")
    sofia = await make_user(db, email="sofia@example.org", name="Sofía Ramos")
    return maria, luc, sofia


async def threads_of(
    db: Database, board: Board, viewer: User | None = None, question: int = 1, **options: object
) -> ThreadPage:
    async with db.session() as session:
        return await question_threads(
            session,
            question_id=board.questions[question],
            viewer_id=None if viewer is None else viewer.id,
            **options,  # type: ignore[arg-type]
        )


def ids(page: ThreadPage) -> list[list[int]]:
    return [[post.id for post in thread] for thread in page.threads]


async def test_threads_go_depth_first_with_siblings_oldest_first(db: Database) -> None:
    forum = await board(db)
    maria, luc, sofia = await people(db)
    async with db.transaction() as s:
        first = await forum.post(s, maria, "Our apprentices met their tutors online every week.")
        second = await forum.post(s, luc, "Nous avons gardé les ateliers ouverts.", language="fr")
        early = await forum.post(s, luc, "Did the tutors get any training?", reply_to=first)
        late = await forum.post(s, sofia, "Which tools did you use?", reply_to=first)
        deeper = await forum.post(s, maria, "Yes, two days before starting.", reply_to=early)
        deepest = await forum.post(s, luc, "Was two days enough?", reply_to=deeper)
        capped = await forum.post(s, maria, "Not quite, we added more later.", reply_to=deepest)
        on_late = await forum.post(s, maria, "Video calls and a shared notebook.", reply_to=late)
    page = await threads_of(db, forum)
    assert ids(page) == [
        [first.id, early.id, deeper.id, deepest.id, capped.id, late.id, on_late.id],
        [second.id],
    ]
    assert [p.depth for p in page.threads[0]] == [0, 1, 2, 3, 3, 1, 2]
    view: dict[int | None, PostView] = {p.id: p for p in page.threads[0]}
    assert (view[capped.id].parent_id, view[capped.id].in_reply_to_id) == (deeper.id, deepest.id)
    assert view[capped.id].in_reply_to_name == "Luc Bernard"
    assert [p.in_reply_to_name for p in page.threads[0]] == [
        None,
        "María Pérez",
        "Luc Bernard",
        "María Pérez",
        "Luc Bernard",
        "María Pérez",
        "Sofía Ramos",
    ]
    [tree] = page.trees[0:1]
    [root] = tree
    assert [reply.post.id for reply in root.replies] == [early.id, late.id]
    under_deeper = root.replies[0].replies[0].replies
    assert [reply.post.id for reply in under_deeper] == [deepest.id, capped.id]  # capped beside
    assert view[early.id].in_reply_to_id == first.id
    assert view[first.id].author_name == "María Pérez"
    assert view[first.id].author_organisation == "Centro de Formación"
    assert view[first.id].html == "<p>Our apprentices met their tutors online every week.</p>"
    assert (page.page, page.pages, page.total_threads, page.order) == (1, 1, 2, "oldest")
    assert not any(p.is_own for thread in page.threads for p in thread)


async def test_own_pending_post_is_shown_to_its_author_only(db: Database) -> None:
    forum = await board(db)
    maria, luc, _sofia = await people(db)
    async with db.transaction() as s:
        root = await forum.post(s, maria, "Firms lent laptops to their apprentices.")
        waiting = await forum.post(
            s, luc, "Les prêts d'ordinateurs ont aidé.", reply_to=root, status=PostStatus.PENDING
        )
        alone = await forum.post(s, luc, "Une nouvelle idée.", status=PostStatus.PENDING)
    seen_by_luc = await threads_of(db, forum, luc)
    assert ids(seen_by_luc) == [[root.id, waiting.id], [alone.id]]
    assert seen_by_luc.total_threads == 2
    mine = seen_by_luc.threads[0][1]
    assert (mine.is_own, mine.status) == (True, "pending")
    assert seen_by_luc.threads[0][0].is_own is False
    for viewer in (maria, None):
        page = await threads_of(db, forum, viewer)
        assert ids(page) == [[root.id]]
        assert page.total_threads == 1
    assert (await threads_of(db, forum, maria)).threads[0][0].is_own is True


async def test_hidden_posts_are_never_shown_and_rejected_only_to_their_author(
    db: Database,
) -> None:
    forum = await board(db)
    maria, luc, sofia = await people(db)
    async with db.transaction() as s:
        root = await forum.post(s, maria, "The school kept a help line open.")
        hidden = await forum.post(
            s, luc, "Un message masqué.", reply_to=root, status=PostStatus.HIDDEN
        )
        orphan = await forum.post(s, sofia, "Who answered the calls?", reply_to=hidden)
        below = await forum.post(s, maria, "Two teachers, in turns.", reply_to=orphan)
        refused = await forum.post(
            s, luc, "Un message refusé.", reply_to=root, status=PostStatus.REJECTED
        )
        await forum.post(s, luc, "Tout le fil est masqué.", status=PostStatus.HIDDEN)
    for viewer in (maria, None):
        page = await threads_of(db, forum, viewer)
        assert ids(page) == [[root.id, orphan.id, below.id]]
        assert page.total_threads == 1
    # its author sees a rejected post (to read why and edit it); nobody else does
    assert ids(await threads_of(db, forum, luc)) == [[root.id, refused.id, orphan.id, below.id]]
    shown = (await threads_of(db, forum)).threads[0]
    assert [p.depth for p in shown] == [0, 2, 3]
    assert (shown[1].parent_id, shown[1].in_reply_to_id) == (hidden.id, hidden.id)


async def _many_threads(db: Database, forum: Board, count: int) -> list[list[int]]:
    """Write `count` threads of a root and two nested replies; return their ids."""
    maria, luc, _sofia = await people(db)
    return await _write_threads(db, forum, count, maria, luc)


async def _write_threads(
    db: Database, forum: Board, count: int, maria: User, luc: User
) -> list[list[int]]:
    threads = []
    async with db.transaction() as s:
        for number in range(count):
            root = await forum.post(s, maria, f"Idea number {number}: shorter online sessions.")
            reply = await forum.post(s, luc, "Bonne idée.", reply_to=root, language="fr")
            again = await forum.post(s, maria, "Gracias.", reply_to=reply, language="es")
            threads.append([root.id or 0, reply.id or 0, again.id or 0])
    return threads


async def test_pages_hold_whole_threads(db: Database) -> None:
    forum = await board(db)
    written = await _many_threads(db, forum, 45)
    pages = [await threads_of(db, forum, page=n, per_page=20) for n in (1, 2, 3)]
    assert [(p.page, p.pages, p.total_threads) for p in pages] == [(n, 3, 45) for n in (1, 2, 3)]
    assert [len(p.threads) for p in pages] == [20, 20, 5]
    assert [thread for p in pages for thread in ids(p)] == written
    newest = [await threads_of(db, forum, order="newest", page=n) for n in (1, 2, 3)]
    assert [thread for p in newest for thread in ids(p)] == written[::-1]
    assert newest[0].order == "newest"
    assert [p.depth for p in newest[0].threads[0]] == [0, 1, 2]


async def test_page_beyond_the_last_shows_the_last(db: Database) -> None:
    forum = await board(db)
    written = await _many_threads(db, forum, 25)
    beyond = await threads_of(db, forum, page=9)
    assert (beyond.page, beyond.pages, ids(beyond)) == (2, 2, written[20:])
    before = await threads_of(db, forum, page=0, order="sideways")
    assert (before.page, before.order, ids(before)) == (1, "oldest", written[:20])
    empty = await threads_of(db, forum, question=2, page=4)
    assert (empty.page, empty.pages, empty.total_threads, empty.threads) == (1, 1, 0, [])


async def test_language_filter_keeps_threads_with_posts_in_it(db: Database) -> None:
    forum = await board(db)
    maria, luc, sofia = await people(db)
    async with db.transaction() as s:
        english = await forum.post(s, luc, "We paid for home internet.")
        spanish = await forum.post(
            s, maria, "Pagamos la conexión a internet.", reply_to=english, language="es"
        )
        answer = await forum.post(
            s, sofia, "¿Durante cuántos meses?", reply_to=spanish, language="es"
        )
        await forum.post(s, luc, "About six months.", reply_to=answer)
        own = await forum.post(s, maria, "Los tutores visitaban las empresas.", language="es")
        await forum.post(s, luc, "Les tuteurs ont appelé chaque semaine.", language="fr")
    page = await threads_of(db, forum, language="es")
    assert ids(page) == [[spanish.id, answer.id], [own.id]]
    assert (page.total_threads, page.language) == (2, "es")
    orphan = page.threads[0][0]
    assert (orphan.depth, orphan.parent_id, orphan.in_reply_to_id) == (1, english.id, english.id)
    assert orphan.in_reply_to_name is None
    assert {p.language for thread in page.threads for p in thread} == {"es"}
    assert (await threads_of(db, forum, language="de")).total_threads == 0


async def test_general_comments_are_threads_apart_from_questions(db: Database) -> None:
    forum = await board(db)
    maria, luc, _sofia = await people(db)
    async with db.transaction() as s:
        await forum.post(s, maria, "An answer to the first question.")
        general = await forum.post(
            s, luc, "Merci pour cette discussion.", question=None, language="fr"
        )
        reply = await forum.post(
            s, maria, "Thank you for joining.", question=None, reply_to=general
        )
    async with db.session() as session:
        page = await general_threads(session, discussion_id=forum.discussion_id, viewer_id=None)
        newest = await general_threads(
            session, discussion_id=forum.discussion_id, viewer_id=luc.id, order="newest"
        )
    assert ids(page) == [[general.id, reply.id]]
    assert page.threads[0][0].question_id is None
    assert ids(newest) == ids(page)
    assert newest.threads[0][0].is_own is True


async def test_answer_counts_give_contributions_and_threads_by_question(db: Database) -> None:
    forum = await board(db)
    other = await board(db, slug="another-discussion")
    maria, luc, _sofia = await people(db)
    async with db.transaction() as s:
        root = await forum.post(s, maria, "First answer.")
        await forum.post(s, luc, "Réponse.", reply_to=root, language="fr")
        await forum.post(s, luc, "Pendiente.", reply_to=root, status=PostStatus.PENDING)
        await forum.post(s, luc, "Masqué.", status=PostStatus.HIDDEN)
        await forum.post(s, maria, "On question three.", question=3)
        await forum.post(s, maria, "A general remark.", question=None)
        await other.post(s, maria, "In another discussion.")
    async with db.session() as session:
        counts = await answer_counts(session, discussion_id=forum.discussion_id)
        with counting(db) as counter:
            await answer_counts(session, discussion_id=forum.discussion_id)
    assert counts == {
        forum.questions[1]: Contributions(posts=2, threads=1),
        forum.questions[3]: Contributions(posts=1, threads=1),
        None: Contributions(posts=1, threads=1),
    }
    assert counter.count == 1


async def _find(
    db: Database, post_id: int | None, viewer: User | None, slug: str = SLUG
) -> Permalink:
    async with db.session() as session:
        return await find_post(
            session,
            discussion_slug=slug,
            post_id=post_id or 0,
            viewer_id=None if viewer is None else viewer.id,
        )


async def test_find_post_gives_its_thread_and_page(db: Database) -> None:
    forum = await board(db)
    maria, luc, _sofia = await people(db)
    written = await _write_threads(db, forum, 23, maria, luc)
    found = await _find(db, written[21][1], None)
    assert found.post.id == written[21][1]
    assert [p.id for p in found.thread] == written[21]
    assert (found.question_number, found.page) == (1, 2)
    assert (await _find(db, written[19][2], maria)).page == 1
    async with db.transaction() as s:
        general = await forum.post(s, maria, "A word for everyone.", question=None)
    found = await _find(db, general.id, None)
    assert (found.question_number, found.page, found.post.question_id) == (None, 1, None)


async def test_find_post_respects_visibility(db: Database) -> None:
    forum = await board(db)
    await board(db, slug="another-discussion")
    maria, luc, sofia = await people(db)
    async with db.transaction() as s:
        root = await forum.post(s, maria, "Apprentices kept a weekly journal.")
        pending = await forum.post(
            s, luc, "Un journal en ligne ?", reply_to=root, status=PostStatus.PENDING
        )
        rejected = await forum.post(s, luc, "Refusé.", reply_to=root, status=PostStatus.REJECTED)
        hidden = await forum.post(s, luc, "Caché.", reply_to=root, status=PostStatus.HIDDEN)
    mine = await _find(db, pending.id, luc)
    assert (mine.post.is_own, [p.id for p in mine.thread]) == (
        True,
        [root.id, pending.id, rejected.id],  # Luc sees his own pending and rejected posts
    )
    assert [p.id for p in (await _find(db, root.id, sofia)).thread] == [root.id]
    own_rejected = await _find(db, rejected.id, luc)
    assert own_rejected.post.status == "rejected" and own_rejected.post.is_own
    for post_id, viewer in [
        (pending.id, sofia),
        (pending.id, None),
        (rejected.id, maria),
        (rejected.id, None),
        (hidden.id, luc),
        (hidden.id, maria),
        (9999, maria),
    ]:
        with pytest.raises(NotFound):
            await _find(db, post_id, viewer)
    with pytest.raises(NotFound):
        await _find(db, root.id, maria, slug="another-discussion")
    with pytest.raises(NotFound):
        await _find(db, root.id, maria, slug="no-such-discussion")


async def _fill(db: Database, forum: Board, question: int, total: int, author: User) -> None:
    """Write `total` posts on a question: threads of a root and up to four nested replies."""
    async with db.transaction() as s:
        written = 0
        while written < total:
            post = await forum.post(s, author, "A root.", question=question)
            written += 1
            for _ in range(min(4, total - written)):
                post = await forum.post(
                    s, author, "Una respuesta.", question=question, reply_to=post, language="es"
                )
                written += 1


async def test_statements_do_not_grow_with_posts(db: Database) -> None:
    forum = await board(db)
    maria, luc, _sofia = await people(db)
    await _fill(db, forum, 1, 10, maria)
    await _fill(db, forum, 2, 500, luc)
    counts = []
    for question in (1, 2):
        async with db.session() as session:
            with counting(db) as counter:
                page = await question_threads(
                    session, question_id=forum.questions[question], viewer_id=maria.id
                )
            counts.append(counter.count)
        assert sum(len(thread) for thread in page.threads) == (10 if question == 1 else 100)
    assert counts[0] == counts[1] <= 4
    found_counts = []
    for question in (1, 2):
        async with db.session() as session:
            last = await session.scalar(
                select(Post.id)
                .where(Post.question_id == forum.questions[question])
                .order_by(col(Post.id).desc())
            )
            with counting(db) as counter:
                await find_post(session, discussion_slug=SLUG, post_id=last or 0, viewer_id=None)
            found_counts.append(counter.count)
    assert found_counts[0] == found_counts[1] <= 4


def test_views_are_frozen() -> None:
    view = PostView(
        1, 1, None, None, None, 0, 1, "A", "", "en", "", "approved", NOW, None, 1, False
    )
    with pytest.raises(AttributeError):
        view.depth = 2  # type: ignore[misc]


async def test_reply_names_whom_it_answers_only_when_that_post_is_shown(db: Database) -> None:
    forum = await board(db)
    maria, luc, sofia = await people(db)
    async with db.transaction() as s:
        root = await forum.post(s, maria, "Apprentices kept a weekly journal.")
        hidden = await forum.post(s, luc, "Caché.", reply_to=root, status=PostStatus.HIDDEN)
        under = await forum.post(s, sofia, "¿Y el diario era en papel?", reply_to=hidden)
    page = await threads_of(db, forum)
    assert ids(page) == [[root.id, under.id]]
    shown = {view.id: view for view in page.threads[0]}
    assert shown[under.id].in_reply_to_name is None
    assert [reply.post.id for reply in page.trees[0]] == [root.id, under.id]  # both on top
