"""The shape of a link builder, so services can link to named pages without knowing HTTP."""

from __future__ import annotations

from collections.abc import Callable

# url(name, **params) -> the link to the named page ("question", slug=..., number=...).
UrlFor = Callable[..., str]
# Given a language, the builder of absolute links in it (for mail).
Links = Callable[[str], UrlFor]
