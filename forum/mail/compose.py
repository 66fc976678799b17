"""The one mail composer: render a mail in its recipient's language and queue it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession

from forum.core.i18n import I18n
from forum.core.links import Links, UrlFor
from forum.mail.outbox import header_text, queue_message


@dataclass(frozen=True)
class RenderedMail:
    """A mail rendered in one language, ready to be queued."""

    subject: str
    text: str
    html: str


@lru_cache(maxsize=8)
def _text_environment(env: Environment) -> Environment:
    # An overlay shares loader, filters, globals and gettext; it is cached so that the text
    # templates are parsed once, not on every mail.
    return env.overlay(autoescape=False)


def _render_subject(env: Environment, template_name: str, context: dict[str, Any]) -> str:
    template = env.get_template(template_name)
    if "subject" not in template.blocks:
        raise ValueError(f"{template_name} has no {{% block subject %}}")
    return header_text("".join(template.blocks["subject"](template.new_context(context))))


def _render_body(env: Environment, template_name: str, context: dict[str, Any]) -> str:
    template = env.get_template(template_name)
    jinja_context = template.new_context(context)
    # The subject block is silenced, not removed: a template that extends a layout never shows
    # it anyway, but a standalone one would otherwise print its subject at the top of the body.
    jinja_context.blocks["subject"] = [lambda _context: iter(())]
    return env.concat(template.root_render_func(jinja_context))


def render_mail(env: Environment, i18n: I18n, name: str, context: dict[str, Any]) -> RenderedMail:
    """Render the subject block of mail/{name}.txt, then that file and mail/{name}.html."""
    full = {**context, "i18n": i18n, "lang": i18n.language}
    text_env = _text_environment(env)
    subject = _render_subject(text_env, f"mail/{name}.txt", full)
    text = _render_body(text_env, f"mail/{name}.txt", full).strip("\n") + "\n"
    html = env.get_template(f"mail/{name}.html").render(full)
    return RenderedMail(subject=subject, text=text, html=html)


@dataclass(frozen=True)
class Postman:
    """What a service needs to write mail: templates, catalogs and the site's address."""

    templates: Environment
    catalogs: dict[str, I18n]
    base_url: str
    default_language: str
    links: Links

    def url(self, language: str) -> UrlFor:
        """Return the builder of absolute links in `language` (or the default language)."""
        return self.links(self.language_for(language))

    def language_for(self, language: str) -> str:
        """Return `language` if mail can be written in it, else the default language."""
        return language if language in self.catalogs else self.default_language

    async def post(
        self,
        session: AsyncSession,
        *,
        to_address: str,
        to_name: str,
        language: str,
        template: str,
        context: dict[str, Any],
        now: datetime,
        headers: dict[str, str] | None = None,
        dedupe_key: str | None = None,
        claimed_until: datetime | None = None,
    ) -> bool:
        """Render `template` for the recipient and put it in the outbox, with `headers` added.

        Return True if it was queued, False if a mail with `dedupe_key` already was; raise
        BadAddress (a ValueError) before touching the database if `to_address` cannot be mailed.
        """
        language = self.language_for(language)
        rendered = render_mail(
            self.templates,
            self.catalogs[language],
            template,
            {**context, "base_url": self.base_url, "url": self.url(language), "lang": language},
        )
        queued = await queue_message(
            session,
            to_address=to_address,
            to_name=to_name,
            language=language,
            subject=rendered.subject,
            text_body=rendered.text,
            html_body=rendered.html,
            now=now,
            extra_headers=headers,
            dedupe_key=dedupe_key,
            claimed_until=claimed_until,
        )
        return queued is not None
