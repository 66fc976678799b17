"""Moderating posts: approve, reject, hide, restore, tag and mark key quotes, each logged once."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.contributions.edits import has_pending_edit, publish_edit, refuse_edit
from forum.contributions.notifications import notify_reply
from forum.core.content import bump_content_version
from forum.core.errors import N_, Conflict, Invalid, NotFound
from forum.core.permissions import check_moderates
from forum.discussions.listing import discussion_title
from forum.guidelines.text import Guidelines, Section
from forum.mail.compose import Postman
from forum.models import (
    Discussion,
    DiscussionTag,
    Post,
    PostTag,
    Tag,
    User,
)
from forum.models.types import ModerationVerb, PostStatus, QuoteConsent
from forum.moderation.actions import (
    clean_note,
    current_moderator,
    log_action,
    moderated_discussions,
)

UNKNOWN_TAG = N_("Choose tags from this discussion's list.")
UNKNOWN_SECTION = N_("Choose the section of the guidelines the post does not follow.")
ALREADY_QUOTED = N_("This post is already marked as a key quote.")
NOT_QUOTED = N_("This post is not marked as a key quote.")
NO_QUOTING = N_("Its author did not agree to this post being quoted.")
# Why a post could not be changed, by the status another moderator (or its author) left it in.
STATUS_CONFLICTS = {
    PostStatus.PENDING.value: N_("This post is waiting for a moderator."),
    PostStatus.APPROVED.value: N_("This post has already been approved."),
    PostStatus.REJECTED.value: N_("This post was rejected in the meantime."),
    PostStatus.HIDDEN.value: N_("This post is hidden."),
}


@dataclass(frozen=True)
class _Target:
    """A post a moderator may act on, with the moderator's and the discussion's rows."""

    actor: User
    post: Post
    discussion: Discussion


async def _moderated_post(
    session: AsyncSession, actor: User, post_id: int, now: datetime
) -> _Target:
    """Load a post the actor moderates; raise PermissionDenied or NotFound."""
    moderator = await current_moderator(session, actor, now)
    post = await session.get(Post, post_id)
    if post is None:
        raise NotFound(str(post_id))
    assert moderator.id is not None
    moderated = await moderated_discussions(session, user_id=moderator.id)
    check_moderates(moderator, post.discussion_id, moderated)
    discussion = await session.get(Discussion, post.discussion_id)
    assert discussion is not None  # the foreign key guarantees it
    return _Target(moderator, post, discussion)


async def _claim(
    session: AsyncSession,
    post: Post,
    allowed: Collection[PostStatus],
    values: dict[str, Any],
    *also: ColumnElement[bool],
) -> bool:
    """Write `values` only if the post is still in an `allowed` status; say whether it was.

    The condition sits in the UPDATE itself, so of two moderators acting at once only one
    changes the row: PostgreSQL makes the second wait for the first to commit, then finds
    nothing left to change; SQLite runs write transactions (BEGIN IMMEDIATE) one at a time.
    The post is read again either way, to show what it is now.
    """
    statement = (
        update(Post)
        .where(col(Post.id) == post.id, col(Post.status).in_([s.value for s in allowed]), *also)
        .values(values or {"status": col(Post.status)})  # no values: just lock the row
        .execution_options(synchronize_session=False)
    )
    result = cast("CursorResult[Any]", await session.execute(statement))
    await session.refresh(post)
    return result.rowcount == 1


def _status_conflict(post: Post) -> Conflict:
    return Conflict(STATUS_CONFLICTS.get(post.status, Conflict.message))


async def _discussion_tag_ids(
    session: AsyncSession, discussion_id: int, slugs: Sequence[str]
) -> dict[str, int]:
    """Return the ids of `slugs`, in order; raise Invalid (field "tags") for another's tags."""
    wanted = list(dict.fromkeys(slug.strip() for slug in slugs if slug.strip()))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Tag.slug, Tag.id)
        .join(DiscussionTag, col(DiscussionTag.tag_id) == col(Tag.id))
        .where(DiscussionTag.discussion_id == discussion_id, col(Tag.slug).in_(wanted))
    )
    found = {slug: tag_id for slug, tag_id in rows if tag_id is not None}
    if len(found) != len(wanted):
        raise Invalid(UNKNOWN_TAG, field="tags")
    return {slug: found[slug] for slug in wanted}


async def _replace_tags(session: AsyncSession, post: Post, tag_ids: Collection[int]) -> None:
    assert post.id is not None
    await session.execute(delete(PostTag).where(col(PostTag.post_id) == post.id))
    session.add_all(PostTag(post_id=post.id, tag_id=tag_id) for tag_id in tag_ids)
    await session.flush()


def _section_for(
    postman: Postman, language: str, books: Mapping[str, Guidelines], section_id: str
) -> Section | None:
    """Return a guidelines section as a reader of `language` gets it by mail."""
    chosen = postman.language_for(language)
    book = books.get(chosen) or books.get(postman.default_language)
    return (book or next(iter(books.values()))).section(section_id)


async def _mail_author(
    session: AsyncSession,
    postman: Postman,
    target: _Target,
    template: str,
    now: datetime,
    cited: tuple[Mapping[str, Guidelines], str] | None = None,
    **context: Any,
) -> None:
    """Mail the post's author, in their language, about what a moderator did to it.

    `cited` (the guidelines by language, a section id) puts that section, as the author
    reads it, in the mail's context as `section`.
    """
    author = await session.get(User, target.post.author_id)
    assert author is not None  # the foreign key guarantees it
    if not author.notify_moderation:
        return
    if cited is not None:
        context["section"] = _section_for(postman, author.preferred_language, *cited)
    await postman.post(
        session,
        to_address=author.email,
        to_name=author.display_name,
        language=author.preferred_language,
        template=template,
        context={
            "name": author.display_name,
            "title": await discussion_title(
                session, discussion=target.discussion, language=author.preferred_language
            ),
            "slug": target.discussion.slug,
            "post_id": target.post.id,
            **context,
        },
        now=now,
    )


async def approve_post(
    session: AsyncSession,
    *,
    actor: User,
    post_id: int,
    tag_slugs: Sequence[str] | None,
    postman: Postman,
    now: datetime,
) -> Post:
    """Publish a pending post filed under the discussion's tags given, and tell its author.

    `tag_slugs` None keeps the topics the post has (an edited post keeps those it was
    approved with). Raise PermissionDenied, NotFound, Invalid (field "tags") or Conflict.
    """
    target = await _moderated_post(session, actor, post_id, now)
    tags = None
    if tag_slugs is not None:
        tags = await _discussion_tag_ids(session, target.post.discussion_id, tag_slugs)
    approved = {"status": PostStatus.APPROVED.value, "approved_at": now}
    if has_pending_edit(target.post):  # an edit of a published post: its new text shows now
        claimed = await publish_edit(session, target.post, now)
    else:
        claimed = await _claim(session, target.post, [PostStatus.PENDING], approved)
    if not claimed:
        raise _status_conflict(target.post)
    if tags is not None:
        await _replace_tags(session, target.post, tags.values())
    note = ", ".join(tags or ())
    log_action(
        session,
        actor=target.actor,
        verb=ModerationVerb.APPROVE,
        post=target.post,
        note=note,
        now=now,
    )
    await bump_content_version(session, discussion_id=target.discussion.id or 0)
    await _mail_author(session, postman, target, "post_approved", now)
    await notify_reply(session, reply=target.post, postman=postman, now=now)
    await session.flush()
    return target.post


async def reject_post(
    session: AsyncSession,
    *,
    actor: User,
    post_id: int,
    section: str,
    note: str,
    guidelines: Mapping[str, Guidelines],
    postman: Postman,
    now: datetime,
) -> Post:
    """Refuse a pending post citing a section of the `guidelines` (by language); tell its
    author why, the section numbered and titled in their language. Raise PermissionDenied,
    NotFound, Invalid (field "section" or "note") or Conflict.
    """
    target = await _moderated_post(session, actor, post_id, now)
    if not section or any(book.section(section) is None for book in guidelines.values()):
        raise Invalid(UNKNOWN_SECTION, field="section")
    text = clean_note(note)
    rejected = {
        "status": PostStatus.REJECTED.value,
        "rejection_section": section,
        "rejection_note": text,
    }
    if has_pending_edit(target.post):  # an edit of a published post: the published text stays
        claimed = await refuse_edit(session, target.post, section=section, note=text, now=now)
    else:
        claimed = await _claim(session, target.post, [PostStatus.PENDING], rejected)
    if not claimed:
        raise _status_conflict(target.post)
    log_action(
        session,
        actor=target.actor,
        verb=ModerationVerb.REJECT,
        post=target.post,
        section=section,
        note=text,
        now=now,
    )
    await _mail_author(
        session, postman, target, "post_rejected", now, cited=(guidelines, section), note=text
    )
    await session.flush()
    return target.post


async def _switch(
    session: AsyncSession,
    target: _Target,
    from_status: PostStatus,
    to_status: PostStatus,
    verb: ModerationVerb,
    note: str,
    now: datetime,
) -> Post:
    """Move a published post between approved and hidden; raise Conflict if it moved already."""
    text = clean_note(note)
    if not await _claim(session, target.post, [from_status], {"status": to_status.value}):
        raise _status_conflict(target.post)
    log_action(session, actor=target.actor, verb=verb, post=target.post, note=text, now=now)
    await bump_content_version(session, discussion_id=target.discussion.id or 0)
    await session.flush()
    return target.post


async def hide_post(
    session: AsyncSession, *, actor: User, post_id: int, note: str = "", now: datetime
) -> Post:
    """Take an approved post off the pages; raise PermissionDenied, NotFound, Invalid, Conflict."""
    target = await _moderated_post(session, actor, post_id, now)
    return await _switch(
        session, target, PostStatus.APPROVED, PostStatus.HIDDEN, ModerationVerb.HIDE, note, now
    )


async def restore_post(
    session: AsyncSession, *, actor: User, post_id: int, note: str = "", now: datetime
) -> Post:
    """Show a hidden post again; raise PermissionDenied, NotFound, Invalid or Conflict."""
    target = await _moderated_post(session, actor, post_id, now)
    return await _switch(
        session, target, PostStatus.HIDDEN, PostStatus.APPROVED, ModerationVerb.RESTORE, note, now
    )


async def set_post_tags(
    session: AsyncSession, *, actor: User, post_id: int, tag_slugs: Sequence[str], now: datetime
) -> Post:
    """Replace the tags of a pending or approved post with some of its discussion's tags.

    Raise PermissionDenied, NotFound, Invalid (field "tags") or Conflict.
    """
    target = await _moderated_post(session, actor, post_id, now)
    tags = await _discussion_tag_ids(session, target.post.discussion_id, tag_slugs)
    if not await _claim(session, target.post, [PostStatus.PENDING, PostStatus.APPROVED], {}):
        raise _status_conflict(target.post)
    await _replace_tags(session, target.post, tags.values())
    note = ", ".join(tags)
    log_action(
        session, actor=target.actor, verb=ModerationVerb.TAG, post=target.post, note=note, now=now
    )
    if target.post.status == PostStatus.APPROVED:
        await bump_content_version(session, discussion_id=target.discussion.id or 0)
    await session.flush()
    return target.post


async def mark_key_quote(
    session: AsyncSession, *, actor: User, post_id: int, quoted: bool, now: datetime
) -> Post:
    """Mark an approved post as a key quote for the synthesis, or unmark it.

    Raise PermissionDenied, NotFound, or Conflict (not approved, already so marked, or its
    author refused to be quoted: the consent is checked in the same UPDATE).
    """
    target = await _moderated_post(session, actor, post_id, now)
    changes = [col(Post.key_quote) != quoted]
    if quoted:
        changes.append(col(Post.quote_consent) != QuoteConsent.NOT_AT_ALL.value)
    if not await _claim(
        session, target.post, [PostStatus.APPROVED], {"key_quote": quoted}, *changes
    ):
        if target.post.status != PostStatus.APPROVED:
            raise _status_conflict(target.post)
        if quoted and target.post.quote_consent == QuoteConsent.NOT_AT_ALL:
            raise Conflict(NO_QUOTING)
        raise Conflict(ALREADY_QUOTED if quoted else NOT_QUOTED)
    verb = ModerationVerb.KEY_QUOTE if quoted else ModerationVerb.UNQUOTE
    log_action(session, actor=target.actor, verb=verb, post=target.post, now=now)
    await bump_content_version(session, discussion_id=target.discussion.id or 0)
    await session.flush()
    return target.post
