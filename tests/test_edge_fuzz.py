"""Fuzzing the three HTTP edges with hypothesis: thousands of signed bodies (tests/edge_fuzz_cases.py) to
/slack/events, /webhooks/github and /webhooks/alertmanager, each checked as it is answered and handled: never a
5xx, never a traceback or an ERROR line in the logs, and at the end an inbox of well-formed events only, each
handled to `done`.

Hypothesis runs in a thread (its `@given` is synchronous) and sends each case through the test's event loop, where
the app runs; `derandomize=True` makes every run draw the same cases, no example database is kept, and what
hypothesis caches goes to the test's temporary folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import select

from bot.core.domain import Source
from bot.edges.hook_shapes import alertmanager_problem, github_problem
from bot.store.inbox_rows import event_from_dict
from bot.store.models import inbox
from tests.edge_fuzz_cases import NONCE, Case, alertmanager_cases, github_cases, slack_cases
from tests.harness import SIGNING_SECRET, Harness
from tests.triggers.conftest import ALERT_TOKEN, RULES, WEBHOOK_SECRET
from tests.triggers.test_alertmanager import alert, notification

EXAMPLES = {"slack": 1200, "github": 1000, "alertmanager": 1000}  # about 10 s each, per database, here
SLACK_SOURCES = {s for s in Source if s.value.startswith("slack.")}


@pytest.fixture
async def fuzzed(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    set_hypothesis_home_dir(tmp_path / "hypothesis")  # its caches go there, not into the checkout
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    async with Harness(
        db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_alertmanager_token=ALERT_TOKEN, opsbot_rules=str(rules)
    ) as env:
        yield env


class Sender:
    """Signs a case as its sender would and posts it, a new number for its nonce each time; answers the status."""

    def __init__(self, env: Harness, session: aiohttp.ClientSession) -> None:
        self.env, self.session = env, session
        self.sent = 0

    def renew(self, case: Case) -> Case:
        self.sent += 1
        return replace(case, body=case.body.replace(NONCE.encode(), str(self.sent).encode()))

    async def slack(self, case: Case) -> int:
        ts = str(int(self.env.clock.now().timestamp()))
        mac = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + case.body, hashlib.sha256)
        headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + mac.hexdigest()}
        return await self._post("/slack/events", case, headers)

    async def github(self, case: Case) -> int:
        mac = hmac.new(WEBHOOK_SECRET.encode(), case.body, hashlib.sha256).hexdigest()
        delivery = hashlib.sha1(case.body).hexdigest()  # an id, not a signature
        headers = {"X-GitHub-Event": case.event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": f"sha256={mac}"}
        return await self._post("/webhooks/github", case, headers)

    async def alertmanager(self, case: Case) -> int:
        return await self._post("/webhooks/alertmanager", case, {"Authorization": f"Bearer {ALERT_TOKEN}"})

    async def _post(self, path: str, case: Case, headers: dict[str, str]) -> int:
        headers = {"Content-Type": case.content_type, **headers}
        async with self.session.post(f"{self.env.url}{path}", data=case.body, headers=headers) as resp:
            await resp.read()
            return resp.status


async def fuzz(
    env: Harness,
    caplog: pytest.LogCaptureFixture,
    cases: st.SearchStrategy[Case],
    send: Callable[[Sender, Case], Coroutine[Any, Any, int]],
    examples: int,
) -> None:
    caplog.set_level(logging.WARNING)
    loop = asyncio.get_running_loop()
    statuses: list[int] = []
    async with aiohttp.ClientSession() as session:
        sender = Sender(env, session)

        async def one(case: Case) -> tuple[int, list[logging.LogRecord]]:
            start = len(caplog.records)
            status = await send(sender, sender.renew(case))
            await env.settle()  # its work, if it was stored: a failure there is this case's too
            return status, caplog.records[start:]

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(cases)
        def check(case: Case) -> None:
            status, records = asyncio.run_coroutine_threadsafe(one(case), loop).result()
            statuses.append(status)
            bad = [f"{r.name}: {r.getMessage()}" for r in records if r.exc_info or r.levelno >= logging.ERROR]
            assert status < 500, (status, bad)
            assert bad == []

        await asyncio.to_thread(check)
    stored = await assert_inbox_well_formed(env)
    assert stored >= len(statuses) // 10, "the cases must reach the handlers too, not only the edge's checks"


async def assert_inbox_well_formed(env: Harness) -> int:
    """Nothing half-written: every stored event has the fields its readers expect, and was handled to the end.
    Returns how many there are."""
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        rows = (await conn.execute(select(inbox.c.payload, inbox.c.status, inbox.c.error))).all()
    for payload, status, error in rows:
        event = event_from_dict(payload)
        assert (status, error) == ("done", None), event
        assert len(event.dedupe_key) <= 255 and len(event.team_id) <= 32 and len(event.actor) <= 64, event
        for value in (event.channel, event.thread_ts, event.message_ts):
            assert value is None or (isinstance(value, str) and len(value) <= 32), event
        if event.source in SLACK_SOURCES:
            assert event.actor and isinstance(event.text, str), event
        elif event.source is Source.GITHUB:
            name = str(event.payload["event"])
            assert github_problem(name, dict(event.payload["body"])) is None, event  # type: ignore[arg-type]
        elif event.source is Source.ALERTMANAGER:
            assert alertmanager_problem(dict(event.payload["body"])) is None, event  # type: ignore[arg-type]
    return len(rows)


async def test_fuzzed_slack_requests(fuzzed: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await fuzz(fuzzed, caplog, slack_cases(fuzzed.slack.hooks_url), Sender.slack, EXAMPLES["slack"])


async def test_fuzzed_github_deliveries(fuzzed: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await fuzz(fuzzed, caplog, github_cases(), Sender.github, EXAMPLES["github"])


async def test_fuzzed_alertmanager_notifications(fuzzed: Harness, caplog: pytest.LogCaptureFixture) -> None:
    body = notification("firing", [alert("a1"), alert("a2")])
    await fuzz(fuzzed, caplog, alertmanager_cases(body), Sender.alertmanager, EXAMPLES["alertmanager"])
