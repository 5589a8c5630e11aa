"""Trigger tests: the whole app with a webhook secret, an Alertmanager token and a rules file; signed senders."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox.fakes.github.webhooks import Webhook
from tests.harness import Harness

WEBHOOK_SECRET = "whsec-opsbot-test-0123456789"
ALERT_TOKEN = "am-token-opsbot-test-abcdef"

RULES = """\
routes:
  - name: api
    when:
      source: github
      repos: ["acme/api"]
    notify: C1
  - name: alerts
    when:
      source: alertmanager
      severity: [critical, warning]
    notify: C2
"""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if text.startswith("{") else text


async def send_github(
    env: Harness,
    hook: Webhook,
    *,
    body: Any = None,
    delivery: str | None = None,
    secret: str | None = WEBHOOK_SECRET,
    signature: str | None = None,
    settle: bool = True,
) -> tuple[int, Any]:
    """Deliver `hook` (from bot/sandbox/fakes/github/webhooks.py) as GitHub would; `body` replaces its payload."""
    raw = json.dumps(hook.payload if body is None else body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": hook.event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "User-Agent": "GitHub-Hookshot/test",
    }
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    elif secret is not None:
        headers["X-Hub-Signature-256"] = sign(secret, raw)
    result = await post(f"{env.url}/webhooks/github", raw, headers)
    if settle:
        await env.settle()
    return result


async def send_alert(
    env: Harness, payload: dict[str, Any], *, token: str | None = ALERT_TOKEN, settle: bool = True
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    result = await post(f"{env.url}/webhooks/alertmanager", json.dumps(payload).encode(), headers)
    if settle:
        await env.settle()
    return result


async def inbox_count(env: Harness) -> int:
    from sqlalchemy import func, select

    from bot.store.database import scalar
    from bot.store.models import inbox

    assert env.bot is not None
    return int(await env.bot.repo.db.read(scalar(select(func.count()).select_from(inbox))))


def posts(env: Harness, channel: str, *, top_level: bool | None = None) -> list[dict[str, Any]]:
    calls = [c.params for c in env.slack.calls_to("chat.postMessage") if c.params.get("channel") == channel]
    if top_level is None:
        return calls
    return [c for c in calls if (c.get("thread_ts") is None) == top_level]


def updates(env: Harness, ts: str) -> list[dict[str, Any]]:
    return [c.params for c in env.slack.calls_to("chat.update") if c.params.get("ts") == ts]


def ts_of(env: Harness, params: dict[str, Any]) -> str:
    call = next(c for c in env.slack.calls_to("chat.postMessage") if c.params is params or c.params == params)
    return str(call.response["ts"])


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture
async def hooks(db_url: str, rules_file: Path) -> AsyncIterator[Harness]:
    async with Harness(
        db_url,
        github_webhook_secret=WEBHOOK_SECRET,
        opsbot_alertmanager_token=ALERT_TOKEN,
        opsbot_rules=str(rules_file),
    ) as harness:
        yield harness
