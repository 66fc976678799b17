"""Read the visible threads of a question or of the general comments, a page at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from forum.core.errors import NotFound
from forum.core.permissions import is_staff_role
from forum.core.tags import post_tag_slugs
from forum.models import Discussion, Post, Question, User
from forum.models.types import PostStatus

ORDERS = ("oldest", "newest")
PERMALINK_PER_PAGE = 20  # the list a permalink points into: oldest first, this many threads

_Answered = aliased(Post, name="answered")
_AnsweredAuthor = aliased(User, name="answered_author")


@dataclass(frozen=True, slots=True)
class PostView:
    id: int
    thread_id: int
    parent_id: int | None
    in_reply_to_id: int | None
    in_reply_to_name: str | None  # whom a reply answers, when that post is shown beside it
    depth: int
    author_id: int
    author_name: str
    author_organisation: str
    language: str
    html: str  # already sanitised
    status: str
    created_at: datetime
    edited_at: datetime | None
    question_id: int | None
    is_own: bool
    tags: tuple[str, ...] = ()  # slugs of the topics a moderator filed it under
    key_quote: bool = False
    rejection_section: str = ""  # shown to the author of a rejected post, with the note
    rejection_note: str = ""
    quote_consent: str = ""  # shown to moderators beside the key-quote mark
    author_role: str = ""  # "moderator" or "admin" when the author is staff: posts say so
    pending_html: str | None = None  # the author's own edit waiting for a moderator (to them)
    pending_language: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A post in its place in the tree: the replies under it, oldest first."""

    post: PostView
    replies: tuple[Reply, ...] = ()


def reply_tree(thread: Sequence[PostView]) -> list[Reply]:
    """Nest a thread's posts (oldest first); a post whose parent is not shown is a root."""
    shown = {post.id for post in thread}
    children: dict[int | None, list[PostView]] = defaultdict(list)
    for post in thread:
        children[post.parent_id if post.parent_id in shown else None].append(post)

    def grow(post: PostView) -> Reply:
        return Reply(post, tuple(grow(child) for child in children[post.id]))

    return [grow(post) for post in children[None]]


@dataclass(frozen=True, slots=True)
class Contributions:
    """How many published posts (answers and replies alike) there are, in how many threads."""

    posts: int = 0
    threads: int = 0


@dataclass(frozen=True, slots=True)
class ThreadPage:
    threads: list[list[PostView]]  # each in display order: depth-first, siblings oldest first
    page: int
    pages: int
    total_threads: int  # that the viewer sees, in the language chosen: what the pages hold
    order: str
    language: str | None
    published: Contributions = Contributions()  # what everyone sees, in every language

    @property
    def trees(self) -> list[list[Reply]]:
        """The threads nested, for lists within lists."""
        return [reply_tree(thread) for thread in self.threads]


@dataclass(frozen=True, slots=True)
class Permalink:
    post: PostView
    thread: list[PostView]
    question_number: int | None
    page: int  # of the oldest-first list, PERMALINK_PER_PAGE threads a page

    @property
    def tree(self) -> list[Reply]:
        """The post's thread nested, for lists within lists."""
        return reply_tree(self.thread)


def _visible(viewer_id: int | None) -> ColumnElement[bool]:
    """Match approved posts, and the viewer's own posts awaiting moderation or rejected."""
    if viewer_id is None:
        return col(Post.status) == PostStatus.APPROVED.value
    own = [PostStatus.APPROVED.value, PostStatus.PENDING.value, PostStatus.REJECTED.value]
    return and_(
        col(Post.status).in_(own),
        or_(col(Post.status) == PostStatus.APPROVED.value, col(Post.author_id) == viewer_id),
    )


def _filters(
    scope: ColumnElement[bool], viewer_id: int | None, language: str | None
) -> list[ColumnElement[bool]]:
    filters = [scope, _visible(viewer_id)]
    if language is not None:
        filters.append(col(Post.language) == language)
    return filters


def _question_scope(question_id: int) -> ColumnElement[bool]:
    return col(Post.question_id) == question_id


def _general_scope(discussion_id: int) -> ColumnElement[bool]:
    return and_(col(Post.discussion_id) == discussion_id, col(Post.question_id).is_(None))


async def _posts(
    session: AsyncSession,
    filters: Sequence[ColumnElement[bool]],
    thread_order: Any,
    viewer_id: int | None,
) -> list[PostView]:
    """Load the matching posts with their authors' names, threads in `thread_order`."""
    query = (
        select(
            col(Post.id),
            col(Post.thread_id),
            col(Post.parent_id),
            col(Post.in_reply_to_id),
            col(_AnsweredAuthor.display_name),
            col(Post.depth),
            col(Post.author_id),
            col(User.display_name),
            col(User.organisation),
            col(Post.language),
            col(Post.html),
            col(Post.status),
            col(Post.created_at),
            col(Post.edited_at),
            col(Post.question_id),
            col(Post.rejection_section),
            col(Post.rejection_note),
            col(Post.key_quote),
            col(Post.quote_consent),
            col(User.role),
            col(User.state),
            col(Post.pending_html),
            col(Post.pending_language),
        )
        .join(User, col(User.id) == col(Post.author_id))
        .outerjoin(_Answered, col(_Answered.id) == col(Post.in_reply_to_id))
        .outerjoin(_AnsweredAuthor, col(_AnsweredAuthor.id) == col(_Answered.author_id))
        .where(*filters)
        .order_by(thread_order, col(Post.created_at), col(Post.id))
    )
    rows = (await session.execute(query)).all()
    return await _with_tags(session, _named_replies([_view(row, viewer_id) for row in rows]))


def _named_replies(views: list[PostView]) -> list[PostView]:
    """Keep the name of whom a reply answers only where that post is shown too."""
    shown = {view.id for view in views}
    return [v if v.in_reply_to_id in shown else replace(v, in_reply_to_name=None) for v in views]


async def _with_tags(session: AsyncSession, views: list[PostView]) -> list[PostView]:
    """Add each post's tag slugs, in one query for the whole page."""
    tags = await post_tag_slugs(session, [view.id for view in views])
    return [replace(v, tags=tags[v.id]) if v.id in tags else v for v in views]


def _staff_role(role: str, state: str) -> str:
    """Return the role a post's author holds as staff, "" for others (and banned accounts)."""
    return role if is_staff_role(role, state) else ""


def _view(row: Sequence[Any], viewer_id: int | None) -> PostView:
    (id_, thread_id, parent_id, reply_to, reply_name, depth, author_id, *rest) = row
    name, organisation, language, html, status, created_at, edited_at, question_id, *why = rest
    is_own = viewer_id is not None and author_id == viewer_id
    return PostView(
        id=id_,
        thread_id=thread_id,
        parent_id=parent_id,
        in_reply_to_id=reply_to,
        in_reply_to_name=reply_name,
        depth=depth,
        author_id=author_id,
        author_name=name,
        author_organisation=organisation,
        language=language,
        html=html,
        status=status,
        created_at=created_at,
        edited_at=edited_at,
        question_id=question_id,
        is_own=is_own,
        rejection_section=why[0] if status == PostStatus.REJECTED.value else "",
        rejection_note=why[1] if status == PostStatus.REJECTED.value else "",
        key_quote=bool(why[2]),
        quote_consent=why[3],
        author_role=_staff_role(why[4], why[5]),
        pending_html=why[6] if is_own else None,
        pending_language=why[7] if is_own else None,
    )


def _display_order(posts: list[PostView]) -> list[PostView]:
    """Order one thread's posts depth-first; a post whose parent is not shown goes on top."""

    def walk(replies: Sequence[Reply]) -> list[PostView]:
        return [post for reply in replies for post in (reply.post, *walk(reply.replies))]

    return walk(reply_tree(posts))


def _group(posts: list[PostView]) -> list[list[PostView]]:
    """Split posts (sorted by thread) into threads, each in display order."""
    threads: dict[int, list[PostView]] = {}
    for post in posts:
        threads.setdefault(post.thread_id, []).append(post)
    return [_display_order(posts) for posts in threads.values()]


async def _thread_page(
    session: AsyncSession,
    scope: ColumnElement[bool],
    *,
    viewer_id: int | None,
    language: str | None,
    order: str,
    page: int,
    per_page: int,
) -> ThreadPage:
    """Page whole threads of the posts in `scope`: one count, then one query for the posts."""
    order = order if order in ORDERS else ORDERS[0]
    per_page = max(per_page, 1)
    filters = _filters(scope, viewer_id, language)
    published = col(Post.status) == PostStatus.APPROVED.value
    counted = (
        await session.execute(
            select(
                func.count(func.distinct(case((and_(*filters), col(Post.thread_id))))),
                func.count(case((published, 1))),
                func.count(func.distinct(case((published, col(Post.thread_id))))),
            ).where(scope)
        )
    ).one()
    total = counted[0] or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    threads: list[list[PostView]] = []
    if total:
        thread_order = col(Post.thread_id).desc() if order == "newest" else col(Post.thread_id)
        page_ids = (
            select(col(Post.thread_id))
            .where(*filters)
            .distinct()
            .order_by(thread_order)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        in_page = col(Post.thread_id).in_(page_ids)
        threads = _group(await _posts(session, [*filters, in_page], thread_order, viewer_id))
    everyone = Contributions(counted[1] or 0, counted[2] or 0)
    return ThreadPage(threads, page, pages, total, order, language, everyone)


async def question_threads(
    session: AsyncSession,
    *,
    question_id: int,
    viewer_id: int | None,
    language: str | None = None,
    order: str = "oldest",
    page: int = 1,
    per_page: int = 20,
) -> ThreadPage:
    """Return one page of a question's visible threads, `order` being oldest or newest."""
    return await _thread_page(
        session,
        _question_scope(question_id),
        viewer_id=viewer_id,
        language=language,
        order=order,
        page=page,
        per_page=per_page,
    )


async def general_threads(
    session: AsyncSession,
    *,
    discussion_id: int,
    viewer_id: int | None,
    language: str | None = None,
    order: str = "oldest",
    page: int = 1,
    per_page: int = 20,
) -> ThreadPage:
    """Return one page of a discussion's visible general comments (tied to no question)."""
    return await _thread_page(
        session,
        _general_scope(discussion_id),
        viewer_id=viewer_id,
        language=language,
        order=order,
        page=page,
        per_page=per_page,
    )


async def answer_counts(
    session: AsyncSession, *, discussion_id: int
) -> dict[int | None, Contributions]:
    """Count published posts and threads per question (None: general comments); absent: none."""
    rows = await session.execute(
        select(col(Post.question_id), func.count(), func.count(func.distinct(col(Post.thread_id))))
        .where(
            col(Post.discussion_id) == discussion_id,
            col(Post.status) == PostStatus.APPROVED.value,
        )
        .group_by(col(Post.question_id))
    )
    return {question: Contributions(posts, threads) for question, posts, threads in rows.all()}


async def find_post(
    session: AsyncSession, *, discussion_slug: str, post_id: int, viewer_id: int | None
) -> Permalink:
    """Find a post visible to the viewer, with its thread; raise NotFound otherwise."""
    located = (
        await session.execute(
            select(
                col(Post.thread_id),
                col(Post.question_id),
                col(Post.discussion_id),
                col(Question.number),
            )
            .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
            .outerjoin(Question, col(Question.id) == col(Post.question_id))
            .where(
                col(Post.id) == post_id,
                col(Discussion.slug) == discussion_slug,
                _visible(viewer_id),
            )
        )
    ).first()
    if located is None:
        raise NotFound(f"{discussion_slug}/posts/{post_id}")
    thread_id, question_id, discussion_id, number = located
    scope = _general_scope(discussion_id) if question_id is None else _question_scope(question_id)
    filters = _filters(scope, viewer_id, None)
    in_thread = col(Post.thread_id) == thread_id
    thread = _display_order(
        await _posts(session, [*filters, in_thread], col(Post.thread_id), viewer_id)
    )
    before = await session.scalar(
        select(func.count(func.distinct(col(Post.thread_id)))).where(
            *filters, col(Post.thread_id) < thread_id
        )
    )
    post = next(view for view in thread if view.id == post_id)
    return Permalink(post, thread, number, (before or 0) // PERMALINK_PER_PAGE + 1)
