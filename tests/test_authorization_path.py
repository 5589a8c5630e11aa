"""One authorization path: a rule that lets the requester approve merges once; Retry and Mark done are re-checked
(workspace, channel, approver list) exactly like Approve, and every refusal is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.store.models import steps
from tests.approvals_helpers import buttons, cards, click, text_of
from tests.fakes.slack_api import Call
from tests.fakes.slack_driver import SlackDriver
from tests.harness import SIGNING_SECRET, Harness

SELF_SERVICE = """
defaults:
  approvers: anyone
  required: 1
  requester_may_approve: true
"""
NAMED = """
defaults:
  approvers: ["@ops"]
  required: 1
"""


async def harness(db_url: str, tmp_path: Path, policy: str) -> AsyncIterator[Harness]:
    path = tmp_path / "policy.yaml"
    path.write_text(policy, encoding="utf-8")
    async with Harness(db_url, opsbot_policy=str(path)) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana")
        env.slack.set_usergroup("S0OPS", ["U2", "U3"], handle="ops")
        yield env


@pytest.fixture
async def self_service(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async for env in harness(db_url, tmp_path, SELF_SERVICE):
        yield env


@pytest.fixture
async def named(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async for env in harness(db_url, tmp_path, NAMED):
        yield env


async def audit_kinds(env: Harness) -> list[str]:
    assert env.bot is not None
    return [str(r.kind) for r in await env.bot.audit.rows()]


async def step_status(env: Harness) -> str:
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        return str((await conn.execute(select(steps.c.status))).scalar_one())


async def test_a_rule_that_lets_the_requester_approve_merges_once_on_their_click(self_service: Harness) -> None:
    env = self_service
    await env.driver.mention("merge pr 7 in acme/api", user="U1")
    await env.settle()
    [card] = cards(env)
    await click(env, "opsbot.approve", card, "U1")
    await click(env, "opsbot.approve", card, "U1")  # a double click changes nothing
    assert [m["number"] for m in env.github.merges] == [7]
    assert await step_status(env) == "succeeded"
    kinds = await audit_kinds(env)
    assert kinds.count("approval.approved") == 1 and "click.self_approval" not in kinds
    assert env.bot is not None and (await env.bot.audit.verify()).ok


async def unknown_merge(env: Harness) -> tuple[Call, dict[str, str]]:
    """A merge that GitHub answered 502: the step is `unknown`; its message and its Retry / Mark done values."""
    env.github.fail_next("PUT", r"/pulls/7/merge$", 502)
    await env.driver.mention("merge pr 7 in acme/api", user="U1")
    await env.settle()
    [card] = cards(env)
    await click(env, "opsbot.approve", card, "U2")
    [message] = [c for c in env.slack.calls_to("chat.postMessage") if "can't tell" in text_of(c.params)]
    values = {b["action_id"]: b["value"] for b in buttons(message.params)}
    assert await step_status(env) == "unknown" and env.github.merges == []
    return message, values


async def press(env: Harness, driver: SlackDriver, action: str, value: str, message: Call, **where: Any) -> None:
    await driver.click(action, value, message_ts=message.response["ts"], **where)
    await env.settle()


@pytest.mark.parametrize("action", ["opsbot.retry", "opsbot.mark_done"])
async def test_retry_and_mark_done_from_another_channel_or_workspace_change_nothing(
    named: Harness, action: str
) -> None:
    env = named
    message, values = await unknown_merge(env)
    elsewhere = SlackDriver(env.url, SIGNING_SECRET, team_id="T999", now=env.driver.now)
    await press(env, env.driver, action, values[action], message, as_user="U2", channel="C2")
    await press(env, elsewhere, action, values[action], message, as_user="U2", channel="C1")
    assert env.github.merges == [] and await step_status(env) == "unknown"
    kinds = await audit_kinds(env)  # the other channel: refused by the click check; the other workspace: at the door
    assert kinds.count("click.mismatch") == 1 and kinds.count("request.foreign") == 1
    refusals = [c.params for c in env.slack.calls_to("chat.postEphemeral") if c.params.get("user") == "U2"]
    assert len(refusals) == 1 and "does not belong to this conversation" in refusals[0]["text"]
    await press(env, env.driver, action, values[action], message, as_user="U2", channel="C1")  # the real one
    assert await step_status(env) == "succeeded"
    assert len(env.github.merges) == (1 if action == "opsbot.retry" else 0)


async def test_a_non_approvers_retry_is_refused_and_audited(named: Harness) -> None:
    env = named
    message, values = await unknown_merge(env)
    await press(env, env.driver, "opsbot.retry", values["opsbot.retry"], message, as_user="U5", channel="C1")
    await press(env, env.driver, "opsbot.retry", values["opsbot.retry"], message, as_user="U1", channel="C1")
    assert env.github.merges == [] and await step_status(env) == "unknown"
    kinds = await audit_kinds(env)
    assert "click.not_allowed" in kinds and "click.self_approval" in kinds and "step.retry" not in kinds
    await press(env, env.driver, "opsbot.retry", values["opsbot.retry"], message, as_user="U3", channel="C1")
    assert [m["number"] for m in env.github.merges] == [7] and await step_status(env) == "succeeded"
