"""Compose a mail in its recipient's language and queue it in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession

from forum.core.i18n import I18n
from forum.mail.outbox import queue_message, render_mail


@dataclass(frozen=True)
class Postman:
    """What a service needs to write mail: templates, catalogs and the site's address."""

    templates: Environment
    catalogs: dict[str, I18n]
    base_url: str
    default_language: str

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
        dedupe_key: str | None = None,
    ) -> None:
        """Render `template` for the recipient and put it in the outbox."""
        if language not in self.catalogs:
            language = self.default_language
        i18n = self.catalogs[language]
        rendered = render_mail(
            self.templates,
            i18n,
            template,
            {**context, "base_url": self.base_url, "lang": language},
        )
        await queue_message(
            session,
            to_address=to_address,
            to_name=to_name,
            language=language,
            subject=rendered.subject,
            text_body=rendered.text,
            html_body=rendered.html,
            now=now,
            dedupe_key=dedupe_key,
        )
