"""10 simultaneous approve clicks x 100 trials, spread over two app instances sharing one database."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.approvals_helpers import approval_of, cards
from tests.fakes.slack_driver import SlackDriver
from tests.harness import SIGNING_SECRET, Harness
from tests.replicas import another_replica

pytestmark = pytest.mark.slow  # ~70 s per backend; `-m "not slow"` leaves it out

TRIALS = 100
CLICKS = 10


async def test_ten_concurrent_clicks_on_two_instances_execute_once_per_trial(env: Harness) -> None:
    async with another_replica(env) as second:
        other = SlackDriver(second.url, SIGNING_SECRET, now=lambda: env.clock.now().timestamp())
        for n in range(1, TRIALS + 1):
            env.github.add_pr("acme/api", n, f"Change {n}", author="ana")
            await env.driver.mention(f"merge pr {n} in acme/api", user="U1")
            await env.settle()
            card = cards(env)[-1]
            drivers = [env.driver, other]
            await asyncio.gather(
                *(
                    drivers[i % 2].click(
                        "opsbot.approve",
                        approval_of(card),
                        as_user=f"U{i + 2}",
                        channel="C1",
                        message_ts=card.response["ts"],
                    )
                    for i in range(CLICKS)
                )
            )
            await env.settle()
            await second.bot.worker.drain()
    per_pr = Counter(m["number"] for m in env.github.merges)
    assert len(per_pr) == TRIALS and set(per_pr.values()) == {1}
