"""SQLModel tables, one module per domain; importing this registers them all."""

from sqlmodel import SQLModel

# Stable constraint names, so that migrations can name what they alter on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# isort: split

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
