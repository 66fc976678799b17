"""Account pages: getting in (`signing`); one's own profile and data, a person's public page
(`profile`); the privacy page (`privacy`)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from forum.accounts.routes import privacy, profile, signing

routes: list[BaseRoute] = [*signing.routes, *profile.routes, *privacy.routes]
