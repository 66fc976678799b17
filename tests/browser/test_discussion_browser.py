"""A reader opens the demo discussion in Chromium and finds the week-one questions."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [1280, 360])
async def test_reader_finds_week_one_questions(
    browser: Browser, live_server: str, javascript: bool, width: int, screenshots: Path | None
) -> None:
    context = await browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": width, "height": 900},
        locale="es-ES",
        extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"},
    )
    page = await context.new_page()
    await page.goto(live_server + "/")
    await expect(page).to_have_url(live_server + "/es/")
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await page.get_by_role(
        "link", name="Mantener la formación profesional en tiempos de crisis"
    ).click()

    week = page.locator("section.week").first
    await expect(week.get_by_role("heading", level=2)).to_have_text("Preguntas de la semana 1")
    await expect(week.locator("ol.questions > li")).to_have_count(6)
    await expect(page.locator("section.week")).to_have_count(1)
    await expect(page.locator(".next-week")).to_contain_text("La próxima serie de preguntas")
    # the page fits a phone: nothing is wider than the viewport
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    if screenshots:
        await page.screenshot(path=str(screenshots / f"discussion-es-{width}.png"))

    await week.locator("ol.questions > li").nth(2).get_by_role("link").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Pregunta 3")
    await page.get_by_role("link", name="français").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Question 3")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    if screenshots:
        await page.screenshot(path=str(screenshots / f"question-fr-{width}.png"))
    await context.close()


async def test_skip_link_moves_focus_to_main(browser: Browser, live_server: str) -> None:
    page = await browser.new_page()
    await page.goto(live_server + "/en/discussions/skills-in-crisis")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    await expect(skip).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(live_server + "/en/discussions/skills-in-crisis#main")
    await page.close()


@pytest.mark.parametrize(("width", "height", "screens"), [(1280, 900, 1.0), (360, 800, 1.5)])
async def test_open_questions_come_before_the_introduction(
    browser: Browser,
    live_server: str,
    width: int,
    height: int,
    screens: float,
    screenshots: Path | None,
) -> None:
    context = await browser.new_context(viewport={"width": width, "height": height})
    page = await context.new_page()
    await page.goto(live_server + "/en/discussions/skills-in-crisis")

    timeline = page.locator("ol.timeline > li")
    await expect(timeline).to_have_count(2)
    await expect(timeline.nth(0)).to_contain_text("Open")
    await expect(timeline.nth(0)).to_contain_text("Keeping learners connected")
    await expect(timeline.nth(1)).to_contain_text("Upcoming")
    first = page.locator("section.week ol.questions > li").first
    box = await first.bounding_box()
    assert box is not None and box["y"] + 40 <= height * screens, box
    intro = await page.locator("#introduction").bounding_box()
    assert intro is not None and intro["y"] > box["y"]
    if screenshots:
        await page.screenshot(path=str(screenshots / f"discussion-en-{width}-first-screen.png"))

    await first.get_by_role("link", name="Answer question 1").click()
    await expect(page).to_have_url(
        live_server + "/en/discussions/skills-in-crisis/questions/1#write"
    )
    await context.close()
