"""What the browser tests share: the demo sandbox, Debian's Chromium through Playwright, and page helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from bot.app.settings import Settings
from bot.sandbox.sandbox_app import Sandbox

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACT = ROOT / "test-artifacts" / "sandbox.png"
DOCS_SHOT = ROOT / "docs" / "sandbox.png"


def demo_settings() -> Settings:
    # No GitHub token, no model, no ERP: the demo GitHub and the offline planner, whatever the environment says.
    return Settings(_env_file=None, github_token=None, openai_api_key=None, tryton_url=None, odoo_url=None)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(demo_settings(), port=0, runbooks=ROOT / "runbooks") as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert Path(CHROMIUM).exists(), "install Debian's Chromium: apt-get install -y chromium (see .ci/run)"
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--disable-background-networking", "--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield launched
        await launched.close()


async def be(page: Page, user: str) -> None:
    await page.get_by_label("You are").select_option(user)


async def opened(browser: Browser, url: str, width: int = 1480, height: int = 900) -> Page:
    """The page, in UTC (the times it shows are the reader's), loaded."""
    context = await browser.new_context(viewport={"width": width, "height": height}, timezone_id="UTC")
    page = await context.new_page()
    expect.set_options(timeout=15_000)
    await page.goto(url)
    await expect(page.get_by_label("You are")).to_have_value("U1")
    return page


async def say(page: Page, text: str, box: str = "Message") -> Locator:
    """Type `text` in the composer (or the thread's, "Reply"), send it, and the message once the page shows it."""
    composer = page.get_by_label(box, exact=True)
    await composer.fill(text)
    await composer.press("Enter")
    where = page.get_by_role("main") if box == "Message" else page.get_by_role("complementary", name="Thread")
    message = where.locator("article.msg").filter(has_text=text)
    await expect(message).to_have_count(1)
    return message


