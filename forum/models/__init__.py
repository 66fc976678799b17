"""SQLModel tables, one module per domain; importing this registers them all."""

import forum.models.base  # noqa: F401  (naming convention first)
from forum.models.discussions import (
    Discussion,
    DiscussionModerator,
    DiscussionTranslation,
    Document,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
)
from forum.models.tags import DiscussionTag, Tag, TagTranslation
from forum.models.users import User

__all__ = [
    "Discussion",
    "DiscussionModerator",
    "DiscussionTag",
    "DiscussionTranslation",
    "Document",
    "Question",
    "QuestionSet",
    "QuestionSetTranslation",
    "QuestionTranslation",
    "Tag",
    "TagTranslation",
    "User",
]
