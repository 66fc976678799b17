"""axe-core on the pages people use, signed out and signed in, at desktop and phone widths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, expect

from forum.db import Database
from forum.models.types import Role
from forum.settings import Settings
from tests.helpers import PASSWORD, make_user
from tests.smtp import Inbox

pytestmark = pytest.mark.browser

AXE = Axe()
BLOCKING = {"serious", "critical"}
DISCUSSION = "/en/discussions/skills-in-crisis"
WIDTHS = (1280, 360)


def _problems(results: dict[str, Any]) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


async def _check(
    page: Page,
    name: str,
    screenshots: Path | None,
    context: str | None = None,
    fits: bool = True,
) -> None:
    """Fail on serious or critical axe violations (and, if `fits`, on a page wider than the
    screen); keep a screenshot at each width."""
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900 if width > 400 else 800})
        results = await AXE.run(page, context=context)
        assert _problems(results.response) == [], f"{name} at {width}px"
        if fits:
            assert await page.evaluate("document.documentElement.scrollWidth") <= width, name
        if screenshots:
            await page.screenshot(path=str(screenshots / f"axe-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("home", "/en/"),
        ("discussion", DISCUSSION),
        ("question", DISCUSSION + "/questions/1"),
        ("sign-in", "/fr/account/sign-in"),
        ("register", "/es/account/register"),
        ("newsletter", "/en/newsletter"),
    ],
)
async def test_public_pages_pass_axe(
    browser: Browser, live_server: str, name: str, path: str, screenshots: Path | None
) -> None:
    page = await browser.new_page()
    await page.goto(live_server + path)
    await _check(page, name, screenshots)
    await page.close()


async def _staff(browser: Browser, live: str, settings: Settings) -> BrowserContext:
    db = Database(settings.database_url)
    await make_user(db, email="axe.admin@example.org", name="Axe Admin", role=Role.ADMIN)
    await db.dispose()
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(live + "/en/account/sign-in")
    await page.get_by_label("E-mail address").fill("axe.admin@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await page.close()
    return context


async def test_signed_in_pages_pass_axe(
    browser: Browser,
    live_server: str,
    live_settings: Settings,
    smtp_inbox: Inbox,
    screenshots: Path | None,
) -> None:
    context = await _staff(browser, live_server, live_settings)
    page = await context.new_page()

    await page.goto(live_server + "/en/moderation/")
    await expect(page.locator("article.queue-item").first).to_be_visible()  # the demo's
    await _check(page, "moderation-queue", screenshots)
    await _check(page, "reject-form", None, context="form.reject")
    await page.goto(live_server + "/en/moderation/log")
    await _check(page, "moderation-log", screenshots)
    await page.goto(live_server + "/en/account/profile")
    await _check(page, "profile", screenshots)
    for studio in (
        "",
        "/skills-in-crisis",
        "/skills-in-crisis/settings",
        "/skills-in-crisis/texts",
        "/skills-in-crisis/weeks",
        "/skills-in-crisis/tags",
        "/skills-in-crisis/history",
    ):
        await page.goto(live_server + "/es/studio" + (studio or "/"))
        await _check(page, "studio" + studio.replace("/", "-"), screenshots)

    await page.goto(live_server + DISCUSSION + "/questions/5")
    await page.locator("section.write").get_by_label("Your text", exact=True).fill("   ")
    await page.locator("section.write input[name=quote_consent]").first.check()
    await page.locator("section.write").get_by_role("button", name="Send").click()
    await expect(page.locator(".form-error")).to_be_visible()
    await expect(page).to_have_title(re.compile(r"^Error: "))
    await _check(page, "answer-with-errors", screenshots)

    await page.goto(live_server + "/en/newsletter")
    await page.get_by_label("E-mail address").fill("axe.reader@example.org")
    await page.get_by_role("button", name="Subscribe").click()
    mail = smtp_inbox.wait_for("axe.reader@example.org")
    body = mail.get_body(preferencelist=("plain",))
    link = re.search(r"http://\S+/newsletter/confirm/\S+", body.get_content())  # type: ignore[union-attr]
    assert link
    await page.goto(link.group(0))
    await page.get_by_role("button", name="Confirm my subscription").click()
    await expect(page.locator(".notice")).to_contain_text("You are subscribed")
    await _check(page, "newsletter-manage", screenshots)
    await context.close()


async def test_focus_ring_contrasts_with_the_page(browser: Browser, live_server: str) -> None:
    page = await browser.new_page()
    await page.goto(live_server + "/en/account/sign-in")
    await page.keyboard.press("Tab")  # the skip link
    await page.keyboard.press("Tab")  # the brand
    colour = await page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert colour == "rgb(29, 36, 48)"  # the ink: 15:1 on white
    await page.close()


async def test_axe_check_catches_a_nameless_button(browser: Browser) -> None:
    page = await browser.new_page()
    await page.set_content('<!doctype html><html lang="en"><title>x</title><main><button></button>')
    results = await AXE.run(page)
    assert any("button-name" in problem for problem in _problems(results.response))
    await page.close()
