"""Contributions: answers to questions, general comments, replies, and their revisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ColumnElement, Index, String, Text, or_
from sqlmodel import Field, SQLModel, col

from forum.models.types import PostStatus, UTCDateTime


class Post(SQLModel, table=True):
    __tablename__ = "posts"
    __table_args__ = (
        # The question page reads approved threads in order: one index serves it.
        Index("ix_posts_question_page", "question_id", "status", "thread_id"),
        # Answer counts and general comments read this index alone, without the rows.
        Index("ix_posts_discussion_listing", "discussion_id", "status", "question_id", "thread_id"),
        # Exports read a discussion's posts by id, a batch at a time (WHERE id > :last).
        Index("ix_posts_discussion_export", "discussion_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", ondelete="CASCADE")
    question_id: int | None = Field(default=None, foreign_key="questions.id", ondelete="CASCADE")
    # Where the post sits in the tree (replies nest at most MAX_DEPTH deep) ...
    parent_id: int | None = Field(default=None, foreign_key="posts.id", index=True)
    # ... and the post its author answered, which differs once the depth is capped.
    in_reply_to_id: int | None = Field(default=None, foreign_key="posts.id")
    thread_id: int = Field(default=0)  # id of the root post; a root's is its own id
    depth: int = Field(default=0)
    author_id: int = Field(foreign_key="users.id", index=True)
    language: str = Field(max_length=5)
    source: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    quote_consent: str = Field(sa_column=Column(String(16), nullable=False))
    # Ids of the guideline rules that held this post for a moderator, comma-separated.
    held_for: str = Field(default="", max_length=200)
    key_quote: bool = Field(default=False)  # marked by a moderator for the synthesis
    # Why a moderator rejected it: the guidelines section and their note to the author.
    rejection_section: str = Field(default="", max_length=40)
    rejection_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    edited_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # An edit of a published post waiting for a moderator: until it is approved, readers keep
    # the text above (and the post keeps its place in its thread); none when nothing waits.
    pending_source: str | None = Field(default=None, sa_column=Column(Text))
    pending_html: str | None = Field(default=None, sa_column=Column(Text))
    pending_language: str | None = Field(default=None, max_length=5)
    pending_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class PostRevision(SQLModel, table=True):
    """An earlier text of a post, kept when another replaces it (an edit waiting included)."""

    __tablename__ = "post_revisions"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True, ondelete="CASCADE")
    number: int  # 1 is the text as first posted
    language: str = Field(max_length=5)
    source: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    written_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    replaced_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def seen_only_by_author() -> ColumnElement[bool]:
    """A post its author sees otherwise than readers do: awaiting moderation, not published,
    or with an edit waiting. Pages of threads shared by everyone leave these out."""
    return or_(
        col(Post.status).in_([PostStatus.PENDING.value, PostStatus.REJECTED.value]),
        col(Post.pending_html).is_not(None),
    )
