"""A draining process (issue 15, item 3): it stops taking work, lets work in flight end until its deadline, then
cancels it and gives the events back, so another replica answers each of them once — nothing lost, nothing twice.
The same with the real `opsbot run` and SIGTERM: tests/test_drain_process.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app.wiring import Opsbot, build
from tests.fakes.openai_server import Delay, text_response
from tests.harness import Harness

LIST = "list prs in acme/api"


@pytest.fixture
async def second(env: Harness) -> AsyncIterator[Opsbot]:
    """Another replica on the same database (its sweeps are driven by the test)."""
    replica = await build(env.settings(), clock=env.clock, migrate=False)
    await replica.start(sweep_interval=None)
    try:
        yield replica
    finally:
        await replica.close()


def answers_in(env: Harness, thread_ts: str) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in env.slack.calls_to("chat.postMessage")
        if c.ok and c.params.get("thread_ts") == thread_ts
    ]


async def test_a_hung_read_is_given_back_and_another_replica_answers_it_once(env: Harness, second: Opsbot) -> None:
    assert env.bot is not None
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    hold = env.github.hold_next("POST", r"/graphql$")
    asked = await env.driver.mention(LIST, user="U1", channel="C1")
    async with asyncio.timeout(10):
        await hold.arrived.wait()  # the GitHub call hangs

    given_back = await env.bot.finish_work(0)

    assert given_back == 1
    assert answers_in(env, asked.payload["event"]["ts"]) == []
    late = await env.driver.mention("help", user="U2", channel="C1")  # arrives while draining: stored, not taken
    assert late.status == 200
    assert answers_in(env, late.payload["event"]["ts"]) == []

    assert await second.worker.sweep() == 2  # the other replica's next sweep takes both up
    await second.worker.drain()
    hold.release()  # the first process's call finally ends: its answer is dropped, nothing is posted twice
    [answer] = answers_in(env, asked.payload["event"]["ts"])
    assert "1 open pull request" in answer
    assert len(answers_in(env, late.payload["event"]["ts"])) == 1


async def test_work_that_ends_before_the_deadline_is_finished_not_given_back(env: Harness) -> None:
    assert env.bot is not None
    asked = await env.driver.mention("help", user="U1", channel="C1")
    assert await env.bot.finish_work(30) == 0
    assert len(answers_in(env, asked.payload["event"]["ts"])) == 1


async def test_a_second_signal_cuts_the_wait_short(env: Harness, second: Opsbot) -> None:
    assert env.bot is not None
    env.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    hold = env.github.hold_next("POST", r"/graphql$")
    asked = await env.driver.mention(LIST, user="U1", channel="C1")
    async with asyncio.timeout(10):
        await hold.arrived.wait()
    now = asyncio.Event()
    now.set()
    async with asyncio.timeout(10):  # not the 600 s it was given
        assert await env.bot.finish_work(600, cut_short=now) == 1
    hold.release()
    assert await second.worker.sweep() == 1
    await second.worker.drain()
    assert len(answers_in(env, asked.payload["event"]["ts"])) == 1


async def test_an_agent_turn_cut_off_is_taken_up_by_another_replica(db_url: str) -> None:
    async with Harness(db_url, model=True) as aenv:
        assert aenv.bot is not None and aenv.model is not None
        aenv.model.script(Delay(60), text_response("never seen"), text_response("No open pull requests in acme/api."))
        asked = await aenv.driver.mention("anything open in acme/api?", user="U1", channel="C1")
        await aenv.model.wait_for_requests(1)  # the model is thinking (for 60 s)
        assert await aenv.bot.finish_work(0) == 1
        replica = await build(aenv.settings(), clock=aenv.clock, migrate=False)
        try:
            await replica.start(sweep_interval=None)  # its first sweep takes it up: the turn's lease was given back
            await replica.worker.drain()
        finally:
            await replica.close()
        texts = answers_in(aenv, asked.payload["event"]["ts"])
        assert any("No open pull requests" in t for t in texts), texts
        assert not any("never seen" in t for t in texts)
