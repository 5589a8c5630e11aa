"""Approvals under a policy file: groups and quorum, channel limits, reasons, edits, reminders and expiry."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store.models import approvals, steps
from tests.approvals_helpers import approval_of, buttons, cards, click, last_card_update, submit_last_modal, text_of
from tests.harness import Harness

POLICY = """
defaults:
  approvers: channel
  required: 1
  expires_after: 2h
rules:
  - name: releases
    tools: [merge_pull_request]
    repos: ["acme/*"]
    approvers: ["@release-managers"]
    required: 2
    expires_after: 2h
    remind_before: 30m
    escalate_to: ["@oncall"]
  - name: deploys
    tools: [dispatch_workflow]
    only_in: ["#deploys"]
    approvers: channel
"""


@pytest.fixture
async def penv(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    async with Harness(db_url, opsbot_policy=str(path)) as env:
        env.slack.set_usergroup("S0RM", ["U2", "U3", "U4"], handle="release-managers")
        env.slack.set_usergroup("S0OC", ["U9"], handle="oncall")
        env.github.add_pr("acme/api", 42, "Release 1.4", author="ana", head="release/1.4", base="main")
        yield env


async def ask_merge(env: Harness) -> None:
    await env.driver.mention("merge pr 42 in acme/api", user="U1", channel="C1")
    await env.settle()


async def test_two_distinct_group_members_are_needed(penv: Harness) -> None:
    await ask_merge(penv)
    [card] = cards(penv)
    assert "@release-managers" in text_of(card.params) and "Needs 2 approvals" in text_of(card.params)
    await click(penv, "opsbot.approve", card, "U5")  # in the channel, not in the group
    await click(penv, "opsbot.approve", card, "U2")
    await click(penv, "opsbot.approve", card, "U2")  # the same person twice counts once
    assert penv.github.merges == []
    assert "1 of 2 so far (<@U2>)" in text_of(last_card_update(penv, card))
    refusals = [c.params["text"] for c in penv.slack.calls_to("chat.postEphemeral")]
    assert "Only @release-managers" in refusals[0] and "already approved" in refusals[1]
    await click(penv, "opsbot.approve", card, "U3")
    assert len(penv.github.merges) == 1
    final = last_card_update(penv, card)
    assert buttons(final) == [] and "<@U2>, <@U3>" in text_of(final)


async def test_group_lookup_failure_refuses_and_changes_nothing(penv: Harness) -> None:
    await ask_merge(penv)
    [card] = cards(penv)
    penv.slack.fail_next("usergroups.users.list", status=200, error="ratelimited_forever")
    await click(penv, "opsbot.approve", card, "U2")
    assert "couldn't confirm" in penv.slack.calls_to("chat.postEphemeral")[0].params["text"]
    assert penv.bot is not None
    kinds = [r.kind for r in await penv.bot.audit.rows()]
    assert "click.lookup_failed" in kinds
    async with penv.bot.engine.connect() as conn:
        assert (await conn.execute(select(approvals.c.status))).scalar_one() == "pending"


async def test_quorum_holds_when_approvers_click_at_the_same_instant(penv: Harness) -> None:
    await ask_merge(penv)
    [card] = cards(penv)
    await asyncio.gather(*(click(penv, "opsbot.approve", card, u) for u in ("U2", "U3", "U4")))
    assert len(penv.github.merges) == 1


async def test_approve_and_reject_at_once_end_in_one_final_state(env: Harness) -> None:
    for trial in range(1, 9):
        env.github.add_pr("acme/api", trial, "Tiny fix", author="ana")
        await env.driver.mention(f"merge pr {trial} in acme/api", user="U1")
        await env.settle()
        card = cards(env)[-1]
        metadata = json.dumps({"approval": approval_of(card), "channel": "C1"})
        await asyncio.gather(
            env.driver.click(
                "opsbot.approve", approval_of(card), as_user="U2", channel="C1", message_ts=card.response["ts"]
            ),
            env.driver.submit_view(
                "opsbot.reject", {"reason": {"value": "no"}}, as_user="U3", private_metadata=metadata
            ),
        )
        await env.settle()
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        statuses = [r for r in (await conn.execute(select(approvals.c.status))).scalars()]
    assert set(statuses) <= {"approved", "rejected"} and len(statuses) == 8
    assert len(env.github.merges) == statuses.count("approved")


async def test_dispatch_is_only_allowed_in_deploys(penv: Harness) -> None:
    penv.github.add_workflow("acme/api", "deploy.yml")
    penv.slack.set_channel_name("C7", "deploys")
    penv.slack.set_members("C7", ["U1", "U2"])
    await penv.driver.mention("dispatch workflow deploy.yml on main in acme/api", user="U1", channel="C1")
    await penv.settle()
    assert cards(penv) == []
    assert "only allowed in #deploys" in text_of(penv.slack.calls_to("chat.postMessage")[0].params)
    await penv.driver.mention("dispatch workflow deploy.yml on main in acme/api", user="U1", channel="C7")
    await penv.settle()
    [card] = cards(penv)
    await click(penv, "opsbot.approve", card, "U2", channel="C7")
    assert len(penv.github.dispatches) == 1


async def test_reject_with_a_reason_in_a_modal(env: Harness) -> None:
    env.github.add_pr("acme/api", 6, "Risky change", author="ana")
    await env.driver.mention("merge pr 6 in acme/api", user="U1")
    await env.settle()
    [card] = cards(env)
    await click(env, "opsbot.reject", card, "U2")
    assert env.slack.calls_to("views.open"), "the reject button opens a modal"
    await submit_last_modal(env, "U2", {"reason": "Wait for the freeze to end"})
    final = last_card_update(env, card)
    assert "Rejected by <@U2>: Wait for the freeze to end" in text_of(final) and buttons(final) == []
    assert env.github.merges == []


async def test_requester_edits_before_approval_and_the_old_card_is_superseded(env: Harness) -> None:
    env.github.add_pr("acme/api", 6, "First", author="ana")
    env.github.add_pr("acme/api", 7, "Second", author="ana")
    await env.driver.mention("merge pr 6 in acme/api", user="U1")
    await env.settle()
    [old] = cards(env)
    await click(env, "opsbot.edit", old, "U2")  # only the requester may edit
    assert "Only the person who asked" in env.slack.calls_to("chat.postEphemeral")[0].params["text"]
    await click(env, "opsbot.edit", old, "U1")
    await submit_last_modal(env, "U1", {"repo": "acme/api", "number": "7", "method": "squash"})
    new = cards(env)[-1]
    assert new is not old and "Second" in text_of(new.params)
    assert "Superseded" in text_of(last_card_update(env, old))
    await click(env, "opsbot.approve", old, "U2")
    assert env.github.merges == []
    assert "replaced by a newer request" in env.slack.calls_to("chat.postEphemeral")[-1].params["text"]
    await click(env, "opsbot.approve", new, "U2")
    assert [m["number"] for m in env.github.merges] == [7]


async def test_a_reminder_held_up_by_slack_does_not_hold_up_an_expiry(penv: Harness) -> None:
    """Issue 16: timer work waits for nothing else. Slack refuses every post for minutes; the reminder waits for its
    Retry-After, and the expiry that falls due meanwhile is decided on time (its card update is another method)."""
    await ask_merge(penv)
    [card] = cards(penv)
    assert penv.bot is not None
    penv.clock.advance(91 * 60)  # the reminder is due
    penv.slack.refuse_for("chat.postMessage", 600, retry_after=300)
    penv.bot.timers.start(interval=0.05)  # the loop, as in production (a pass every 50 ms of real time)
    try:
        await penv.slack.wait_for("chat.postMessage", lambda c: c.status == 429 and "Still waiting" in str(c.params))
        penv.clock.advance(30 * 60)  # and now the expiry
        ts = card.response["ts"]
        await penv.slack.wait_for("chat.update", lambda c: c.params["ts"] == ts and "Expired" in text_of(c.params))
        assert not [c for c in penv.slack.calls_to("chat.postMessage") if c.ok and "Still waiting" in str(c.params)]
    finally:
        await penv.bot.timers.stop()
    async with penv.bot.engine.connect() as conn:
        assert [r.status for r in (await conn.execute(select(approvals.c.status))).all()] == ["expired"]
    assert penv.github.merges == []


async def test_reminder_once_then_expiry_once_and_nothing_runs(penv: Harness) -> None:
    await ask_merge(penv)
    [card] = cards(penv)
    assert penv.bot is not None
    penv.clock.advance(89 * 60)
    await penv.bot.timers.tick()
    assert len(penv.slack.calls_to("chat.postMessage")) == 1  # too early
    penv.clock.advance(2 * 60)
    await penv.bot.timers.tick()
    await penv.bot.timers.tick()
    reminders = [c for c in penv.slack.calls_to("chat.postMessage") if "Still waiting" in c.params["text"]]
    assert len(reminders) == 1 and "@oncall" in reminders[0].params["text"]
    assert reminders[0].params["thread_ts"] == card.params.get("thread_ts")
    penv.clock.advance(30 * 60)
    await penv.bot.timers.tick()
    await penv.bot.timers.tick()
    expired = [c for c in penv.slack.calls_to("chat.postMessage") if "expired" in c.params["text"]]
    assert len(expired) == 1
    final = last_card_update(penv, card)
    assert "Expired" in text_of(final) and buttons(final) == []
    await click(penv, "opsbot.approve", card, "U2")
    await click(penv, "opsbot.approve", card, "U3")
    assert penv.github.merges == []


async def test_a_crash_during_the_call_asks_a_human_then_retries_once(env: Harness) -> None:
    env.github.add_pr("acme/api", 8, "Hotfix", author="ana")
    env.github.fail_next("PUT", r"/pulls/8/merge$", 502)
    await env.driver.mention("merge pr 8 in acme/api", user="U1")
    await env.settle()
    [card] = cards(env)
    await click(env, "opsbot.approve", card, "U2")
    assert env.github.merges == []
    unknown = [c for c in env.slack.calls_to("chat.postMessage") if "can't tell" in text_of(c.params)]
    assert len(unknown) == 1
    retry = next(b for b in buttons(unknown[0].params) if b["action_id"] == "opsbot.retry")
    await env.driver.click(
        "opsbot.retry", retry["value"], as_user="U1", channel="C1", message_ts=unknown[0].response["ts"]
    )
    await env.settle()
    assert env.github.merges == []  # the requester may not resolve it either
    for user in ("U2", "U3"):
        await env.driver.click(
            "opsbot.retry", retry["value"], as_user=user, channel="C1", message_ts=unknown[0].response["ts"]
        )
    await env.settle()
    assert len(env.github.merges) == 1
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        assert (await conn.execute(select(steps.c.status))).scalar_one() == "succeeded"


async def test_a_step_cut_off_by_a_restart_becomes_unknown_and_can_be_marked_done(env: Harness) -> None:
    env.github.add_pr("acme/api", 9, "Docs", author="ana")
    await env.driver.mention("merge pr 9 in acme/api", user="U1")
    await env.settle()
    assert len(cards(env)) == 1
    assert env.bot is not None
    async with env.bot.engine.begin() as conn:  # as if it was approved and the process died mid-merge
        await conn.execute(approvals.update().values(status="approved", decided_at=env.clock.now()))
        await conn.execute(steps.update().values(status="executing", started_at=env.clock.now()))
    env.clock.advance(11 * 60)
    await env.restart()
    assert env.bot is not None
    await env.bot.timers.tick()
    unknown = [c for c in env.slack.calls_to("chat.postMessage") if "can't tell" in text_of(c.params)]
    assert len(unknown) == 1 and env.github.merges == []
    done = next(b for b in buttons(unknown[0].params) if b["action_id"] == "opsbot.mark_done")
    await env.driver.click(
        "opsbot.mark_done", done["value"], as_user="U2", channel="C1", message_ts=unknown[0].response["ts"]
    )
    await env.settle()
    assert env.github.merges == []
    async with env.bot.engine.connect() as conn:
        assert (await conn.execute(select(steps.c.status))).scalar_one() == "succeeded"


async def test_pending_and_audit_commands(penv: Harness) -> None:
    await ask_merge(penv)
    [card] = cards(penv)
    await click(penv, "opsbot.approve", card, "U2")
    await penv.driver.command("pending", user="U1", channel="C1")
    await penv.settle()
    pending = penv.slack.calls_to("response_url")[-1].params
    assert (
        "Release 1.4" in text_of(pending)
        and "expires in" in text_of(pending)
        and "@release-managers" in text_of(pending)
    )
    for query in ("audit <@U2|ana>", "audit today", "audit nonsense!"):
        await penv.driver.command(query, user="U1", channel="C1")
        await penv.settle()
    by_user, today, bad = (c.params for c in penv.slack.calls_to("response_url")[-3:])
    assert "approval.decision" in text_of(by_user)
    assert "approval.requested" in text_of(today) and "plan" in text_of(today)
    assert "run id" in text_of(bad)
