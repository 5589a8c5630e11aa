"""Several replicas on one database, Slack 429s, and a worker that dies: each event handled exactly once."""

from __future__ import annotations

import asyncio

from bot.app.wiring import build
from tests.harness import Harness


async def test_two_replicas_sweeping_the_same_inbox_handle_each_event_once(env: Harness) -> None:
    await env.stop_bot()
    await env.start_bot(paused=True)
    for n in range(5):
        await env.driver.mention(f"help {n}" if n else "help", user="U1")
    replicas = [await build(env.settings(), clock=env.clock, migrate=False) for _ in range(3)]
    try:
        for replica in replicas:
            await replica.start(sweep_interval=None)  # each sweeps at start; all race for the same items
        await asyncio.gather(*(r.worker.sweep() for r in replicas))
        await asyncio.gather(*(r.worker.drain() for r in replicas))
    finally:
        for replica in replicas:
            await replica.close()
    threads = [c.params["thread_ts"] for c in env.slack.calls_to("chat.postMessage")]
    assert len(threads) == 5 and len(set(threads)) == 5


async def test_a_429_from_slack_is_retried_and_the_reply_lands_once(env: Harness) -> None:
    env.slack.fail_next("chat.postMessage", status=429, retry_after=0)
    await env.driver.mention("help")
    await env.settle()
    calls = env.slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]


async def test_the_ack_does_not_wait_for_the_work(env: Harness) -> None:
    await env.stop_bot()
    await env.start_bot(paused=True)
    resp = await env.driver.command("list prs acme/api")
    assert resp.status == 200
    assert env.slack.calls == [c for c in env.slack.calls if c.method == "auth.test"]
