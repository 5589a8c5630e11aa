"""Risky steps: preview card, refused self-approval, one execution however many clicks, stale clicks refused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from bot.store.models import approvals, steps
from tests.approvals_helpers import submit_last_modal
from tests.harness import Harness


def buttons(call_params: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in call_params.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


async def request_merge(env: Harness, *, user: str = "U1") -> tuple[str, str]:
    """Ask for a merge; return (approval id, card ts)."""
    env.github.add_pr("acme/api", 42, title="Fix login redirect", author="octocat", head="fix/login", base="main")
    await env.driver.mention("merge pr 42 in acme/api", user=user, channel="C1")
    await env.settle()
    [card] = env.slack.calls_to("chat.postMessage")
    approve = next(b for b in buttons(card.params) if b["action_id"] == "opsbot.approve")
    return approve["value"], card.response["ts"]


async def step_status(env: Harness) -> str:
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        return str((await conn.execute(select(steps.c.status))).scalar_one())


async def test_merge_posts_a_preview_card_with_buttons(env: Harness) -> None:
    approval_id, _ = await request_merge(env)
    [card] = env.slack.calls_to("chat.postMessage")
    text = json.dumps(card.params["blocks"])
    assert "Fix login redirect" in text and "fix/login" in text and "main" in text
    assert {b["action_id"] for b in buttons(card.params)} == {"opsbot.approve", "opsbot.reject", "opsbot.edit"}
    assert all(b["value"] == approval_id for b in buttons(card.params))
    assert env.github.merges == []
    assert await step_status(env) == "waiting_approval"


async def test_requester_cannot_approve_their_own_request(env: Harness) -> None:
    approval_id, ts = await request_merge(env, user="U1")
    await env.driver.click("opsbot.approve", approval_id, as_user="U1", channel="C1", message_ts=ts)
    await env.settle()
    [eph] = env.slack.calls_to("chat.postEphemeral")
    assert eph.params["user"] == "U1" and "someone else" in eph.params["text"]
    assert env.github.merges == []
    assert await step_status(env) == "waiting_approval"
    assert env.bot is not None
    kinds = [r.kind for r in await env.bot.audit.rows()]
    assert "click.self_approval" in kinds


async def test_another_user_approves_and_the_merge_happens_once(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert len(env.github.merges) == 1
    assert await step_status(env) == "succeeded"
    updates = env.slack.calls_to("chat.update")
    final = updates[-1].params
    assert final["ts"] == ts
    assert buttons(final) == []  # buttons gone
    assert "<@U2>" in json.dumps(final["blocks"])
    assert env.bot is not None
    assert (await env.bot.audit.verify()).ok


async def test_ten_concurrent_approve_clicks_execute_once(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    await asyncio.gather(
        *(
            env.driver.click("opsbot.approve", approval_id, as_user=f"U{n}", channel="C1", message_ts=ts)
            for n in range(2, 12)
        )
    )
    await env.settle()
    assert len(env.github.merges) == 1
    assert await step_status(env) == "succeeded"


async def test_clicks_after_the_decision_change_nothing(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    before = len(env.slack.calls_to("chat.update"))
    await env.driver.click("opsbot.approve", approval_id, as_user="U3", channel="C1", message_ts=ts)
    await env.driver.click("opsbot.reject", approval_id, as_user="U3", channel="C1", message_ts=ts)
    await env.settle()
    assert len(env.github.merges) == 1
    assert len(env.slack.calls_to("chat.update")) == before
    texts = [c.params["text"] for c in env.slack.calls_to("chat.postEphemeral")]
    assert len(texts) == 2 and all("already" in t for t in texts)


async def test_reject_stops_the_run(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.reject", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    await submit_last_modal(env, "U2", {"reason": ""})
    await env.driver.click("opsbot.approve", approval_id, as_user="U3", channel="C1", message_ts=ts)
    await env.settle()
    assert env.github.merges == []
    assert await step_status(env) == "rejected"
    final = env.slack.calls_to("chat.update")[-1].params
    assert "Rejected by <@U2>" in json.dumps(final["blocks"]) and buttons(final) == []


async def test_stale_or_foreign_clicks_are_refused(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    await env.driver.click("opsbot.approve", "no-such-approval", as_user="U2", channel="C1", message_ts=ts)
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C999", message_ts=ts)
    await env.settle()
    assert env.github.merges == []
    assert len(env.slack.calls_to("chat.postEphemeral")) == 2


async def test_expired_request_cannot_be_approved(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    env.clock.advance(3 * 3600)
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert env.github.merges == []
    assert "expired" in env.slack.calls_to("chat.postEphemeral")[0].params["text"]
    final = env.slack.calls_to("chat.update")[-1].params
    assert "Expired" in json.dumps(final["blocks"]) and buttons(final) == []


async def test_a_changed_action_invalidates_the_approval(env: Harness) -> None:
    approval_id, ts = await request_merge(env)
    assert env.bot is not None
    async with env.bot.engine.begin() as conn:
        await conn.execute(steps.update().values(args={"repo": "acme/api", "number": 43, "method": "merge"}))
    await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
    await env.settle()
    assert env.github.merges == []
    assert "changed" in env.slack.calls_to("chat.postEphemeral")[0].params["text"]


async def test_configured_approvers_are_the_only_ones_who_can_approve(db_url: str) -> None:
    async with Harness(db_url, opsbot_approvers="U7") as env:
        approval_id, ts = await request_merge(env)
        await env.driver.click("opsbot.approve", approval_id, as_user="U2", channel="C1", message_ts=ts)
        await env.settle()
        assert env.github.merges == []
        await env.driver.click("opsbot.approve", approval_id, as_user="U7", channel="C1", message_ts=ts)
        await env.settle()
        assert len(env.github.merges) == 1
        assert env.bot is not None
        async with env.bot.engine.connect() as conn:
            assert (await conn.execute(select(approvals.c.approvers))).scalar_one() == ["U7"]
