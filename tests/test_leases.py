"""Short leases with a heartbeat (issue 16, item 3): work holds a 30 s lease that its worker renews every 10 s, with
the heartbeat of every step it executes. While the heartbeat goes on nobody else takes the work; once it stops (the
process died) another replica's sweep takes the event up within lease + sweep interval (40 s), a read cut off runs
again and is answered once, and a risky step cut off becomes `unknown` with its Mark done / Retry card. The sweep
never waits for the work it starts. Leases are compared on the database's clock (bot.store.db_clock).

`env.bot` plays the replica that dies: its heartbeat is driven by the test (`worker.heartbeat()`), so stopping the
calls is its death; the FakeClock says how much time passed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app.wiring import Opsbot, build
from bot.core.clock import FakeClock
from bot.store.db_clock import DatabaseClock
from bot.store.engine import make_engine
from bot.store.models import inbox, steps
from tests.approvals_helpers import buttons, cards, text_of
from tests.harness import Harness

LIST = "list prs in acme/api"
BEAT = 10.0  # seconds: a third of the 30 s lease
SWEEP = 10.0  # the sweeper's and the recovery's interval (bot.app.wiring: a third of the lease, at most 15 s)


@pytest.fixture
async def second(env: Harness) -> AsyncIterator[Opsbot]:
    """Another replica on the same database and the same clock; its sweeps and timer passes are driven here."""
    replica = await build(env.settings(), clock=env.clock, migrate=False)
    await replica.start(sweep_interval=None)
    try:
        yield replica
    finally:
        env.github.release_holds()  # the first replica's hung call ends, so both can stop
        await replica.close()


def answers_in(env: Harness, thread_ts: str) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in env.slack.calls_to("chat.postMessage")
        if c.ok and c.params.get("thread_ts") == thread_ts
    ]


async def step_row(env: Harness) -> dict[str, object]:
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        [row] = (await conn.execute(select(steps.c.status, steps.c.claimed_by, steps.c.heartbeat_at))).mappings()
        return dict(row)


async def inbox_row(env: Harness) -> dict[str, object]:
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        [row] = (await conn.execute(select(inbox.c.status, inbox.c.claimed_by, inbox.c.attempts))).mappings()
        return dict(row)


async def hung_list(env: Harness) -> str:
    """A `list prs` whose GitHub call hangs in `env.bot`: returns the thread its answer belongs in."""
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    hold = env.github.hold_next("POST", r"/graphql$")
    asked = await env.driver.mention(LIST, user="U1", channel="C1")
    async with asyncio.timeout(10):
        await hold.arrived.wait()
    return str(asked.payload["event"]["ts"])


async def test_the_heartbeat_keeps_the_lease_and_a_dead_workers_event_is_taken_within_40_s(
    env: Harness, second: Opsbot, caplog: pytest.LogCaptureFixture
) -> None:
    assert env.bot is not None
    thread = await hung_list(env)
    assert (await step_row(env))["claimed_by"] == env.bot.worker.name  # the step is claimed by name, with a beat

    for _ in range(9):  # 90 s, three leases' worth: renewed every 10 s, never taken
        env.clock.advance(BEAT)
        await env.bot.worker.heartbeat()
        assert await second.worker.sweep() == 0
        await second.timers.tick()  # its recovery leaves a step that is still heartbeating alone
    assert (await step_row(env))["status"] == "executing"
    assert (await inbox_row(env))["claimed_by"] == env.bot.worker.name

    # The first replica dies: no more heartbeats. The second one's sweeps, every 10 s, take the event up.
    waited = 0.0
    while await second.worker.sweep() == 0:
        assert waited < 40, "not taken up within lease + sweep interval"
        env.clock.advance(SWEEP)
        waited += SWEEP
    assert 30 < waited <= 40
    await second.worker.drain()
    [answer] = answers_in(env, thread)  # the read ran again there and was answered, not skipped
    assert "1 open pull request" in answer
    assert await inbox_row(env) == {"status": "done", "claimed_by": second.worker.name, "attempts": 2}

    with caplog.at_level(logging.WARNING, logger="bot.edges.worker"):
        await env.bot.worker.heartbeat()  # the first one was only stuck: it learns it lost the lease
    assert any("lost the lease" in r.getMessage() for r in caplog.records)
    env.github.release_holds()
    await env.settle()  # its call ends: its answer is dropped (the step was settled), nothing posted twice
    assert len(answers_in(env, thread)) == 1
    assert (await step_row(env))["status"] == "succeeded"


async def test_a_sweep_returns_while_the_work_it_started_runs(env: Harness) -> None:
    assert env.bot is not None
    env.bot.worker.paused = True  # stored, left for a sweep
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    hold = env.github.hold_next("POST", r"/graphql$")
    asked = await env.driver.mention(LIST, user="U1", channel="C1")
    help_asked = await env.driver.mention("pending", user="U2", channel="C1")  # answered without GitHub
    env.bot.worker.paused = False
    async with asyncio.timeout(5):
        assert await env.bot.worker.sweep() == 2  # returns with the list still hanging
        await hold.arrived.wait()
    assert await env.bot.worker.sweep() == 0  # what runs here is not taken again
    await env.slack.wait_for(
        "chat.postMessage", lambda c: c.params.get("thread_ts") == help_asked.payload["event"]["ts"]
    )
    assert answers_in(env, asked.payload["event"]["ts"]) == []
    hold.release()
    await env.settle()
    assert len(answers_in(env, asked.payload["event"]["ts"])) == 1


async def test_a_read_cut_off_is_run_again_by_any_replicas_recovery_and_answered_once(
    env: Harness, second: Opsbot
) -> None:
    assert env.bot is not None
    thread = await hung_list(env)
    env.clock.advance(BEAT * 3 + 1)  # three missed beats: cut off
    await second.timers.tick()  # not the inbox retry: the recovery pass of another replica
    [answer] = answers_in(env, thread)
    assert "1 open pull request" in answer
    row = await step_row(env)
    assert row["status"] == "succeeded" and row["claimed_by"] == second.worker.name

    assert await second.worker.sweep() == 1  # the dead replica's event itself: its run is answered already
    await second.worker.drain()
    env.github.release_holds()
    await env.settle()
    assert len(answers_in(env, thread)) == 1
    assert (await inbox_row(env))["status"] == "done"


async def test_a_risky_step_cut_off_becomes_unknown_with_its_buttons_within_a_minute(
    env: Harness, second: Opsbot
) -> None:
    assert env.bot is not None
    env.github.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana")
    await env.driver.mention("merge pr 7 in acme/api", user="U1")
    await env.settle()
    [card] = cards(env)
    hold = env.github.hold_next("PUT", r"/pulls/7/merge$")
    value = next(b["value"] for b in buttons(card.params) if b["action_id"] == "opsbot.approve")
    await env.driver.click("opsbot.approve", value, as_user="U2", channel="C1", message_ts=card.response["ts"])
    async with asyncio.timeout(10):
        await hold.arrived.wait()  # the merge call hangs in the first replica, which then dies

    env.clock.advance(BEAT * 2)
    await second.timers.tick()
    assert (await step_row(env))["status"] == "executing"  # two missed beats: still its own
    env.clock.advance(BEAT + 1)
    await second.timers.tick()  # a pass every 10 s: within 30 + 10 s of the last beat

    assert (await step_row(env))["status"] == "unknown"
    [unknown] = [c for c in env.slack.calls_to("chat.postMessage") if "interrupted" in text_of(c.params)]
    assert {b["action_id"] for b in buttons(unknown.params)} >= {"opsbot.mark_done", "opsbot.retry"}
    hold.release()  # the call ends after all: its outcome stays for a person to decide, never retried blindly
    await env.settle()
    assert (await step_row(env))["status"] == "unknown"


async def test_a_drained_replicas_risky_step_is_unknown_at_the_retry_of_its_event(env: Harness, second: Opsbot) -> None:
    """A draining process gives back its events *and* its steps: no waiting for the heartbeat timeout."""
    assert env.bot is not None
    env.github.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana")
    await env.driver.mention("merge pr 7 in acme/api", user="U1")
    await env.settle()
    [card] = cards(env)
    hold = env.github.hold_next("PUT", r"/pulls/7/merge$")
    value = next(b["value"] for b in buttons(card.params) if b["action_id"] == "opsbot.approve")
    await env.driver.click("opsbot.approve", value, as_user="U2", channel="C1", message_ts=card.response["ts"])
    async with asyncio.timeout(10):
        await hold.arrived.wait()
    assert await env.bot.finish_work(0) == 1  # the click's event is given back; the merge is cut off

    assert await second.worker.sweep() == 1
    await second.worker.drain()
    await second.timers.tick()  # no clock moved: the step was cut off at once
    assert (await step_row(env))["status"] == "unknown"
    assert len([c for c in env.slack.calls_to("chat.postMessage") if "interrupted" in text_of(c.params)]) == 1


async def test_the_heartbeat_task_renews_on_its_own(db_url: str) -> None:
    async with Harness(db_url, opsbot_lease_seconds=3) as env:
        assert env.bot is not None
        worker = env.bot.worker
        assert worker.lease == timedelta(seconds=3) and worker.heartbeat_every == 1.0
        thread = await hung_list(env)
        env.clock.advance(2.5)
        worker.start(interval=3600)  # the sweeper sleeps; the heartbeat beats every second
        try:
            async with asyncio.timeout(10):
                while (await step_row(env))["heartbeat_at"] != env.clock.now():
                    await asyncio.sleep(0.05)  # sleep-ok: the heartbeat runs on real time; its row is polled
            async with env.bot.engine.connect() as conn:
                lease_until = (await conn.execute(select(inbox.c.lease_until))).scalar_one()
            assert lease_until == env.clock.now() + timedelta(seconds=3)
        finally:
            env.github.release_holds()
            await worker.stop()
        assert len(answers_in(env, thread)) == 1


async def test_the_database_clock_is_the_local_clock_plus_the_measured_offset(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        behind = FakeClock(datetime(2020, 1, 1, tzinfo=UTC))  # a replica whose clock is years behind
        clock = DatabaseClock(engine, local=behind)
        offset = await clock.measure()
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=2)
        assert abs(offset - (datetime.now(UTC) - behind.now())) < timedelta(seconds=2)
        behind.advance(60)
        assert clock.now() - behind.now() == offset  # read locally: no query per lease
        right = DatabaseClock(engine)
        assert abs(await right.measure()) < timedelta(seconds=2)  # this machine's clock and the database's agree
    finally:
        await engine.dispose()


async def test_production_wiring_compares_leases_on_the_database_clock(env: Harness) -> None:
    bot = await build(env.settings(), migrate=False)  # no clock given: as `opsbot run` builds it
    try:
        assert isinstance(bot.worker.clock, DatabaseClock) and bot.db_clock is bot.worker.clock
        assert bot.worker.lease == timedelta(seconds=30) and bot.worker.heartbeat_every == BEAT
    finally:
        await bot.close()
