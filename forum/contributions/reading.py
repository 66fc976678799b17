"""Whole pages for readers: a discussion with its answer counts, a question with its threads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forum.contributions.placing import ANSWERS_CLOSED, DISCUSSION_CLOSED, NOT_OPEN_YET
from forum.contributions.posting import post_for_editing
from forum.contributions.threads import (
    Contributions,
    PostView,
    ThreadPage,
    answer_counts,
    find_post,
)
from forum.core.errors import PermissionDenied
from forum.core.localize import fallback_order, pick
from forum.core.permissions import SignInRequired, check_can_contribute
from forum.discussions.listing import DiscussionCard
from forum.discussions.pages import (
    DiscussionPage,
    QuestionItem,
    QuestionPage,
    get_discussion_page,
    get_question_page,
)
from forum.models import Post, Question, User, WeeklySummary
from forum.models.posts import seen_only_by_author
from forum.models.types import DiscussionStatus
from forum.moderation.summaries import summaries_for


@dataclass(frozen=True, slots=True)
class Composer:
    """Whether the viewer may write here, and if not, why (a msgid) and whether to sign in.

    `quote_consent` is the writer's own choice on their last post, "" before their first:
    consent to be quoted is asked without a default, and remembered once given.
    """

    allowed: bool
    reason: str | None = None
    sign_in: bool = False
    quote_consent: str = ""


@dataclass(frozen=True, slots=True)
class DiscussionView:
    page: DiscussionPage
    answers: dict[int | None, Contributions]  # by question id; None: general comments
    summaries: dict[int, WeeklySummary]  # question set id -> the moderators' summary shown


@dataclass(frozen=True, slots=True)
class QuestionView:
    page: QuestionPage
    threads: ThreadPage
    composer: Composer
    tag_labels: dict[str, str]


@dataclass(frozen=True, slots=True)
class CommentsView:
    page: DiscussionPage
    threads: ThreadPage
    composer: Composer
    tag_labels: dict[str, str]


def composer_for(
    viewer: User | None, now: datetime, *, open_for_answers: bool, status: DiscussionStatus
) -> Composer:
    """Decide whether to show a form to write, or say why not."""
    if status is DiscussionStatus.UPCOMING:
        return Composer(False, NOT_OPEN_YET)
    if status is DiscussionStatus.CLOSED:
        return Composer(False, DISCUSSION_CLOSED)
    if not open_for_answers:
        return Composer(False, ANSWERS_CLOSED)
    try:
        user = check_can_contribute(viewer, now)
    except SignInRequired as refused:
        return Composer(False, refused.message, sign_in=True)
    except PermissionDenied as refused:
        return Composer(False, refused.message)
    return Composer(True, quote_consent=user.quote_consent or "")


async def discussion_view(
    session: AsyncSession, *, slug: str, language: str, now: datetime, preview: bool = False
) -> DiscussionView:
    """Assemble a discussion page with the published contributions and threads per question.

    A `preview` (the studio's) shows it even unpublished, as readers will see it at `now`.
    """
    page = await get_discussion_page(
        session, slug=slug, language=language, now=now, preview=preview
    )
    answers = await answer_counts(session, discussion_id=page.card.id)
    grouped = await summaries_for(session, discussion_id=page.card.id)
    order = fallback_order(language, page.languages)
    chosen = {week.id: pick(grouped.get(week.id, {}), order) for week in page.weeks}
    return DiscussionView(page, answers, {k: v[0] for k, v in chosen.items() if v is not None})


@dataclass(frozen=True, slots=True)
class QuestionShell:
    """What a question page shows every viewer alike, around its threads."""

    page: QuestionPage
    tag_labels: dict[str, str]


async def question_shell(
    session: AsyncSession, *, slug: str, number: int, language: str, now: datetime
) -> QuestionShell:
    """Load the question, its week, discussion and neighbours, and the topics' labels."""
    question = await get_question_page(
        session, slug=slug, number=number, language=language, now=now
    )
    return QuestionShell(question, {tag.slug: tag.label.text for tag in question.tags})


def question_composer(shell: QuestionShell, viewer: User | None, now: datetime) -> Composer:
    page = shell.page
    return composer_for(
        viewer, now, open_for_answers=page.week.is_open, status=page.discussion.status
    )


async def comments_shell(
    session: AsyncSession, *, slug: str, language: str, now: datetime
) -> DiscussionPage:
    """Load what the general comments' page shows every viewer alike: the discussion."""
    return await get_discussion_page(session, slug=slug, language=language, now=now)


def comments_composer(page: DiscussionPage, viewer: User | None, now: datetime) -> Composer:
    return composer_for(
        viewer, now, open_for_answers=page.general_comments, status=page.card.status
    )


async def has_unshared_posts(
    session: AsyncSession, *, author_id: int, discussion_id: int, question_id: int | None
) -> bool:
    """Say whether a person's posts on a question (None: the general comments) show to them
    otherwise than to everyone: awaiting moderation, not published, or with an edit waiting.

    One statement, through the index on the author.
    """
    found = await session.scalar(
        select(literal(1))
        .where(
            col(Post.author_id) == author_id,
            col(Post.discussion_id) == discussion_id,
            col(Post.question_id) == question_id
            if question_id is not None
            else col(Post.question_id).is_(None),
            seen_only_by_author(),
        )
        .limit(1)
    )
    return found is not None


@dataclass(frozen=True, slots=True)
class ComposeContext:
    """What a page for writing shows around the form: where the words will go."""

    discussion: DiscussionCard
    languages: list[str]
    question: QuestionItem | None
    parent: PostView | None
    composer: Composer
    fallback_language: str
    tag_labels: dict[str, str]


async def compose_context(
    session: AsyncSession,
    *,
    slug: str,
    language: str,
    now: datetime,
    viewer: User | None,
    question_number: int | None = None,
    parent_id: int | None = None,
) -> ComposeContext:
    """Load what surrounds an answer (to a question), a reply (to a post) or a comment."""
    parent = None
    if parent_id is not None:
        found = await find_post(
            session,
            discussion_slug=slug,
            post_id=parent_id,
            viewer_id=viewer.id if viewer else None,
        )
        parent = found.post
        question_number = found.question_number
    if question_number is not None:
        page = await get_question_page(
            session, slug=slug, number=question_number, language=language, now=now
        )
        card, languages, question, tags = page.discussion, page.languages, page.question, page.tags
        open_for_answers = page.week.is_open
    else:
        whole = await get_discussion_page(session, slug=slug, language=language, now=now)
        card, languages, question, tags = whole.card, whole.languages, None, whole.tags
        open_for_answers = whole.general_comments or parent is not None
    composer = composer_for(viewer, now, open_for_answers=open_for_answers, status=card.status)
    preferred = viewer.preferred_language if viewer else language
    fallback = preferred if preferred in languages else languages[0]
    labels = {tag.slug: tag.label.text for tag in tags}
    return ComposeContext(card, languages, question, parent, composer, fallback, labels)


async def edit_context(
    session: AsyncSession,
    *,
    slug: str,
    post_id: int,
    editor: User,
    language: str,
    now: datetime,
) -> tuple[Post, ComposeContext]:
    """Load an author's own post for editing, with what surrounds it."""
    post = await post_for_editing(session, editor=editor, post_id=post_id)
    number = None
    if post.question_id is not None:
        question = await session.get(Question, post.question_id)
        number = question.number if question else None
    context = await compose_context(
        session, slug=slug, language=language, now=now, viewer=editor, question_number=number
    )
    return post, context
