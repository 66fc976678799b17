"""The studio's history names who made each change, and a deleted account as a former one."""

from __future__ import annotations

import httpx

from forum.db import Database
from forum.models import User
from forum.models.types import ChangeKind, UserState
from forum.studio.history import discussion_history, record_change
from tests.conftest import NOW
from tests.helpers import make_user, sign_in_as
from tests.studio.conftest import SLUG, admin, running


async def test_a_deleted_organisers_changes_read_as_a_former_participants(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion = await running(db)
    gone = await make_user(db, email="old@example.org", name="Bruno Ferreira")
    assert discussion.id is not None and gone.id is not None
    async with db.transaction() as session:
        record_change(
            session, discussion_id=discussion.id, actor_id=gone.id, what=ChangeKind.TEXTS, now=NOW
        )
        user = await session.get(User, gone.id)
        assert user is not None
        user.display_name, user.state = "", UserState.DELETED.value
    async with db.session() as session:
        entries = await discussion_history(session, discussion.id)
    mine = [entry for entry in entries if entry.what is ChangeKind.TEXTS]
    assert [(entry.actor, entry.former) for entry in mine] == [("", True)]
    assert any(not entry.former and not entry.actor for entry in entries)  # the import
    await sign_in_as(client, db, await admin(db))
    page = (await client.get(f"/en/studio/{SLUG}/history")).text
    assert "a former participant" in page and "from a file or the system" in page
    assert "Bruno Ferreira" not in page
