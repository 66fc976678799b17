"""Moderation's pages and actions: the staff's queue and log, readers' reports, admins' choices."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from forum.moderation.routes import admin, public, queue, staff
from forum.web.urls import Action

_POST = "/moderation/posts/{id:id}"
routes: list[BaseRoute] = [
    Route("/moderation/", queue.queue, name="moderation"),
    Action(_POST + "/approve", staff.approve, name="approve_post", screen="moderation"),
    Action(_POST + "/reject", staff.reject, name="reject_post", screen="moderation"),
    Action(_POST + "/hide", staff.hide, name="hide_post", screen="moderation"),
    Action(_POST + "/restore", staff.restore, name="restore_post", screen="moderation_log"),
    Action(_POST + "/key-quote", staff.key_quote, name="key_quote", screen="moderation"),
    Action(_POST + "/tags", staff.tags, name="post_tags", screen="moderation"),
    Action(_POST + "/reports", staff.resolve, name="resolve_reports", screen="moderation_reports"),
    Action("/moderation/people/{id:id}", staff.person, name="moderate_person", screen="person"),
    Route("/moderation/reports", staff.reports_page, name="moderation_reports"),
    Route("/moderation/log", staff.log, name="moderation_log"),
    Route(
        "/moderation/discussions/{slug}/weeks/{position:id}/summary",
        staff.summary,
        methods=["GET", "POST"],
        name="week_summary",
    ),
    Action(
        "/discussions/{slug}/posts/{id:id}/report", public.report, name="report_post", screen="post"
    ),
    Route("/discussions/{slug}/transparency", public.transparency, name="transparency"),
    Route(
        "/admin/discussions/{slug}/moderators",
        admin.moderators,
        methods=["GET", "POST"],
        name="moderators",
    ),
    Action(
        "/admin/discussions/{slug}/moderators/{id:id}/remove",
        admin.remove,
        name="remove_moderator",
        screen="moderators",
    ),
]
