"""The sandbox in a real browser (Debian's Chromium via Playwright): the approval round-trip a new user tries first,
the demos, and a suggestion button."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.async_api import Browser, expect

from bot.sandbox.sandbox_app import Sandbox
from tests.sandbox.browser_helpers import ARTIFACT, DOCS_SHOT, be, browser, opened, sandbox

__all__ = ["browser", "sandbox"]  # fixtures
pytestmark = pytest.mark.slow  # a real Chromium; `-m "not slow"` leaves it out


async def test_merge_needs_the_approver_not_the_requester(sandbox: Sandbox, browser: Browser) -> None:
    assert sandbox.github is not None
    page = await browser.new_page(viewport={"width": 1480, "height": 900})
    expect.set_options(timeout=15_000)
    await page.goto(sandbox.url)
    await expect(page.get_by_label("You are")).to_have_value("U1")
    await expect(page.get_by_test_id("pr-7")).to_contain_text("open")

    composer = page.get_by_label("Message", exact=True)
    await composer.fill("@opsbot merge pr 7 in acme/api")
    await composer.press("Enter")

    thread = page.get_by_role("complementary", name="Thread")
    card = thread.locator("article").filter(has_text="Merge #7 Add rate limiting")  # the card, whatever its state
    await expect(card).to_contain_text("Approval needed: Merge #7")
    await expect(card).to_contain_text("Needs 1 approval from @ben")
    await expect(card.get_by_role("button", name="Reject")).to_be_visible()

    await card.get_by_role("button", name="Approve").click()  # ana asked for it: refused
    refusal = thread.locator("article.ephemeral").filter(has_text="someone else has to approve")
    await expect(refusal).to_contain_text("Only visible to you")

    await be(page, "U3")  # cy is not an approver: refused too, and ana's ephemeral is not shown to cy
    await expect(refusal).to_have_count(0)
    await card.get_by_role("button", name="Approve").click()
    await expect(thread.locator("article.ephemeral")).to_have_count(1)
    await expect(card).to_contain_text("0 of 1 so far")

    await be(page, "U2")  # ben approves: the merge runs once and the card says so, without buttons
    await card.get_by_role("button", name="Approve").click()
    await expect(card).to_contain_text("Done: Merge #7")
    await expect(card).to_contain_text("Approved by @ben — done")
    await expect(card).not_to_contain_text("Merged #7")  # the result is said once, as the reply below the card
    await expect(thread.locator("article").filter(has_text="Merged #7")).to_have_count(1)
    await expect(card.get_by_role("button")).to_have_count(1)  # only the 🎫 reaction button is left
    await expect(page.get_by_test_id("github-counts")).to_contain_text("merges: 1")
    await expect(page.get_by_test_id("pr-7")).to_contain_text("merged")
    assert [(m["repo"], m["number"]) for m in sandbox.github.merges] == [("acme/api", 7)]

    ARTIFACT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACT))
    if os.environ.get("OPSBOT_UPDATE_SCREENSHOT"):  # refresh the README's picture on purpose only
        shutil.copyfile(ARTIFACT, DOCS_SHOT)


async def test_reject_opens_a_modal_and_slash_commands_answer_only_the_asker(
    sandbox: Sandbox, browser: Browser
) -> None:
    page = await browser.new_page(viewport={"width": 1480, "height": 900})
    expect.set_options(timeout=15_000)
    await page.goto(sandbox.url)
    composer = page.get_by_label("Message", exact=True)
    await composer.fill("/ops help")
    await composer.press("Enter")
    channel = page.get_by_role("main")
    help_card = channel.locator("article.ephemeral").filter(has_text="opsbot — what I can do")
    await expect(help_card).to_contain_text("merge_pull_request")

    await composer.fill("@opsbot merge pr 8 in acme/api")
    await composer.press("Enter")
    card = page.get_by_role("complementary", name="Thread").locator("article").filter(has_text="Merge #8")
    await expect(card.get_by_role("button", name="Reject")).to_be_visible()
    await be(page, "U2")
    await expect(help_card).to_have_count(0)  # ana's ephemeral is not ben's
    await card.get_by_role("button", name="Reject").click()
    dialog = page.get_by_role("dialog", name="Reject request")
    await dialog.get_by_label("Reason (optional)").fill("checks are failing")
    await dialog.get_by_role("button", name="Reject").click()
    await expect(dialog).to_have_count(0)
    await expect(card).to_contain_text("Rejected by @ben: checks are failing")
    await expect(card.get_by_role("button", name="Approve")).to_have_count(0)
    assert sandbox.github is not None and sandbox.github.merges == []


async def test_demo_buttons_show_webhooks_digests_and_the_erp(sandbox: Sandbox, browser: Browser) -> None:
    assert sandbox.github is not None and sandbox.odoo is not None
    page = await browser.new_page(viewport={"width": 1480, "height": 900})
    expect.set_options(timeout=15_000)
    await page.goto(sandbox.url)
    demos = page.get_by_role("region", name="Demo buttons")
    channel = page.get_by_role("main")

    await demos.get_by_role("button", name="Simulate CI failure (demo)").click()
    root = channel.locator("article.msg").filter(has_text="CI for acme/api")
    await expect(root).to_have_count(1)
    await root.get_by_role("button", name="1 reply").click()
    thread = page.get_by_role("complementary", name="Thread")
    failure = thread.locator("article").filter(has_text="CI failed on main")
    await expect(failure).to_contain_text("linters")
    await be(page, "U1")
    await failure.get_by_role("button", name="Rerun failed jobs").click()
    card = thread.locator("article").filter(has_text="Re-run failed jobs of")  # the card, whatever its state
    await expect(card).to_contain_text("Approval needed")
    await expect(card.get_by_role("button", name="Approve")).to_be_visible()
    assert sandbox.github.reruns == []  # nothing runs before approval
    await be(page, "U2")
    await card.get_by_role("button", name="Approve").click()
    await expect(card).to_contain_text("Approved by @ben — done")
    await expect(page.get_by_test_id("github-counts")).to_contain_text("re-runs: 1")
    assert sandbox.github.reruns == [{"repo": "acme/api", "run_id": 4243}]  # demo.CI_RUN_ID
    await be(page, "U1")

    await demos.get_by_role("button", name="Digest now (demo)").click()
    digest = channel.locator("article.msg").filter(has_text="Pull requests · acme/api")
    await expect(digest).to_contain_text("Add rate limiting to /login")
    await expect(digest).to_contain_text("on demand from the sandbox page")

    await demos.get_by_role("button", name="/ops erp overdue (demo)").click()
    overdue = channel.locator("article.msg").filter(has_text="overdue invoices").filter(has_text="erp_overdue")
    await expect(overdue).to_contain_text("Birchwood Studio")
    await expect(overdue).to_contain_text("$3,750.00")


async def test_a_typo_gets_a_suggestion_button_that_runs_the_command(sandbox: Sandbox, browser: Browser) -> None:
    page = await opened(browser, sandbox.url)
    composer = page.get_by_label("Message", exact=True)
    await composer.fill("/ops help")
    await composer.press("Enter")
    channel = page.get_by_role("main")
    help_card = channel.locator("article.ephemeral").filter(has_text="opsbot — what I can do")
    await expect(help_card).to_contain_text(re.compile(r"show pr (11|<number>) in acme/api"))  # its repository
    await expect(help_card).to_contain_text("run_runbook")  # the whole list, past Slack's 3,000 per section
    await expect(help_card).not_to_contain_text("pr 42")

    await composer.fill("/ops mrege pr 8")
    await composer.press("Enter")
    reply = channel.locator("article.ephemeral").filter(has_text="I don't know how to do")
    await reply.get_by_role("button", name="▶ merge pr 8").click()
    card = page.locator("article").filter(has_text="Approval needed: Merge #8")
    await expect(card.get_by_role("button", name="Approve")).to_be_visible()
    await expect(card).to_contain_text("@ana")  # proposed as the person who clicked
    assert sandbox.github is not None and sandbox.github.merges == []
