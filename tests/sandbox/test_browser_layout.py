"""The sandbox page in a real browser: the Thread pane, the modal's focus trap, the skip link, narrow layouts, times
that follow the clock, disabled demos, the icon and emoji fonts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.async_api import Browser, Page, expect
from pydantic import SecretStr

from bot.core.clock import FakeClock
from bot.sandbox.sandbox_app import Sandbox
from tests.fakes.github import FakeGitHub
from tests.sandbox.browser_helpers import be, browser, demo_settings, opened, sandbox, say

__all__ = ["browser", "sandbox"]  # fixtures
pytestmark = pytest.mark.slow  # a real Chromium; `-m "not slow"` leaves it out


async def test_the_thread_pane_opens_closes_and_a_closed_pane_posts_nothing(sandbox: Sandbox, browser: Browser) -> None:
    page = await opened(browser, sandbox.url)
    pane, composer, reply = (
        page.locator("#thread"),
        page.get_by_label("Message", exact=True),
        page.get_by_label("Reply"),
    )
    root = await say(page, "hello thread")
    await expect(pane).to_be_hidden()
    await root.get_by_role("button", name="Reply in thread").click()
    thread = page.get_by_role("complementary", name="Thread")
    await expect(thread).to_be_visible()
    await expect(reply).to_be_focused()
    await say(page, "first reply", "Reply")
    await expect(thread.locator(".reply-count")).to_have_text("1 reply")  # plurals, in the pane and the channel
    await expect(root.get_by_role("button", name="1 reply", exact=True)).to_be_visible()
    await say(page, "second reply", "Reply")
    await expect(thread.locator(".reply-count")).to_have_text("2 replies")
    replies = root.get_by_role("button", name="2 replies", exact=True)
    await expect(replies).to_be_visible()

    await reply.fill("a draft never sent")
    await thread.get_by_role("button", name="Close thread").click()  # ✕
    await expect(pane).to_be_hidden()
    await expect(composer).to_be_focused()
    await page.keyboard.type("typed after closing")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("main").locator("article.msg").filter(has_text="typed after closing")).to_have_count(
        1
    )

    await replies.click()
    await expect(pane).to_be_visible()
    await expect(reply).to_have_value("")  # the draft went with the closed pane
    await page.keyboard.press("Escape")
    await expect(pane).to_be_hidden()
    await page.keyboard.type("typed after escape")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("main").locator("article.msg").filter(has_text="typed after escape")).to_have_count(1)
    parent = await root.get_attribute("data-ts")
    assert parent is not None
    assert [m["text"] for m in sandbox.slack.thread("C1", parent)] == ["hello thread", "first reply", "second reply"]
    assert [m["text"] for m in sandbox.slack.messages("C1") if "thread_ts" not in m] == [
        "hello thread", "typed after closing", "typed after escape",
    ]  # fmt: skip

    await replies.click()  # another conversation: the thread closes, and stays closed on coming back
    await expect(pane).to_be_visible()
    conversations = page.get_by_role("navigation", name="Conversations")
    await conversations.get_by_role("button", name="opsbot").click()
    await expect(page.locator("#channel-title")).to_have_text("Direct message with opsbot")
    await expect(pane).to_be_hidden()
    await conversations.get_by_role("button", name="#ops", exact=True).click()
    await expect(page.locator("#channel-title")).to_have_text("#ops")
    await expect(pane).to_be_hidden()


async def test_a_modal_keeps_the_focus_and_gives_it_back(sandbox: Sandbox, browser: Browser) -> None:
    page = await opened(browser, sandbox.url)
    await say(page, "@opsbot merge pr 8 in acme/api")
    card = page.get_by_role("complementary", name="Thread").locator("article").filter(has_text="Merge #8")
    reject = card.get_by_role("button", name="Reject")
    await expect(reject).to_be_visible()
    expires = card.locator("time[data-ts]")  # Slack's <!date^…>: 24-hour, as every time on the page
    await expect(expires).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$"))
    await expect(card.locator("time.time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    await be(page, "U2")
    await reject.click()
    dialog = page.get_by_role("dialog", name="Reject request")
    await expect(dialog.get_by_label("Reason (optional)")).to_be_focused()
    sent = len(sandbox.slack.messages("C1"))
    inside = "d => d.contains(document.activeElement) ? document.activeElement.outerHTML.slice(0, 60) : null"
    seen = set()
    for key in ["Tab"] * 10 + ["Shift+Tab"] * 7:
        await page.keyboard.press(key)
        where = await dialog.evaluate(inside)
        assert where is not None, f"{key} left the modal"
        seen.add(where)
    assert len(seen) == 3  # the reason, Cancel, Reject: each reached, nothing else
    await page.keyboard.type("x")
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(reject).to_be_focused()  # back to the button that opened it
    assert len(sandbox.slack.messages("C1")) == sent  # nothing typed in the modal reached the channel
    assert sandbox.github is not None and sandbox.github.merges == []


async def test_the_skip_link_and_layouts_at_1024_and_390_px(sandbox: Sandbox, browser: Browser) -> None:
    page = await opened(browser, sandbox.url, width=1024, height=768)
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to composer")
    await expect(skip).to_be_focused()  # the first thing Tab reaches
    await expect(skip).to_be_in_viewport()
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Message", exact=True)).to_be_focused()

    root = await say(page, "does the channel keep its width?")
    await root.get_by_role("button", name="Reply in thread").click()
    await expect(page.locator("#thread")).to_be_visible()
    side, main, thread = [await box(page, sel) for sel in (".sidebar", ".channel", "#thread")]
    assert main["width"] >= 440, main  # once ~300 px beside the thread
    assert side["x"] + side["width"] <= main["x"] + 1 and main["x"] + main["width"] <= thread["x"] + 1
    assert thread["x"] + thread["width"] <= 1024 + 1
    assert await overlapping_headings(page) == []

    await page.set_viewport_size({"width": 390, "height": 844})
    thread = await box(page, "#thread")  # the thread pane covers the page
    assert (thread["x"], thread["width"]) == (0, 390)
    await page.keyboard.press("Escape")
    await expect(page.locator("#thread")).to_be_hidden()
    top, side, main = [await box(page, sel) for sel in (".top", ".sidebar", ".channel")]
    assert top["y"] + top["height"] <= side["y"] + 1 and side["y"] + side["height"] <= main["y"] + 1  # stacked
    assert main["height"] >= 300 and main["width"] == 390
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
    assert await overlapping_headings(page) == []


async def box(page: Page, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, selector
    return {"x": found["x"], "y": found["y"], "width": found["width"], "height": found["height"]}


async def overlapping_headings(page: Page) -> list[list[str]]:
    """Pairs of headings whose visible boxes (clipped by every scrolling ancestor) intersect."""
    found: list[list[str]] = await page.evaluate(
        """() => {
        const clip = (el) => {
            let r = el.getBoundingClientRect(), box = { l: r.left, t: r.top, r: r.right, b: r.bottom };
            for (let up = el.parentElement; up; up = up.parentElement) {
                if (getComputedStyle(up).overflow === "visible") continue;
                const u = up.getBoundingClientRect();
                box = { l: Math.max(box.l, u.left), t: Math.max(box.t, u.top),
                        r: Math.min(box.r, u.right), b: Math.min(box.b, u.bottom) };
            }
            return box.r - box.l > 0 && box.b - box.t > 0 ? box : null;
        };
        const shown = [...document.querySelectorAll("h1, h2, h3")]
            .map((h) => [h.textContent.trim(), clip(h)]).filter(([, b]) => b);
        const pairs = [];
        shown.forEach(([a, p], i) => shown.slice(i + 1).forEach(([b, q]) => {
            if (p.l < q.r - 1 && q.l < p.r - 1 && p.t < q.b - 1 && q.t < p.b - 1) pairs.push([a, b]);
        }));
        return pairs;
    }"""
    )
    return found


async def test_message_times_follow_the_clock_in_24_hour_time(browser: Browser) -> None:
    clock = FakeClock(datetime(2026, 11, 26, 13, 5, tzinfo=UTC))
    async with Sandbox(demo_settings(), port=0, clock=clock, sweep_interval=None) as sandbox:
        page = await opened(browser, sandbox.url)
        first = await say(page, "before lunch")
        clock.advance(2 * 3600 + 10 * 60)
        second = await say(page, "after lunch")
        await expect(first.locator("time.time")).to_have_text("13:05")
        await expect(second.locator("time.time")).to_have_text("15:15")  # not 03:15 PM
        earlier, later = (str(m["ts"]) for m in sandbox.slack.messages("C1"))
        assert re.fullmatch(r"\d{10}\.\d{6}", earlier) and float(later) - float(earlier) == pytest.approx(7800, abs=1)
        same = [sandbox.slack.add_message("C1", "at once", "U2") for _ in range(3)]  # one instant: still unique
        assert sorted(same) == same and len(set(same)) == 3 and float(same[0]) > float(later)


async def test_disabled_demos_look_disabled_and_the_page_has_an_icon_and_emoji_fonts(browser: Browser) -> None:
    token = "ghp_REALTOKENREALTOKENREALTOKEN0123456"
    async with FakeGitHub(token=token) as real_github:  # stands for the user's real GitHub
        real_github.add_repo("acme/api")
        settings = demo_settings().model_copy(
            update={"github_token": SecretStr(token), "github_api_url": real_github.url}
        )
        async with Sandbox(settings, port=0, sweep_interval=None) as sandbox:
            page = await browser.new_page(viewport={"width": 1480, "height": 900})
            expect.set_options(timeout=15_000)
            failed: list[str] = []
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            await page.goto(sandbox.url)
            demos = page.get_by_role("region", name="Demo buttons")
            for name in ("Simulate CI failure (demo)", "Digest now (demo)"):
                button = demos.get_by_role("button", name=name)
                await expect(button).to_be_disabled()
                await expect(button).to_have_attribute("aria-disabled", "true")
                assert await button.evaluate("b => Number(getComputedStyle(b).opacity)") <= 0.5
            erp = demos.get_by_role("button", name="/ops erp overdue (demo)")
            await expect(erp).to_be_enabled()
            await expect(erp).to_have_attribute("aria-disabled", "false")
            assert await erp.evaluate("b => Number(getComputedStyle(b).opacity)") == 1
            await expect(demos).to_contain_text("GITHUB_TOKEN is set")
            for icon in ("favicon.ico", "favicon.svg"):
                answer = await page.request.get(sandbox.url + icon)
                assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")
                assert (await answer.text()).startswith("<svg")
            await expect(page.locator("link[rel=icon]")).to_have_attribute("href", "/favicon.svg")
            fonts = await page.evaluate("getComputedStyle(document.body).fontFamily")
            assert all(f'"{emoji}"' in fonts for emoji in ("Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"))
            assert failed == []


