"""Many rows read a batch at a time by id, in the order of the id, each row once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import col

from forum.core.batches import keyset_batches
from forum.db import Database
from forum.models import User
from tests.helpers import counting, make_user, selects


@pytest.mark.parametrize(("people", "sizes"), [(5, [2, 2, 1]), (4, [2, 2]), (0, [])])
async def test_rows_come_a_batch_at_a_time_by_id(
    db: Database, people: int, sizes: list[int]
) -> None:
    made = [
        await make_user(db, email=f"lote{n}@example.org", name=f"Persona {n}")
        for n in range(people)
    ]
    query = select(col(User.id), col(User.email)).where(col(User.email).like("lote%"))
    async with db.session() as session:
        with counting(db) as counter:
            batches = [rows async for rows in keyset_batches(session, query, col(User.id), batch=2)]
    assert [len(rows) for rows in batches] == sizes
    assert [row[0] for rows in batches for row in rows] == sorted(user.id for user in made)
    # One statement a batch; a last full batch costs one more, to learn that it was the last.
    assert selects(counter) == len(sizes) + (1 if people % 2 == 0 else 0)
