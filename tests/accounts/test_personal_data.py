"""Everything held about a person, gathered for them, in a fixed number of statements."""

from __future__ import annotations

import json

import pytest

from forum.accounts.personal_data import as_json_data, personal_data
from forum.core.errors import NotFound
from forum.db import Database
from tests.accounts.personal_seeding import EARLIER, OTHER_REPLY, REPORT_NOTE, seed_person
from tests.conftest import NOW
from tests.exports.seeding import PENDING, PUBLISHED, SLUG
from tests.helpers import counting, selects


async def test_gathers_profile_posts_revisions_reports_subscriptions_and_consent(
    db: Database,
) -> None:
    ids = await seed_person(db, revisions=2)
    async with db.session() as session:
        data = await personal_data(session, user_id=ids["maria"])
    assert data.profile.email == "maria@example.org"
    assert data.profile.display_name == "María Pérez" and data.profile.country == "PE"
    assert data.consent.default_quote_consent == "by_name" and data.consent.notify_replies
    texts = {post.text for post in data.posts}
    assert PUBLISHED in texts and PENDING in texts  # unpublished posts are theirs too
    assert OTHER_REPLY not in texts  # another person's reply is not
    [published] = [post for post in data.posts if post.id == ids["published"]]
    assert published.discussion == SLUG and published.quote_consent == "by_name"
    assert [revision.text for revision in published.revisions] == [
        f"{EARLIER} (1)",
        f"{EARLIER} (2)",
    ]
    [report] = data.reports
    assert report.post_id == ids["theirs"] and report.note == REPORT_NOTE
    [subscription] = data.subscriptions
    assert subscription.discussions == (SLUG,) and not subscription.all_discussions


async def test_as_json_is_plain_json_with_dates(db: Database) -> None:
    ids = await seed_person(db)
    async with db.session() as session:
        data = await personal_data(session, user_id=ids["maria"])
    plain = as_json_data(data, generated_at=NOW)
    again = json.loads(json.dumps(plain))
    assert again["generated_at"] == NOW.isoformat()
    assert again["profile"]["created_at"] == NOW.isoformat()
    assert again["reports"][0]["note"] == REPORT_NOTE


async def test_another_person_gets_only_their_own(db: Database) -> None:
    ids = await seed_person(db)
    async with db.session() as session:
        data = await personal_data(session, user_id=ids["luc"])
    assert [post.text for post in data.posts] == [OTHER_REPLY]
    assert data.reports == () and data.subscriptions == ()
    assert data.posts[0].revisions == ()


@pytest.mark.parametrize("revisions", [1, 30])
async def test_statements_do_not_grow_with_posts_or_revisions(db: Database, revisions: int) -> None:
    ids = await seed_person(db, revisions=revisions)
    async with db.session() as session:
        with counting(db) as counter:
            data = await personal_data(session, user_id=ids["maria"])
    [published] = [post for post in data.posts if post.id == ids["published"]]
    assert len(published.revisions) == revisions and len(data.posts) == 6
    # The account, revisions, posts, reports, subscriptions and the discussions they follow.
    assert selects(counter) == 6


async def test_unknown_person_is_not_found(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(NotFound):
            await personal_data(session, user_id=4040)
