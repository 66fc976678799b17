"""The demo discussions shipped with the forum, dated around today."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from forum.discussions.importing import (
    DiscussionSpec,
    discussion_exists,
    import_discussion,
    shift_dates,
    validate_discussion,
)

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


def demo_specs(
    today: date, languages: tuple[str, ...]
) -> list[tuple[DiscussionSpec, dict[str, bytes], str]]:
    """Read every demo file, move its dates around `today`, and validate it."""
    specs = []
    for path in sorted(DEMO_DIR.glob("*.toml")):
        data = shift_dates(tomllib.loads(path.read_text(encoding="utf-8")), today)
        spec, files = validate_discussion(
            data, source=str(path), base=path.parent, languages=languages
        )
        specs.append((spec, files, str(path)))
    return specs


async def load_demo_discussion(
    session: AsyncSession,
    spec: DiscussionSpec,
    files: dict[str, bytes],
    *,
    now: datetime,
    source: str,
) -> bool:
    """Import one demo discussion unless it is there already; tell whether it was added."""
    if await discussion_exists(session, spec.slug):
        return False
    await import_discussion(session, spec, files, now=now, source=source)
    return True
