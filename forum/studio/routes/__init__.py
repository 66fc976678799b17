"""The studio's pages: a discussion set up, scheduled and corrected from the browser."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
