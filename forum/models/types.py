"""Column types and enumerations shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC and always hand back aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite has no time zones: keep naive UTC text there so that it sorts correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ModerationMode(StrEnum):
    PRE = "pre"
    POST = "post"


class TagKind(StrEnum):
    TOPIC = "topic"
    SUBJECT = "subject"


class DiscussionStatus(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


class DiscussionState(StrEnum):
    """Where a discussion stands as its organisers see it in the studio."""

    DRAFT = "draft"  # not published: only organisers and admins see it
    SCHEDULED = "scheduled"  # published, or to be, but not open yet
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class ChangeKind(StrEnum):
    """What a studio history entry records."""

    CREATE = "create"
    DUPLICATE = "duplicate"
    IMPORT = "import"
    UPDATE_FROM_FILE = "update_from_file"
    SETTINGS = "settings"
    TEXTS = "texts"  # title, summary, introduction
    PEOPLE = "people"  # moderators and organisers
    WEEK_ADD = "week_add"
    WEEK_EDIT = "week_edit"
    WEEK_REMOVE = "week_remove"
    WEEK_MOVE = "week_move"
    QUESTION_ADD = "question_add"
    QUESTION_EDIT = "question_edit"
    QUESTION_REMOVE = "question_remove"
    QUESTION_MOVE = "question_move"
    TAG_ADD = "tag_add"
    TAG_EDIT = "tag_edit"
    TAG_REMOVE = "tag_remove"
    DOCUMENT_ADD = "document_add"
    DOCUMENT_EDIT = "document_edit"
    DOCUMENT_REMOVE = "document_remove"
    SESSION_ADD = "session_add"
    SESSION_EDIT = "session_edit"
    SESSION_REMOVE = "session_remove"
    PUBLISH = "publish"
    SCHEDULE = "schedule"
    UNPUBLISH = "unpublish"
    CLOSE = "close"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"


class Role(StrEnum):
    CONTRIBUTOR = "contributor"
    MODERATOR = "moderator"
    ADMIN = "admin"


class UserState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"
    DELETED = "deleted"  # the account was deleted; the row stays, emptied, for what others read


class StakeholderGroup(StrEnum):
    GOVERNMENT = "government"
    EMPLOYERS = "employers"
    WORKERS = "workers"
    TRAINING_PROVIDER = "training_provider"
    NGO = "ngo"
    ACADEMIA = "academia"
    INTERNATIONAL = "international"
    INDIVIDUAL = "individual"
    OTHER = "other"


class TokenPurpose(StrEnum):
    CONFIRM = "confirm"
    RESET = "reset"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class PostStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    HIDDEN = "hidden"


class QuoteConsent(StrEnum):
    """May the moderators quote this post in the synthesis, and how."""

    BY_NAME = "by_name"
    ANONYMOUSLY = "anonymously"
    NOT_AT_ALL = "not_at_all"


class ModerationVerb(StrEnum):
    """What a moderation log entry records."""

    APPROVE = "approve"
    REJECT = "reject"
    HIDE = "hide"
    RESTORE = "restore"
    TAG = "tag"
    KEY_QUOTE = "key_quote"
    UNQUOTE = "unquote"
    TRUST = "trust"
    DISTRUST = "distrust"
    SUSPEND = "suspend"
    BAN = "ban"
    REINSTATE = "reinstate"
    AUTO_HIDE = "auto_hide"  # enough readers reported the post
    DISMISS_REPORTS = "dismiss_reports"


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # waiting for the address to be confirmed
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
