"""The demo's published synthesis: written with post keys, checked and published as any other.

The demo's texts cite posts by their key in the demo file (`[#q1-1]`), since the posts'
numbers are known only once they are written; the keys become numbers, then the texts go
through `save_draft` and `publish`, so the checker refuses a demo quote that drifted from
its post exactly as it would refuse a moderator's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.core.i18n import I18n
from forum.core.links import Links
from forum.mail.compose import Postman
from forum.models import User
from forum.synthesis.service import publish, save_draft

_KEY = re.compile(r"\[#(?P<key>[a-z][a-z0-9-]*)(?=[\] \t])")


@dataclass(frozen=True, slots=True)
class Publisher:
    """What publishing needs beyond the database: the catalogs, the links, the mail."""

    catalogs: Mapping[str, I18n]
    links: Links
    postman: Postman
    secret: str


def numbered(text: str, post_ids: Mapping[str, int]) -> str:
    """Turn `[#key` into `[#number`; an unknown key is left as it is (the checker says so)."""

    def number(found: re.Match[str]) -> str:
        key = found["key"]
        return f"[#{post_ids[key]}" if key in post_ids else found[0]

    return _KEY.sub(number, text)


async def publish_demo_synthesis(
    session: AsyncSession,
    *,
    slug: str,
    texts: Mapping[str, str],
    post_ids: Mapping[str, int],
    actor: User,
    publisher: Publisher,
    now: datetime,
) -> None:
    """Store and publish the demo's synthesis; SynthesisRefused if the checker finds a problem."""
    typed = {language: numbered(text.strip(), post_ids) for language, text in texts.items()}
    await save_draft(session, actor=actor, slug=slug, texts=typed, now=now)
    await publish(
        session,
        actor=actor,
        slug=slug,
        catalogs=publisher.catalogs,
        links=publisher.links,
        postman=publisher.postman,
        secret=publisher.secret,
        now=now,
    )
