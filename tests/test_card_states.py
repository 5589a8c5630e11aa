"""Cards tell the truth (issue 17, item 2): the header follows the request's state, and the result is said once, as
a reply in the card's thread (which notifies), never again on the card."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.approvals_helpers import submit_last_modal
from tests.harness import Harness
from tests.test_approval_flow import buttons, request_merge

TITLE = "Merge #42 Fix login redirect"


def header(params: dict[str, Any]) -> str:
    [block] = [b for b in params["blocks"] if b["type"] == "header"]
    return str(block["text"]["text"])


def last_card(env: Harness, ts: str) -> dict[str, Any]:
    return [c.params for c in env.slack.calls_to("chat.update") if c.params["ts"] == ts][-1]


async def test_a_pending_card_asks_for_approval(env: Harness) -> None:
    await request_merge(env)
    [card] = env.slack.calls_to("chat.postMessage")
    assert header(card.params).startswith("Approval needed: ")


async def test_a_card_says_running_while_its_merge_is_at_github(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    hold = env.github.hold_next("PUT", r"/pulls/42/merge$")
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    async with asyncio.timeout(10):
        await hold.until_held(1)  # the merge waits at GitHub
    running = json.dumps(last_card(env, ts), ensure_ascii=False)
    assert header(last_card(env, ts)) == f"Running: {TITLE}" and env.github.merges == []
    assert "⏳ Approved by <@U2> — running…" in running and "Approval needed" not in running
    assert buttons(last_card(env, ts)) == []  # nothing left to click while it runs
    hold.release()
    await env.settle()
    assert header(last_card(env, ts)) == f"Done: {TITLE}" and len(env.github.merges) == 1


async def test_an_approved_card_says_done_and_the_result_is_said_once(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert len(env.github.merges) == 1
    assert [header(c.params).split(":")[0] for c in env.slack.calls_to("chat.update")][-1] == "Done"
    final = json.dumps(last_card(env, ts), ensure_ascii=False)
    assert "Approval needed" not in final
    assert "✅ Approved by <@U2> — done" in final
    said = [json.dumps(c.params) for c in [*env.slack.calls_to("chat.postMessage"), *env.slack.calls_to("chat.update")]]
    merged = [s for s in said if "Merged" in s]
    assert len(merged) == 1, merged  # the thread reply only, not the card as well
    [reply] = [c for c in env.slack.calls_to("chat.postMessage") if "Merged" in json.dumps(c.params)]
    [card] = [c for c in env.slack.calls_to("chat.postMessage") if c.response.get("ts") == ts]
    assert reply.params["thread_ts"] == card.params["thread_ts"]  # in the card's thread


async def test_a_rejected_card_says_rejected(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.reject", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    await submit_last_modal(env, "U2", {"reason": "not today"})
    await env.settle()
    assert header(last_card(env, ts)) == f"Rejected: {TITLE}"


async def test_a_failed_merge_says_failed_once(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    env.github.fail_next("PUT", r"/pulls/42/merge$", 405, body={"message": "Pull Request is not mergeable"})
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert header(last_card(env, ts)) == f"Failed: {TITLE}"
    assert "not mergeable" not in json.dumps(last_card(env, ts))  # said in the thread, once
    assert sum("not mergeable" in json.dumps(c.params) for c in env.slack.calls_to("chat.postMessage")) == 1


async def test_an_interrupted_merge_says_outcome_unknown(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    env.github.fail_next("PUT", r"/pulls/42/merge$", 502, apply=True)  # merged, but the answer is lost
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert header(last_card(env, ts)) == f"Outcome unknown: {TITLE}"


@pytest.mark.parametrize("status", ["expired", "superseded"])
async def test_expired_and_superseded_cards_say_so(env: Harness, status: str) -> None:
    approval_id, ts = await request_merge(env)
    assert env.bot is not None
    if status == "expired":
        env.clock.advance(25 * 3600)
        await env.bot.timers.tick()
    else:
        await env.driver.click("opsbot.edit", approval_id, as_user="U1", channel="C1", message_ts=ts)
        await env.settle()
        await submit_last_modal(env, "U1", {"repo": "acme/api", "number": "42", "method": "squash"})
    await env.settle()
    assert header(last_card(env, ts)) == f"{status.capitalize()}: {TITLE}"
    assert buttons(last_card(env, ts)) == []


def approval_cards(env: Harness) -> list[Any]:
    return [c for c in env.slack.calls_to("chat.postMessage") if buttons(c.params)]


async def test_a_merged_pr_is_refused_before_any_card(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert len(env.github.merges) == 1
    await env.driver.mention("merge pr 42 in acme/api", user="U1", channel="C1")
    await env.settle()
    assert len(approval_cards(env)) == 1  # the first request's only
    said = json.dumps(env.slack.calls_to("chat.postMessage")[-1].params)
    assert "#42 in `acme/api` is already merged" in said
    assert len(env.github.merges) == 1


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"mergeable": False, "mergeable_state": "dirty"}, "has conflicts with its base branch"),
        ({"state": "closed"}, "is closed: reopen it"),
    ],
)
async def test_a_conflicted_or_closed_pr_is_refused_before_any_card(
    env: Harness, changes: dict[str, Any], words: str
) -> None:
    pull = env.github.add_pr("acme/api", 9, "Rework the cache", author="ana")
    for name, value in changes.items():
        setattr(pull, name, value)
    await env.driver.mention("merge pr 9 in acme/api", user="U1", channel="C1")
    await env.settle()
    assert approval_cards(env) == []
    [reply] = env.slack.calls_to("chat.postMessage")
    assert words in json.dumps(reply.params)
    assert env.bot is not None
    assert await env.bot.repo.pending_approvals() == []


async def test_a_pr_without_a_failed_run_is_refused_before_any_card(env: Harness) -> None:
    env.github.add_pr("acme/api", 8, "Green change", author="ana", checks="passing")
    await env.driver.mention("rerun failed jobs on pr 8 in acme/api", user="U1", channel="C1")
    await env.settle()
    assert approval_cards(env) == []
    [reply] = env.slack.calls_to("chat.postMessage")
    assert "failed" in json.dumps(reply.params).lower()


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("dispatch workflow ci.yml on main in acme/api", "has no `workflow_dispatch` trigger on `main`"),
        ("dispatch workflow deploy.yml on main in acme/api", "needs input `environment`"),
    ],
)
async def test_a_workflow_github_would_not_start_is_refused_before_any_card(
    env: Harness, command: str, words: str
) -> None:
    env.github.add_workflow("acme/api", "ci.yml", name="CI", dispatchable=False)
    env.github.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",))
    await env.driver.mention(command, user="U1", channel="C1")
    await env.settle()
    assert approval_cards(env) == []
    [reply] = env.slack.calls_to("chat.postMessage")
    assert words in json.dumps(reply.params)
    assert env.github.dispatches == []
