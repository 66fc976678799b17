"""Deleting an account: the person goes; what others read may stay, by "a former participant".

The `users` row is kept but emptied into the reserved state `deleted`: e-mail replaced by an
address nobody can have, no name, organisation, country, password or consent. The rows that
must keep pointing at somebody (posts kept, the moderation log, reports, synthesis and
studio history, weekly summaries) keep its id, and every page shows an empty name as "a
former participant" (a former moderator in the log). What is the person's alone goes:
sessions, e-mail tokens, newsletter subscriptions, outgoing mail, moderator and organiser
assignments. Each table, and what happens to it:

- posts: kept as they are (with the consent given for quoting), or removed: deleted with
  their revisions, tags, reports and search rows; a post somebody else replied to stays in
  its thread as an empty hidden post, so that the replies keep their place.
- post_revisions, post_tags, reports on removed posts, post_search: go with the posts.
- moderation_actions: kept; actor and subject are the emptied row; a deleted post's id is
  cleared (the action stays).
- reports the person made, discussion_changes, synthesis rows, weekly_summaries: kept.
- user_sessions, account_tokens, subscribers (+ subscribed_discussions), outbox_messages to
  the address, discussion_moderators, discussion_organisers: deleted.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from forum.accounts.passwords import verify_password
from forum.core.content import bump_content_version
from forum.core.errors import N_, FormInvalid, NotFound
from forum.models import (
    AccountToken,
    DiscussionModerator,
    DiscussionOrganiser,
    ModerationAction,
    OutboxMessage,
    Post,
    PostRevision,
    PostTag,
    Report,
    SubscribedDiscussion,
    Subscriber,
    User,
    UserSession,
)
from forum.models.types import PostStatus, QuoteConsent, Role, StakeholderGroup, UserState
from forum.search.indexing import unindex_posts

WRONG_PASSWORD = N_("This is not your current password. Nothing was deleted.")
CHOOSE_POSTS = N_("Choose whether your contributions stay or are removed.")


def former_address(user_id: int) -> str:
    """An address no one can register (no dot in its domain), unique per emptied account."""
    return f"former-{user_id}@invalid"


async def _remove_posts(session: AsyncSession, user_id: int) -> set[int]:
    """Remove the person's posts; return the discussions whose pages change."""
    own = (
        await session.execute(
            select(
                col(Post.id), col(Post.parent_id), col(Post.in_reply_to_id), col(Post.discussion_id)
            ).where(col(Post.author_id) == user_id)
        )
    ).all()
    if not own:
        return set()
    mine: set[int] = {row[0] for row in own if row[0] is not None}
    up: dict[int, set[int]] = {
        row[0]: {above for above in (row[1], row[2]) if above is not None}
        for row in own
        if row[0] is not None
    }
    # Posts of theirs that somebody else's post hangs from, and every one above those.
    referenced = (
        await session.execute(
            select(col(Post.parent_id), col(Post.in_reply_to_id)).where(
                col(Post.author_id) != user_id,
                or_(col(Post.parent_id).in_(mine), col(Post.in_reply_to_id).in_(mine)),
            )
        )
    ).all()
    kept: set[int] = {post for row in referenced for post in row if post in mine}
    waiting = list(kept)
    while waiting:
        for above in up[waiting.pop()]:
            if above in mine and above not in kept:
                kept.add(above)
                waiting.append(above)
    gone = mine - kept
    everything = sorted(mine)
    await session.execute(delete(PostRevision).where(col(PostRevision.post_id).in_(everything)))
    await session.execute(delete(PostTag).where(col(PostTag.post_id).in_(everything)))
    await session.execute(delete(Report).where(col(Report.post_id).in_(everything)))
    await unindex_posts(session, everything)
    if kept:
        await session.execute(
            update(Post)
            .where(col(Post.id).in_(sorted(kept)))
            .values(
                source="",
                html="",
                status=PostStatus.HIDDEN.value,
                quote_consent=QuoteConsent.NOT_AT_ALL.value,
                key_quote=False,
                held_for="",
                rejection_note="",
                pending_source=None,
                pending_html=None,
                pending_language=None,
                pending_at=None,
            )
        )
    if gone:
        ids = sorted(gone)
        await session.execute(
            update(ModerationAction)
            .where(col(ModerationAction.post_id).in_(ids))
            .values(post_id=None)
        )
        await session.execute(delete(Post).where(col(Post.id).in_(ids)))
    return {int(row[3]) for row in own}


async def delete_account(
    session: AsyncSession, *, user_id: int, password: str, keep_posts: bool | None
) -> set[int]:
    """Delete an account after checking its password; FormInvalid (422) changes nothing.

    Return the discussions whose pages changed (the caller renders their published syntheses
    again, so that no quotation names the person any more).
    """
    user = await session.get(User, user_id)
    if user is None or user.state == UserState.DELETED:
        raise NotFound(str(user_id))
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, password):
        errors["current_password"] = WRONG_PASSWORD
    if keep_posts is None:
        errors["posts"] = CHOOSE_POSTS
    if errors:
        raise FormInvalid(errors)
    email = user.email
    if keep_posts:
        rows = await session.scalars(
            select(col(Post.discussion_id)).where(col(Post.author_id) == user_id).distinct()
        )
        changed = set(rows)
    else:
        changed = await _remove_posts(session, user_id)
    await session.execute(delete(UserSession).where(col(UserSession.user_id) == user_id))
    await session.execute(delete(AccountToken).where(col(AccountToken.user_id) == user_id))
    subscribers = select(col(Subscriber.id)).where(
        or_(col(Subscriber.user_id) == user_id, col(Subscriber.email) == email)
    )
    await session.execute(
        delete(SubscribedDiscussion).where(col(SubscribedDiscussion.subscriber_id).in_(subscribers))
    )
    await session.execute(
        delete(Subscriber).where(
            or_(col(Subscriber.user_id) == user_id, col(Subscriber.email) == email)
        )
    )
    await session.execute(delete(OutboxMessage).where(col(OutboxMessage.to_address) == email))
    await session.execute(
        delete(DiscussionModerator).where(col(DiscussionModerator.user_id) == user_id)
    )
    await session.execute(
        delete(DiscussionOrganiser).where(col(DiscussionOrganiser.user_id) == user_id)
    )
    user.email = former_address(user_id)
    user.display_name = ""
    user.organisation = ""
    user.country = ""
    if not keep_posts:
        user.stakeholder_group = StakeholderGroup.OTHER.value
    user.role = Role.CONTRIBUTOR.value
    user.state = UserState.DELETED.value
    user.suspended_until = None
    user.trusted = False
    user.password_hash = ""
    user.quote_consent = None
    user.notify_replies = False
    user.notify_moderation = False
    user.email_confirmed_at = None
    await session.flush()
    for discussion_id in sorted(changed):
        await bump_content_version(session, discussion_id=discussion_id)
    return changed
