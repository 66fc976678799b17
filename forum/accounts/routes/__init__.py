"""Account pages: getting in (`signing`); one's own profile, a person's public page (`profile`)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from forum.accounts.routes import profile, signing

routes: list[BaseRoute] = [*signing.routes, *profile.routes]
