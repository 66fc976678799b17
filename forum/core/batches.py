"""Reading many rows in bounded memory: keyset pages by id, one statement a batch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped


async def keyset_batches(
    session: AsyncSession,
    query: Select[*tuple[Any, ...]],
    by: Mapped[int | None],
    *,
    batch: int,
) -> AsyncIterator[Sequence[Any]]:
    """Yield the rows of `query` by increasing `by` (an id, the rows' first column), `batch`
    at a time: `WHERE by > :last ORDER BY by LIMIT batch`, so a page deep in a long table
    costs what the first one does. A batch shorter than `batch` is the last one."""
    last = 0
    while True:
        rows = (await session.execute(query.where(by > last).order_by(by).limit(batch))).all()
        if not rows:
            return
        yield rows
        if len(rows) < batch:
            return
        last = int(rows[-1][0])
