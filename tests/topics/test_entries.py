"""Post ids into entries: in the ids' order, only what readers may see, in two statements."""

from __future__ import annotations

from forum.db import Database
from forum.models.types import PostStatus
from forum.topics.entries import entries_for
from tests.conftest import NOW
from tests.helpers import counting, selects
from tests.topics.conftest import DRAFT, SLUG, add_posts, seed


async def test_entries_keep_the_order_given_and_drop_what_readers_may_not_see(
    db: Database,
) -> None:
    seeded = await seed(db)
    shown = await add_posts(db, seeded, count=3)
    comment = await add_posts(db, seeded, number=None, language="fr")
    hidden = await add_posts(db, seeded, status=PostStatus.HIDDEN)
    unopened = await add_posts(db, seeded, number=7)
    draft = await add_posts(db, seeded, slug=DRAFT)
    asked = [shown[2], *hidden, *comment, shown[0], *unopened, *draft, 999_999, shown[1]]
    async with db.session() as session:
        with counting(db) as counter:
            entries = await entries_for(session, asked, language="fr", now=NOW)
    assert selects(counter) == 2
    assert [entry.id for entry in entries] == [shown[2], comment[0], shown[0], shown[1]]
    answer = entries[0]
    assert answer.discussion_slug == SLUG and answer.question_number == 1
    assert answer.question is not None and answer.question.language == "fr"
    assert answer.question.text.startswith("Question 1 : qu'est-ce qui")
    assert answer.author_name == "Lucía <Gómez> & Co" and answer.language == "es"
    assert entries[1].question is None and entries[1].question_number is None


async def test_no_ids_cost_no_statement(db: Database) -> None:
    async with db.session() as session:
        with counting(db) as counter:
            assert await entries_for(session, [], language="en", now=NOW) == []
    assert counter.count == 0
