"""The studio's pages: a discussion set up, scheduled and corrected from the browser."""

from __future__ import annotations

from starlette.routing import BaseRoute

from forum.studio.routes import documents, stand_ins

routes: list[BaseRoute] = [
    *documents.routes,
    *stand_ins.routes,  # until the lead's pages are merged: see stand_ins.py
]
