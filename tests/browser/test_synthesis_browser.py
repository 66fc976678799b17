"""A moderator writes a synthesis without JavaScript, the checker refuses it, then it is pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, expect
from sqlmodel import select

from forum.db import Database
from forum.models import Discussion, DiscussionModerator, Post, Question, User
from forum.models.types import PostStatus, QuoteConsent, Role
from forum.settings import Settings
from tests.factories import add_discussion, discussion_data
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

SLUG = "synthesis-of-care-work"
NAMED = "En nuestra región, las cuidadoras pidieron primero formación en primeros auxilios."
REFUSED = "Preferimos no ser citados: el reconocimiento de la experiencia es lo que más falta."


async def _prepare(settings: Settings) -> tuple[int, int]:
    """A discussion the moderator moderates, with a post quotable by name and one not at all."""
    now = datetime.now(UTC)
    db = Database(settings.database_url)
    async with db.transaction() as session:
        await add_discussion(
            session, discussion_data(slug=SLUG, start=now - timedelta(days=2)), now=now
        )
    moderator = await make_user(
        db, email="synth.mod@example.org", name="Rosa Mendes", role=Role.MODERATOR, language="en"
    )
    writer = await make_user(db, email="synth.writer@example.org", name="Lucía Flores")
    silent = await make_user(db, email="synth.silent@example.org", name="Omar Haddad")
    ids = []
    async with db.transaction() as session:
        discussion = await session.scalar(select(Discussion).where(Discussion.slug == SLUG))
        assert discussion is not None and discussion.id is not None
        question = await session.scalar(
            select(Question).where(Question.discussion_id == discussion.id, Question.number == 1)
        )
        assert question is not None
        session.add(DiscussionModerator(discussion_id=discussion.id, user_id=moderator.id))
        for author, text, consent in (
            (writer, NAMED, QuoteConsent.BY_NAME),
            (silent, REFUSED, QuoteConsent.NOT_AT_ALL),
        ):
            assert isinstance(author, User)
            post = Post(
                discussion_id=discussion.id,
                question_id=question.id,
                author_id=author.id,
                language="es",
                source=text,
                html=f"<p>{text}</p>",
                status=PostStatus.APPROVED.value,
                quote_consent=consent.value,
                created_at=now,
                approved_at=now,
            )
            session.add(post)
            await session.flush()
            assert post.id is not None
            post.thread_id = post.id
            ids.append(post.id)
    await db.dispose()
    return ids[0], ids[1]


async def _signed_in(browser: Browser, live: str, email: str) -> BrowserContext:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = await context.new_page()
    await page.goto(live + "/en/account/sign-in")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return context


async def test_a_moderator_writes_and_publishes_a_synthesis(
    browser: Browser, live_server: str, live_settings: Settings, screenshots: Path | None
) -> None:
    named, refused = await _prepare(live_settings)
    live = live_server
    moderator = await _signed_in(browser, live, "synth.mod@example.org")
    page = await moderator.new_page()
    await page.goto(f"{live}/en/discussions/{SLUG}")
    await page.get_by_role("link", name="Write the synthesis").click()
    await expect(page.get_by_role("heading", name="The synthesis", exact=True)).to_be_visible()

    # A quotation altered, and a post whose author refused quoting: the checker refuses both.
    await page.get_by_label("Synthesis in English").fill(
        f"Carers asked first for “training in first aid” [#{named} translated]."
    )
    await page.get_by_label("Synthesis in Spanish").fill(
        "Lo que escuchamos.\n\n"
        f"“las cuidadoras pidieron ante todo formación” [#{named}]\n\n"
        f"“el reconocimiento de la experiencia” [#{refused}]"
    )
    await page.get_by_label("Synthesis in French").fill(
        "Les aidantes ont d’abord demandé "
        f"« une formation aux premiers secours » [#{named} translated]."
    )
    await page.get_by_role("button", name="Publish").click()
    problems = page.locator("#problems-es li")
    await expect(problems).to_have_count(2)
    await expect(problems.nth(0)).to_contain_text("Line 3:")
    await expect(problems.nth(0)).to_contain_text("the quoted words are not in the post")
    await expect(problems.nth(1)).to_contain_text("Line 5:")
    await expect(problems.nth(1)).to_contain_text("did not agree to be quoted")
    await expect(page.get_by_role("alert")).to_contain_text("cannot be published")

    # Fixed: the exact words, and the refused post no longer cited.
    await page.get_by_label("Synthesis in Spanish").fill(
        "Lo que escuchamos.\n\n"
        f"“las cuidadoras pidieron primero formación en primeros auxilios” [#{named}]"
    )
    await page.get_by_role("button", name="Save and check").click()
    await expect(page.get_by_text("No problem found")).to_be_visible()
    await page.get_by_role("button", name="Publish").click()
    await expect(page.locator("#synthesis")).to_be_visible()

    # A reader sees it pinned at the top, in Spanish, the author named as she allowed.
    reader = await browser.new_context(java_script_enabled=False)
    spanish = await reader.new_page()
    await spanish.goto(f"{live}/es/discussions/{SLUG}")
    pinned = spanish.locator("#synthesis")
    await expect(pinned.get_by_role("heading")).to_have_text("Síntesis de la discusión")
    await expect(pinned).to_contain_text("las cuidadoras pidieron primero formación")
    link = pinned.get_by_role("link", name="Lucía Flores", exact=False)
    await expect(link).to_have_attribute("href", f"/es/discussions/{SLUG}/posts/{named}")
    await link.click()
    await expect(spanish.get_by_text(NAMED)).to_be_visible()
    if screenshots:
        await page.screenshot(path=str(screenshots / "synthesis-editor.png"), full_page=True)
    await moderator.close()
    await reader.close()
