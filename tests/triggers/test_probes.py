"""HTTP probes against a loopback server whose latency the test sets (a fake timer, no sleeps)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from bot.triggers.probes import p95
from tests.approvals_helpers import cards, click, text_of
from tests.harness import Harness
from tests.triggers.conftest import posts


@dataclass
class Upstream:
    """The probed service: each request 'takes' `latency` seconds on the fake timer and answers `status`."""

    latency: float = 0.1
    status: int = 200
    now: float = 1000.0
    url: str = ""
    hits: int = 0

    async def health(self, _request: web.Request) -> web.Response:
        self.hits += 1
        self.now += self.latency
        return web.Response(status=self.status, text="ok")


RULES = """\
probes:
  - name: api-health
    url: {url}/health
    every: 30s
    window: 2m
    p95_ms: 800
    failures: 3
    notify: C2
    on_slow:
      tool: dispatch_workflow
      args: {{repo: acme/api, workflow: rollback.yml, ref: main, inputs: {{reason: "{{probe}} is slow"}}}}
"""


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    state = Upstream()
    app = web.Application()
    app.router.add_get("/health", state.health)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield state
    await runner.cleanup()


@pytest.fixture
async def probed(db_url: str, tmp_path: Path, upstream: Upstream) -> AsyncIterator[Harness]:
    rules = tmp_path / "probes.yaml"
    rules.write_text(RULES.format(url=upstream.url), encoding="utf-8")
    async with Harness(db_url, opsbot_rules=str(rules)) as env:
        assert env.bot is not None and env.bot.triggers is not None
        assert env.bot.triggers.prober is not None
        env.bot.triggers.prober.timer = lambda: upstream.now
        env.github.add_workflow("acme/api", "rollback.yml", optional=("reason",))
        yield env


async def checks(env: Harness, upstream: Upstream, count: int, *, latency: float, status: int = 200) -> None:
    assert env.bot is not None and env.bot.triggers is not None and env.bot.triggers.prober is not None
    upstream.latency, upstream.status = latency, status
    for _ in range(count):
        env.clock.advance(30)
        await env.bot.triggers.prober.check_due(env.clock.now())
        await env.settle()


def test_p95_is_the_nearest_rank() -> None:
    assert p95([]) is None
    assert p95([100.0] * 19 + [5000.0]) == 100.0
    assert p95([100.0] * 18 + [5000.0] * 2) == 5000.0


async def test_a_slow_period_alerts_once_proposes_the_rollback_and_recovery_is_said_once(
    probed: Harness, upstream: Upstream
) -> None:
    await checks(probed, upstream, 6, latency=0.1)
    assert posts(probed, "C2") == []
    await checks(probed, upstream, 6, latency=2.0)
    [card] = posts(probed, "C2", top_level=True)
    assert "Degraded: api-health" in text_of(card) and "2000 ms" in text_of(card)
    card_ts = probed.slack.calls_to("chat.postMessage")[0].response["ts"]
    [approval] = cards(probed)
    assert approval.params["thread_ts"] == card_ts and "rollback.yml" in text_of(approval.params)
    assert probed.github.dispatches == []
    await click(probed, "opsbot.approve", approval, "U3", channel="C2")
    assert probed.github.dispatches[0]["inputs"] == {"reason": "api-health is slow"}

    await checks(probed, upstream, 8, latency=0.1)
    assert len(posts(probed, "C2", top_level=True)) == 1
    recovered = [p for p in posts(probed, "C2") if p.get("thread_ts") == card_ts and "recovered" in p["text"]]
    assert len(recovered) == 1
    await checks(probed, upstream, 4, latency=0.1)
    assert len([p for p in posts(probed, "C2") if "recovered" in p["text"]]) == 1


async def test_failures_in_a_row_alert_and_each_interval_is_checked_once(probed: Harness, upstream: Upstream) -> None:
    assert probed.bot is not None and probed.bot.triggers is not None and probed.bot.triggers.prober is not None
    await checks(probed, upstream, 2, latency=0.05, status=503)
    assert posts(probed, "C2") == []
    await checks(probed, upstream, 1, latency=0.05, status=503)
    [card] = posts(probed, "C2", top_level=True)
    assert "3 checks failed in a row" in text_of(card)
    hits = upstream.hits
    assert await probed.bot.triggers.prober.check_due(probed.clock.now()) == 0  # this slot is taken
    assert upstream.hits == hits
    await checks(probed, upstream, 1, latency=0.05)
    assert any("recovered" in p["text"] for p in posts(probed, "C2", top_level=False))
