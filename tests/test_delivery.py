"""Delivery to Slack through the outbox (issue 16, items 1 and 2): Slack's 429s, 5xx answers and lost answers delay
a reply but never drop it or replace it with an error message; a message is sent once, even when the work runs
again after its post reached Slack unrecorded; a message Slack never takes is dead-lettered after its deadline,
counted and audited. With the real `opsbot run` and SIGKILL: tests/test_delivery_process.py."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.app.wiring import Opsbot, build
from bot.core import metrics
from bot.core.errors import NotInChannel
from bot.sandbox.fakes.slack_faults import RESET
from bot.store.database import all_rows
from bot.store.models import outbox_messages
from bot.store.outbox_rows import OutboxRows
from integrations.slack_retry import DeliveryConfig
from tests.fakes.slack_api import Call
from tests.harness import Harness

HELP = "Here is what I can do."
FAST = DeliveryConfig(backoff_base=0.02, backoff_cap=0.2, pace_per_second=0)


def fast(bot: Opsbot | None, **changes: Any) -> None:
    assert bot is not None
    bot.chat.outbox.config = DeliveryConfig(**{**FAST.__dict__, **changes})


def answers(env: Harness) -> list[Call]:
    return [c for c in env.slack.calls_to("chat.postMessage") if c.ok]


def no_error_message(env: Harness) -> None:
    said = [str(c.params.get("text")) for c in env.slack.calls if c.method.startswith("chat.")]
    assert not [text for text in said if "went wrong" in text], said


async def mentions(env: Harness, count: int) -> list[str]:
    sent = [await env.driver.mention("help", user="U1", channel="C1") for _ in range(count)]
    return [str(resp.payload["event"]["ts"]) for resp in sent]


def once_each(env: Harness, threads: list[str]) -> None:
    delivered = Counter(c.params.get("thread_ts") for c in answers(env))
    assert max(delivered.values(), default=0) <= 1  # no answer posted twice
    in_slack = Counter(m.get("thread_ts") for m in env.slack.messages("C1") if m.get("bot_id"))
    assert {t: in_slack[t] for t in threads} == dict.fromkeys(threads, 1)  # what people see: one answer each
    assert all(c.params["text"] == HELP for c in answers(env))


async def statuses(env: Harness) -> Counter[str]:
    assert env.bot is not None
    return Counter(await OutboxRows(env.bot.engine).counts())


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def window_of_429s(env: Harness, seconds: float) -> None:
    """Every post refused with 429 for `seconds` while 20 mentions arrive: all 20 answers arrive once afterwards."""
    fast(env.bot)
    env.slack.refuse_for("chat.postMessage", seconds, retry_after=1)
    started = time.monotonic()

    threads = await mentions(env, 20)
    await env.settle()

    assert time.monotonic() - started >= seconds - 0.5  # the answers waited for the window to end
    once_each(env, threads)
    no_error_message(env)
    refused = [c for c in env.slack.calls_to("chat.postMessage") if c.status == 429]
    assert refused and len(refused) < 20 * (seconds + 1)  # Retry-After is kept: no hammering
    assert await statuses(env) == {"delivered": 20}


async def test_a_window_of_429s_delays_every_answer_and_replaces_none(env: Harness) -> None:
    await window_of_429s(env, 3)


@pytest.mark.slow
async def test_the_issues_12_s_window_of_429s_delays_every_answer_and_replaces_none(env: Harness) -> None:
    await window_of_429s(env, 12)  # real time: the fake refuses for 12 s on its clock, as Slack would


async def test_with_a_tenth_answered_500_every_answer_arrives_once(env: Harness) -> None:
    fast(env.bot)
    env.slack.fail_share("chat.postMessage", 0.1, status=500, seed=16)

    threads = await mentions(env, 100)
    await env.settle()

    assert [c for c in env.slack.calls_to("chat.postMessage") if c.status == 500]
    once_each(env, threads)
    no_error_message(env)
    assert await statuses(env) == {"delivered": 100}


async def test_a_lost_answer_or_a_reset_connection_is_found_in_the_thread_not_posted_again(env: Harness) -> None:
    fast(env.bot)
    adopted = sample("opsbot_outbox_messages_total", method="chat.postMessage", outcome="adopted")
    env.slack.ghost_next("chat.postMessage", status=500)  # posted, but the answer says 500
    env.slack.ghost_next("chat.postMessage", status=RESET)  # posted, then the connection is closed

    threads = await mentions(env, 3)
    await env.settle()

    once_each(env, threads)
    assert len(env.slack.calls_to("chat.postMessage")) == 3  # one call each: the two lost ones were adopted
    assert len(env.slack.calls_to("conversations.replies")) == 2
    assert sample("opsbot_outbox_messages_total", method="chat.postMessage", outcome="adopted") == adopted + 2


async def test_work_run_again_after_its_post_reached_slack_adopts_the_post(env: Harness) -> None:
    assert env.bot is not None
    fast(env.bot)
    hold = env.slack.hold_next("chat.postMessage")
    [thread] = await mentions(env, 1)
    async with asyncio.timeout(10):
        await hold.reached.wait()  # the message is in Slack; its answer has not come back

    assert await env.bot.finish_work(0) == 1  # the work is cut off before it recorded the post
    hold.release.set()
    replica = await build(env.settings(), clock=env.clock, migrate=False)
    await replica.start(sweep_interval=None)  # its first sweep takes the event up again
    try:
        await replica.worker.drain()
    finally:
        await replica.close()

    once_each(env, [thread])
    assert len(env.slack.calls_to("chat.postMessage")) == 1  # never posted again
    assert await statuses(env) == {"delivered": 1}


async def test_a_message_slack_never_takes_is_dead_lettered_after_its_deadline(env: Harness) -> None:
    assert env.bot is not None
    fast(env.bot, deadline_seconds=60)
    env.slack.fail_share("chat.postMessage", 1.0, status=503)
    env.slack.subscribe(lambda call: env.clock.advance(25) if call.method == "chat.postMessage" else None)
    dead = sample("opsbot_outbox_dead_letters_total")

    [thread] = await mentions(env, 1)
    await env.settle()

    posts = env.slack.calls_to("chat.postMessage")
    assert len(posts) == 3 and all(c.status == 503 for c in posts)  # 0 s, 25 s, 50 s: then past the deadline
    assert posts[0].params["thread_ts"] == thread
    assert sample("opsbot_outbox_dead_letters_total") == dead + 1
    [row] = await env.bot.repo.db.read(all_rows(select(outbox_messages)))
    assert row["status"] == "dead" and row["attempts"] == 3 and "503" in row["last_error"]
    [entry] = [e for e in await env.bot.audit.rows() if e.kind == "outbox.dead"]
    assert entry.data["key"] == row["key"] and entry.data["channel"] == "C1"
    no_error_message(env)  # Slack's failure: no "Something went wrong" either


async def test_a_429_holds_back_only_its_channel_and_posts_are_paced(env: Harness) -> None:
    fast(env.bot, pace_per_second=5, pace_burst=2)
    assert env.bot is not None
    env.slack.fail_next("chat.postMessage", status=429, retry_after=2)
    started = time.monotonic()
    await env.bot.chat.post("C1", "first", [])  # refused once: waits 2 s
    c1_done = time.monotonic() - started
    await env.bot.chat.post("C2", "other", [])
    await env.bot.chat.post("C2", "other 2", [])
    await asyncio.gather(*(env.bot.chat.post("C2", f"burst {n}", []) for n in range(3)))
    c2_done = time.monotonic() - started - c1_done
    assert c1_done >= 1.9
    assert 0.5 <= c2_done < 1.5  # 5 posts, 2 at once then 5 a second: about 0.6 s, no Retry-After of C1's


async def test_a_permanent_refusal_is_not_retried(env: Harness) -> None:
    assert env.bot is not None
    fast(env.bot)
    env.slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(NotInChannel, match="not a member of this channel"):  # said to the person in words
        await env.bot.chat.post("C9", "hello", [])
    env.slack.fail_next("chat.postMessage", status=200, error="invalid_blocks")
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await env.bot.chat.post("C9", "hello", [])
    assert len(env.slack.calls_to("chat.postMessage")) == 2
