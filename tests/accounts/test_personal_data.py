"""Everything held about a person, gathered for them, in a fixed number of statements."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from forum.accounts.personal_data import (
    PersonalData,
    PostRecord,
    json_chunks,
    personal_data,
    post_batches,
)
from forum.core.errors import NotFound
from forum.db import Database
from tests.accounts.personal_seeding import EARLIER, OTHER_REPLY, REPORT_NOTE, seed_person
from tests.conftest import NOW
from tests.exports.seeding import PENDING, PUBLISHED, SLUG
from tests.helpers import counting, selects


async def _gathered(
    db: Database, user_id: int, batch: int = 500
) -> tuple[PersonalData, list[list[PostRecord]]]:
    async with db.session() as session:
        data = await personal_data(session, user_id=user_id)
        batches = [found async for found in post_batches(session, user_id=user_id, batch=batch)]
    return data, batches


async def test_gathers_profile_posts_revisions_reports_subscriptions_and_consent(
    db: Database,
) -> None:
    ids = await seed_person(db, revisions=2)
    data, batches = await _gathered(db, ids["maria"])
    posts = [post for batch in batches for post in batch]
    assert data.profile.email == "maria@example.org"
    assert data.profile.display_name == "María Pérez" and data.profile.country == "PE"
    assert data.consent.default_quote_consent == "by_name" and data.consent.notify_replies
    texts = {post.text for post in posts}
    assert PUBLISHED in texts and PENDING in texts  # unpublished posts are theirs too
    assert OTHER_REPLY not in texts  # another person's reply is not
    [published] = [post for post in posts if post.id == ids["published"]]
    assert published.discussion == SLUG and published.quote_consent == "by_name"
    assert [revision.text for revision in published.revisions] == [
        f"{EARLIER} (1)",
        f"{EARLIER} (2)",
    ]
    [report] = data.reports
    assert report.post_id == ids["theirs"] and report.note == REPORT_NOTE
    [subscription] = data.subscriptions
    assert subscription.discussions == (SLUG,) and not subscription.all_discussions


async def _batches(found: list[list[PostRecord]]) -> AsyncIterator[list[PostRecord]]:
    for batch in found:
        yield batch


@pytest.mark.parametrize("batch", [500, 2, 1])
async def test_the_download_is_one_json_document_with_dates_whatever_the_batches(
    db: Database, batch: int
) -> None:
    ids = await seed_person(db, revisions=2)
    data, batches = await _gathered(db, ids["maria"], batch)
    assert max(len(found) for found in batches) <= batch
    chunks = [chunk async for chunk in json_chunks(data, _batches(batches), generated_at=NOW)]
    assert len(chunks) == len(batches) + 2  # the account, each batch, the rest
    plain = json.loads("".join(chunks))
    assert list(plain) == [
        "format_version",
        "generated_at",
        "profile",
        "consent",
        "posts",
        "reports",
        "subscriptions",
    ]
    assert plain["generated_at"] == NOW.isoformat()
    assert plain["profile"]["created_at"] == NOW.isoformat()
    assert plain["profile"]["display_name"] == "María Pérez"  # as is, not escaped
    assert plain["reports"][0]["note"] == REPORT_NOTE
    ids_in_order = [post["id"] for post in plain["posts"]]
    assert ids_in_order == sorted(ids_in_order) and len(ids_in_order) == 6
    [published] = [post for post in plain["posts"] if post["id"] == ids["published"]]
    assert [revision["text"] for revision in published["revisions"]] == [
        f"{EARLIER} (1)",
        f"{EARLIER} (2)",
    ]


async def test_a_person_without_posts_gets_an_empty_list(db: Database) -> None:
    data, batches = await _gathered(db, (await seed_person(db))["maria"])
    chunks = [chunk async for chunk in json_chunks(data, _batches([]), generated_at=NOW)]
    assert batches and json.loads("".join(chunks))["posts"] == []


async def test_another_person_gets_only_their_own(db: Database) -> None:
    ids = await seed_person(db)
    data, batches = await _gathered(db, ids["luc"])
    [[post]] = batches
    assert post.text == OTHER_REPLY and post.revisions == ()
    assert data.reports == () and data.subscriptions == ()


@pytest.mark.parametrize("revisions", [1, 30])
async def test_statements_do_not_grow_with_posts_or_revisions(db: Database, revisions: int) -> None:
    ids = await seed_person(db, revisions=revisions)
    with counting(db) as counter:
        _data, [posts] = await _gathered(db, ids["maria"])
    [published] = [post for post in posts if post.id == ids["published"]]
    assert len(published.revisions) == revisions and len(posts) == 6
    # The account, reports, subscriptions and the discussions they follow; posts, revisions.
    assert selects(counter) == 6


async def test_unknown_person_is_not_found(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(NotFound):
            await personal_data(session, user_id=4040)
