"""A held post is approved with two topics; another is rejected and its author sees why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from forum.contributions.posting import Draft, PostLimits, create_post
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


async def _signed_in(browser: Browser, live: str, email: str, width: int = 1280) -> BrowserContext:
    context = await browser.new_context(viewport={"width": width, "height": 900})
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
        item.locator(
            ".badge-pending",
            has_text="Held under section 3 of the guidelines: Protect personal data",
        )
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


NARROW = (
    "Our regional training authority (Autoridad Regional de Formación Profesional y Empleo) "
    "kept https://training.example.org/resources/remote-apprenticeships/weekly-checklists "
    "open for every apprentice during the closures.",
    "Tutors phoned each apprentice every Monday morning to plan the week together.",
    "Les centres ont prêté des tablettes aux apprentis qui n'avaient pas d'ordinateur.",
)


async def _fits(page: Page, width: int) -> None:
    """Nothing sticks out sideways, and selects are as large as the text beside them."""
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"
    sizes = await page.evaluate(
        "[...document.querySelectorAll('.moderation select')]"
        ".map(s => getComputedStyle(s).fontSize)"
    )
    body = await page.evaluate("getComputedStyle(document.body).fontSize")
    assert sizes and set(sizes) == {body}


async def test_queue_and_log_fit_a_phone_and_a_desktop(
    browser: Browser, live_server: str, live_settings: Settings, screenshots: Path | None
) -> None:
    db = Database(live_settings.database_url)
    writer = await make_user(
        db, email="writer.narrow@example.org", name="Nomvula Dlamini", language="en"
    )
    await make_user(
        db, email="admin.narrow@example.org", name="Narrow Admin", role=Role.ADMIN, language="en"
    )
    async with db.transaction() as session:
        for text in NARROW:
            await create_post(
                session,
                author=writer,
                discussion_slug="skills-in-crisis",
                question_number=4,
                parent_id=None,
                draft=Draft(text, "", "by_name"),
                limits=PostLimits(),
                now=datetime.now(UTC),
            )
    await db.dispose()

    wide = await _signed_in(browser, live_server, "admin.narrow@example.org")
    queue = await wide.new_page()
    await queue.goto(live_server + "/en/moderation/")
    item = queue.locator("article.queue-item", has_text="Tutors phoned each apprentice")
    await item.get_by_role("button", name="Reject").click()  # no section chosen: not sent
    await expect(item.get_by_label("Guideline not respected")).to_have_js_property(
        "validity.valid", False
    )
    await item.get_by_label("Guideline not respected").select_option("on-topic")
    await item.get_by_label("Message to the author (optional)").fill(
        "Please say which region this was, so that others can compare."
    )
    await item.get_by_role("button", name="Reject").click()
    await expect(queue.locator(".notice")).to_contain_text("Done")
    await (
        queue.locator("article.queue-item", has_text="Les centres ont prêté")
        .get_by_role("button", name="Approve")
        .click()
    )
    await expect(queue.locator(".notice")).to_contain_text("Done")
    assert "?&" not in queue.url

    narrow = await _signed_in(browser, live_server, "admin.narrow@example.org", width=360)
    for context, width in ((narrow, 360), (wide, 1280)):
        page = await context.new_page()
        for name, path in (("queue", "/en/moderation/"), ("log", "/en/moderation/log")):
            await page.goto(live_server + path)
            if screenshots:
                shot = screenshots / f"moderation-{name}-{width}.png"
                await page.screenshot(path=str(shot), full_page=True)
            await _fits(page, width)
    # on a phone each log entry is a block of labelled lines, words kept whole
    log = await narrow.new_page()
    await log.goto(live_server + "/en/moderation/log")
    cell = log.locator("table.log tbody tr").first.locator("td").first
    assert await cell.evaluate("c => getComputedStyle(c).display") == "block"
    when = await cell.evaluate("c => c.getBoundingClientRect().height")
    assert when < 80, f"the time takes {when}px: its words are broken apart"
    for context in (wide, narrow):
        await context.close()
