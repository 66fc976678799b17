"""SQLModel tables, one module per domain; importing this registers them all."""

import forum.models.base  # noqa: F401  (naming convention first)
from forum.models.analysis import Theme
from forum.models.counters import ChangeCounter
from forum.models.discussions import (
    Discussion,
    DiscussionChange,
    DiscussionModerator,
    DiscussionOrganiser,
    DiscussionTranslation,
    Document,
    LiveSession,
    LiveSessionTranslation,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
)
from forum.models.jobs import ScheduledJob
from forum.models.mail import OutboxMessage
from forum.models.moderation import ModerationAction, PostTag, Report
from forum.models.newsletter import DigestRun, SubscribedDiscussion, Subscriber, WeeklySummary
from forum.models.posts import Post, PostRevision
from forum.models.ratelimits import RateLimitCounter
from forum.models.synthesis import Synthesis, SynthesisEvent, SynthesisText
from forum.models.tags import DiscussionTag, Tag, TagTranslation
from forum.models.users import AccountToken, User, UserSession

__all__ = [
    "AccountToken",
    "ChangeCounter",
    "ModerationAction",
    "OutboxMessage",
    "DigestRun",
    "SubscribedDiscussion",
    "Subscriber",
    "WeeklySummary",
    "PostTag",
    "Report",
    "Post",
    "PostRevision",
    "RateLimitCounter",
    "ScheduledJob",
    "Synthesis",
    "SynthesisEvent",
    "SynthesisText",
    "UserSession",
    "Discussion",
    "DiscussionChange",
    "DiscussionModerator",
    "DiscussionOrganiser",
    "LiveSession",
    "LiveSessionTranslation",
    "DiscussionTag",
    "DiscussionTranslation",
    "Document",
    "Question",
    "QuestionSet",
    "QuestionSetTranslation",
    "QuestionTranslation",
    "Tag",
    "TagTranslation",
    "Theme",
    "User",
]
