"""Writing posts: checking drafts, answering, replying, editing and keeping earlier texts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from forum.contributions.edits import editable_text, hold_edit, keep_text, withdraw_edit
from forum.contributions.language import detect_language
from forum.contributions.placing import MAX_DEPTH as MAX_DEPTH
from forum.contributions.placing import (
    Place,
    PostRefused,
    check_open,
    open_discussion,
    place_reply,
    place_root,
    read_target,
)
from forum.contributions.rows import insert_post, remember_consent
from forum.core import ratelimit
from forum.core.content import bump_content_version
from forum.core.errors import N_, FormInvalid, NotFound, PermissionDenied
from forum.core.permissions import check_can_contribute, is_staff
from forum.core.text import MULTILINE, render_markdown, unshowable
from forum.guidelines.rules import Finding, RuleBook
from forum.guidelines.screening import screen_post
from forum.models import Discussion, Post, User
from forum.models.types import ModerationMode, PostStatus, QuoteConsent
from forum.search.indexing import index_post

PREVIEW_LIMIT = (30, timedelta(minutes=10))  # previews per person: one every 20 s on average

NOT_EDITABLE = N_("This post can no longer be edited.")
NOT_YOURS = N_("You can only edit your own posts.")

_CONSENTS = frozenset(consent.value for consent in QuoteConsent)
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


@dataclass(frozen=True)
class PostLimits:
    """How long a post may be, counted in characters of its stripped text."""

    min_chars: int = 2
    max_chars: int = 10_000


@dataclass(frozen=True)
class Draft:
    """What the author typed: the text, a language ("" to detect it) and a QuoteConsent value."""

    source: str
    language: str
    quote_consent: str


@dataclass(frozen=True)
class Preview:
    """A draft as it would be published."""

    html: str
    language: str


def _source_problem(source: str, limits: PostLimits) -> str | None:
    length = len(source.strip())
    if length == 0:
        return N_("Write something before sending.")
    if unshowable(source, allow=MULTILINE):
        return N_("This contains characters that cannot be shown.")
    if length < limits.min_chars:
        return N_("This is too short to publish.")
    if length > limits.max_chars:
        return N_("This is too long: please shorten it.")
    return None


def draft_errors(draft: Draft, *, languages: Sequence[str], limits: PostLimits) -> dict[str, str]:
    """Check a draft; return a message per refused field ("source", "language", ...)."""
    errors: dict[str, str] = {}
    problem = _source_problem(draft.source, limits)
    if problem:
        errors["source"] = problem
    if draft.language and draft.language not in languages:
        errors["language"] = N_("Choose a language from the list.")
    if draft.quote_consent not in _CONSENTS:
        errors["quote_consent"] = N_("Choose whether we may quote you.")
    return errors


def clean_source(source: str) -> str:
    """Return the text as stored: plain line breaks, no blank lines around it."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    return _LEADING_BLANK_LINES.sub("", text).rstrip()


def _check_draft(draft: Draft, languages: Sequence[str], limits: PostLimits) -> str:
    errors = draft_errors(draft, languages=languages, limits=limits)
    if errors:
        raise FormInvalid(errors)
    return clean_source(draft.source)


def preview_draft(
    draft: Draft, *, languages: Sequence[str], fallback: str, limits: PostLimits
) -> Preview:
    """Render a draft exactly as it would be published; raise FormInvalid if it would not be."""
    source = _check_draft(draft, languages, limits)
    language = draft.language or detect_language(source, languages) or fallback
    return Preview(html=render_markdown(source), language=language)


async def count_preview(session: AsyncSession, *, author: User, now: datetime) -> None:
    """Count one preview against the author's limit (it costs as much as a post); raise past it."""
    most, window = PREVIEW_LIMIT
    await ratelimit.enforce(
        session, key=f"preview:user:{author.id}", limit=most, window=window, now=now
    )


def _privileged(user: User) -> bool:
    return user.trusted or is_staff(user)


async def _contributor(session: AsyncSession, person: User, now: datetime) -> User:
    """Return the person's row in this session, checked as able to take part now."""
    check_can_contribute(person, now)
    user = await session.get(User, person.id) if person.id is not None else None
    if user is None:
        raise PermissionDenied()
    return check_can_contribute(user, now)


def _post_language(draft: Draft, source: str, discussion: Discussion, author: User) -> str:
    languages = discussion.language_list
    if draft.language:
        return draft.language
    detected = detect_language(source, languages)
    if detected:
        return detected
    return author.preferred_language if author.preferred_language in languages else languages[0]


def _new_post(
    discussion: Discussion, author: User, place: Place, draft: Draft, source: str, now: datetime
) -> Post:
    """Build a post, approved at once unless it must wait for pre-moderation."""
    approved = discussion.moderation_mode == ModerationMode.POST or _privileged(author)
    assert discussion.id is not None and author.id is not None
    return Post(
        discussion_id=discussion.id,
        question_id=place.question_id,
        parent_id=place.parent_id,
        in_reply_to_id=place.in_reply_to_id,
        thread_id=place.thread_id or 0,
        depth=place.depth,
        author_id=author.id,
        language=_post_language(draft, source, discussion, author),
        source=source,
        html=render_markdown(source),
        status=(PostStatus.APPROVED if approved else PostStatus.PENDING).value,
        quote_consent=draft.quote_consent,
        created_at=now,
        approved_at=now if approved else None,
    )


def _apply_holds(post: Post, held: list[Finding], author: User) -> None:
    """Keep a post that tripped a holding rule for a moderator (moderators' own excepted)."""
    if held and not is_staff(author):
        post.status = PostStatus.PENDING.value
        post.approved_at = None
    post.held_for = ",".join(finding.rule_id for finding in held)[:200]


@dataclass(frozen=True)
class Written:
    """A new post and what was read to write it, for the mail that may follow."""

    post: Post
    discussion: Discussion
    author: User  # as the request read them: not attached to the session
    parent: Post | None  # the post replied to


async def write_post(
    session: AsyncSession,
    *,
    author: User,
    discussion_slug: str,
    question_number: int | None,
    parent_id: int | None,
    draft: Draft,
    limits: PostLimits,
    now: datetime,
    rules: RuleBook | None = None,
) -> Written:
    """Write an answer, a general comment or a reply; refuse before writing anything.

    A reply takes its parent's question: `question_number` is ignored when `parent_id` is given.
    `author` is the person as the request read them (the session lookup's row): they are
    checked as able to take part now, and not read again.
    """
    user = check_can_contribute(author, now)
    if user.id is None:
        raise PermissionDenied()
    target = await read_target(
        session, slug=discussion_slug, question_number=question_number, parent_id=parent_id
    )
    discussion = open_discussion(target, discussion_slug, now)
    source = _check_draft(draft, discussion.language_list, limits)
    if parent_id is not None:
        place = place_reply(target, discussion, parent_id, now)
    else:
        place = place_root(target, discussion, question_number, now)
    post = _new_post(discussion, user, place, draft, source, now)
    held = await screen_post(
        session, rules=rules, author=user, text=source, language=post.language, now=now
    )
    _apply_holds(post, held, user)
    await insert_post(session, post, starts_thread=place.thread_id is None)
    await remember_consent(session, user, draft.quote_consent)
    await index_post(session, post)
    if post.status == PostStatus.APPROVED:
        await bump_content_version(session, discussion_id=discussion.id or 0)
    return Written(post, discussion, user, target.parent)


async def create_post(
    session: AsyncSession,
    *,
    author: User,
    discussion_slug: str,
    question_number: int | None,
    parent_id: int | None,
    draft: Draft,
    limits: PostLimits,
    now: datetime,
    rules: RuleBook | None = None,
) -> Post:
    """Write a post as `write_post` does and return it."""
    written = await write_post(
        session,
        author=author,
        discussion_slug=discussion_slug,
        question_number=question_number,
        parent_id=parent_id,
        draft=draft,
        limits=limits,
        now=now,
        rules=rules,
    )
    return written.post


async def _own_post(session: AsyncSession, editor: User, post_id: int) -> Post:
    post = await session.get(Post, post_id)
    if post is None:
        raise NotFound(str(post_id))
    if editor.id is None or post.author_id != editor.id:
        raise PermissionDenied(NOT_YOURS)
    return post


async def post_for_editing(session: AsyncSession, *, editor: User, post_id: int) -> Post:
    """Return the editor's own post for the edit form; raise PermissionDenied for others'."""
    post = await _own_post(session, editor, post_id)
    if post.status == PostStatus.HIDDEN:
        raise PostRefused(NOT_EDITABLE)
    return post


def _edit_waits(discussion: Discussion, editor: User, remoderate: bool, held: bool) -> bool:
    """Say whether an edit of a published post waits for a moderator before readers see it."""
    if held and not is_staff(editor):
        return True
    return (
        remoderate and discussion.moderation_mode == ModerationMode.PRE and not _privileged(editor)
    )


async def _replace_text(
    session: AsyncSession,
    post: Post,
    editor: User,
    text: tuple[str, str],
    held: list[Finding],
    now: datetime,
) -> None:
    """Put the new text in place at once; a rejected post goes back to the moderators."""
    await withdraw_edit(session, post, now)  # an edit waiting is superseded, and kept
    await keep_text(session, post, now)
    if post.status == PostStatus.REJECTED:
        post.status, post.approved_at = PostStatus.PENDING.value, None
    post.source, post.language = text
    post.html, post.edited_at = render_markdown(post.source), now
    _apply_holds(post, held, editor)


async def edit_post(
    session: AsyncSession,
    *,
    editor: User,
    post_id: int,
    draft: Draft,
    limits: PostLimits,
    now: datetime,
    remoderate_edits: bool = True,
    rules: RuleBook | None = None,
) -> Post:
    """Replace the text of the editor's own post, keeping the one replaced as a revision.

    An edit of a published post that a moderator must read first waits beside the published
    text, which readers keep seeing. Sending the same text again changes only the consent.
    """
    post = await _own_post(session, editor, post_id)
    user = await _contributor(session, editor, now)
    discussion = await session.get(Discussion, post.discussion_id)
    assert discussion is not None  # the foreign key guarantees it
    check_open(discussion, now)
    if post.status == PostStatus.HIDDEN:
        raise PostRefused(NOT_EDITABLE)
    source = _check_draft(draft, discussion.language_list, limits)
    current = editable_text(post)
    language = draft.language or detect_language(source, discussion.language_list) or current[1]
    held = await screen_post(
        session, rules=rules, author=user, text=source, language=language, now=now, editing=post.id
    )
    post.quote_consent = user.quote_consent = draft.quote_consent
    if post.key_quote and draft.quote_consent == QuoteConsent.NOT_AT_ALL:
        post.key_quote = False  # the author took back their consent: no quote, no badge
        await bump_content_version(session, discussion_id=post.discussion_id)
    published = post.status == PostStatus.APPROVED
    if (source, language) == (post.source, post.language):
        await withdraw_edit(session, post, now)  # back to the text shown: nothing waits
    elif (source, language) == current:
        pass  # the same edit again: it goes on waiting
    elif published and _edit_waits(discussion, user, remoderate_edits, bool(held)):
        await hold_edit(session, post, source=source, language=language, held=held, now=now)
    else:
        await _replace_text(session, post, user, (source, language), held, now)
        await index_post(session, post)
        if published or post.status == PostStatus.APPROVED:
            await bump_content_version(session, discussion_id=discussion.id or 0)
    await session.flush()
    return post
