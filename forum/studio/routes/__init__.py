"""The studio's pages: a discussion set up, scheduled and corrected from the browser."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from forum.studio.routes import discussions, documents, pages, setup, tags, weeks
from forum.web.urls import Action

_D = "/studio/{slug}"
_GP = ["GET", "POST"]
routes: list[BaseRoute] = [
    Route("/studio/", discussions.index, name="studio"),
    Route("/studio/new", discussions.new, methods=_GP, name="studio_new"),
    Route(_D, discussions.discussion, name="studio_discussion"),
    Action(
        _D + "/publish",
        discussions.publish_action,
        name="studio_publish",
        screen="studio_discussion",
    ),
    Action(
        _D + "/unpublish",
        discussions.unpublish_action,
        name="studio_unpublish",
        screen="studio_discussion",
    ),
    Action(
        _D + "/close", discussions.close_action, name="studio_close", screen="studio_discussion"
    ),
    Action(
        _D + "/archive",
        discussions.archive_action,
        name="studio_archive",
        screen="studio_discussion",
    ),
    Action(
        _D + "/unarchive",
        discussions.unarchive_action,
        name="studio_unarchive",
        screen="studio_discussion",
    ),
    Action(
        _D + "/duplicate",
        discussions.duplicate_action,
        name="studio_duplicate",
        screen="studio_discussion",
    ),
    Route(_D + "/settings", setup.settings, methods=_GP, name="studio_settings"),
    Action(_D + "/people", setup.add_person, name="studio_add_person", screen="studio_settings"),
    Action(
        _D + "/people/{id:id}/remove",
        setup.remove_person,
        name="studio_remove_person",
        screen="studio_settings",
    ),
    Route(_D + "/texts", setup.texts, methods=_GP, name="studio_texts"),
    Route(_D + "/weeks", weeks.weeks, methods=_GP, name="studio_weeks"),
    Route(_D + "/weeks/{id:id}", weeks.week, methods=_GP, name="studio_week"),
    Action(
        _D + "/weeks/{id:id}/remove",
        weeks.week_remove,
        name="studio_remove_week",
        screen="studio_weeks",
    ),
    Action(
        _D + "/weeks/{id:id}/move", weeks.week_move, name="studio_move_week", screen="studio_weeks"
    ),
    Action(
        _D + "/weeks/{id:id}/questions",
        weeks.question_add,
        name="studio_add_question",
        screen="studio_week",
    ),
    Route(_D + "/questions/{id:id}", weeks.question, methods=_GP, name="studio_question"),
    Action(
        _D + "/questions/{id:id}/remove",
        weeks.question_remove,
        name="studio_remove_question",
        screen="studio_weeks",
    ),
    Action(
        _D + "/questions/{id:id}/move",
        weeks.question_move,
        name="studio_move_question",
        screen="studio_weeks",
    ),
    Route(_D + "/tags", tags.tags, methods=_GP, name="studio_tags"),
    Route(_D + "/tags/{id:id}", tags.tag, methods=_GP, name="studio_tag"),
    Action(
        _D + "/tags/{id:id}/remove", tags.tag_remove, name="studio_remove_tag", screen="studio_tags"
    ),
    *documents.routes,
    Route(_D + "/preview", pages.preview, name="studio_preview"),
    Route(_D + "/history", pages.history, name="studio_history"),
]
