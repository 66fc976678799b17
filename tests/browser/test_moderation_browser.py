"""A held post is approved with two topics; another is rejected and its author sees why."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from forum.db import Database
from forum.models.types import Role
from forum.settings import Settings
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

QUESTION = "/en/discussions/skills-in-crisis/questions/4"
HELD = (
    "Our women's training network phoned every learner each week; write to "
    "network.office@example.org if you want our call scripts."
)
REJECTED = "Rural learners need mobile data vouchers more than new platforms, in my view."


async def _signed_in(browser: Browser, live: str, email: str) -> BrowserContext:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(live + "/en/account/sign-in")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return context


async def _answer(context: BrowserContext, live: str, text: str) -> str:
    page = await context.new_page()
    await page.goto(live + QUESTION)
    await page.locator("section.write").get_by_label("Your text", exact=True).fill(text)
    await page.locator("section.write").get_by_label("Yes, with my name").check()
    await page.locator("section.write").get_by_role("button", name="Send").click()
    await expect(page.locator(".notice").first).to_contain_text("awaiting moderation")
    return page.url.split("#")[0]


async def test_moderator_approves_held_post_with_tags_and_rejects_another(
    browser: Browser, live_server: str, live_settings: Settings, screenshots: Path | None
) -> None:
    db = Database(live_settings.database_url)
    await make_user(db, email="writer.mod@example.org", name="Aïcha Ndiaye", language="en")
    await make_user(
        db, email="admin.mod@example.org", name="Site Admin", role=Role.ADMIN, language="en"
    )
    await db.dispose()

    writer = await _signed_in(browser, live_server, "writer.mod@example.org")
    await _answer(writer, live_server, HELD)
    rejected_url = await _answer(writer, live_server, REJECTED)

    moderator = await _signed_in(browser, live_server, "admin.mod@example.org")
    queue = await moderator.new_page()
    await queue.goto(live_server + "/en/moderation/")
    item = queue.locator("article.queue-item", has_text="network.office@example.org")
    await expect(
        item.locator(".badge-pending", has_text="3. Protect personal data")
    ).to_be_visible()
    if screenshots:
        await queue.screenshot(path=str(screenshots / "moderation-queue.png"), full_page=True)
    await item.get_by_label("Access to training").check()
    await item.get_by_label("Apprenticeships").check()
    await item.get_by_role("button", name="Approve").click()
    await expect(queue.locator(".notice")).to_contain_text("Done")

    other = queue.locator("article.queue-item", has_text="mobile data vouchers")
    await other.get_by_label("Guideline not respected").select_option("on-topic")
    await other.get_by_label("Message to the author (optional)").fill(
        "Please link your point to the question about rural learners."
    )
    await other.get_by_role("button", name="Reject").click()
    await expect(queue.locator(".notice")).to_contain_text("Done")

    reader = await browser.new_context()
    public = await reader.new_page()
    await public.goto(live_server + QUESTION)
    post = public.locator("article.post", has_text="network.office@example.org")
    await expect(post.locator(".tags")).to_contain_text("Access to training")
    await expect(post.locator(".tags")).to_contain_text("Apprenticeships")
    await expect(public.locator("body")).not_to_contain_text("mobile data vouchers")

    mine = await writer.new_page()
    await mine.goto(rejected_url)
    await expect(mine.locator(".notice").first).to_contain_text("did not publish")
    link = mine.get_by_role("link", name="Community guidelines, section 2")
    await expect(link).to_have_attribute("href", "/en/guidelines#on-topic")
    await expect(mine.locator("body")).to_contain_text("Please link your point")
    if screenshots:
        await mine.screenshot(path=str(screenshots / "rejected-author.png"), full_page=True)
    for context in (writer, moderator, reader):
        await context.close()
