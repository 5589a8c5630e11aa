"""The webhook edges hold against signed bodies of every shape: 400 and one log line, never a 5xx, nothing stored;
GitHub deliveries are deduplicated by their bytes (the delivery id is not signed) and may be as large as GitHub's."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest

from bot.edges.signing import github_signature
from bot.edges.web_hooks import GITHUB_MAX_BODY
from bot.sandbox.fakes.github import webhooks
from tests.harness import Harness
from tests.triggers.conftest import ALERT_TOKEN, WEBHOOK_SECRET, inbox_count, post, posts, send_alert, send_github
from tests.triggers.test_alertmanager import alert, notification

DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    found = [r for r in caplog.records if r.name.startswith("bot.edges")]
    assert all(r.exc_info is None and r.levelno == logging.WARNING for r in found), [r.getMessage() for r in found]
    caplog.clear()
    return [r.getMessage() for r in found]


async def send_raw_github(env: Harness, raw: bytes, event: str = "pull_request", delivery: str = "d-raw") -> int:
    """POST exactly these bytes as GitHub would, signed."""
    signature = github_signature(WEBHOOK_SECRET, raw)
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signature,
    }
    status, _ = await post(f"{env.url}/webhooks/github", raw, headers)
    await env.settle()
    return status


def pr(**changes: Any) -> dict[str, Any]:
    payload: Any = copy.deepcopy(webhooks.pull_request().payload)
    payload["pull_request"].update(changes)
    return dict(payload)


JSON_PROBLEMS = [
    b"[1,2,3]",
    b"null",
    b"12345",
    DEEP.encode(),
    b'{"a": ' * 70 + b"1" + b"}" * 70,
    b'{"action": NaN}',
    b'{"n": 1e999}',
    b'{"action": "a\\u0000b"}',
    b'{"action": "\\udc00"}',
    b"not json",
    b"\xff\xfe",
]


@pytest.mark.parametrize("raw", JSON_PROBLEMS)
async def test_a_github_body_no_reader_can_use_gets_400_one_warning_and_nothing(
    hooks: Harness, lines: pytest.LogCaptureFixture, raw: bytes
) -> None:
    assert await send_raw_github(hooks, raw) == 400
    [said] = warnings_of(lines)
    assert said.startswith("ignored a GitHub webhook")
    assert await inbox_count(hooks) == 0


@pytest.mark.parametrize(
    "payload",
    [
        pr(number=2**31),
        pr(number="7"),
        pr(number=True),
        pr(number=10**40),
        pr(user="ana"),
        pr(additions=-1),
        pr(merged="yes"),
        {**webhooks.pull_request().payload, "pull_request": [1]},
        {**webhooks.pull_request().payload, "repository": "acme/api"},
        {**webhooks.pull_request().payload, "repository": {"full_name": "a/" + "b" * 300}},
        {**webhooks.pull_request().payload, "action": {"opened": True}},
        {**webhooks.pull_request().payload, "sender": {"login": ["ana"]}},
    ],
)
async def test_a_github_body_of_the_wrong_shape_gets_400_one_warning_and_nothing(
    hooks: Harness, lines: pytest.LogCaptureFixture, payload: dict[str, Any]
) -> None:
    status, answer = await send_github(hooks, webhooks.pull_request(), body=payload)
    assert status == 400 and "not the shape GitHub documents" in answer["error"]
    [said] = warnings_of(lines)
    assert "not the shape GitHub documents" in said
    assert await inbox_count(hooks) == 0 and posts(hooks, "C1") == []


@pytest.mark.parametrize(
    "hook",
    [webhooks.workflow_run_completed(), webhooks.workflow_job_completed(), webhooks.check_run_completed()],
    ids=lambda h: h.event,
)
async def test_ci_ids_are_bounded_to_64_bits(hooks: Harness, hook: webhooks.Webhook) -> None:
    payload: Any = copy.deepcopy(hook.payload)
    payload[hook.event]["run_id" if hook.event == "workflow_job" else "id"] = 2**63
    assert (await send_github(hooks, hook, body=payload))[0] == 400
    payload[hook.event]["run_id" if hook.event == "workflow_job" else "id"] = 2**63 - 1
    assert (await send_github(hooks, hook, body=payload))[0] == 202


@pytest.mark.parametrize(
    "headers",
    [{"X-GitHub-Event": "pull request!"}, {"X-GitHub-Delivery": "x" * 200}, {"X-GitHub-Delivery": "d é"}],
)
async def test_malformed_github_headers_get_400(hooks: Harness, headers: dict[str, str]) -> None:
    raw = json.dumps(webhooks.pull_request().payload).encode()
    sent = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1"}
    sent |= {"X-Hub-Signature-256": github_signature(WEBHOOK_SECRET, raw), **headers}
    status, _ = await post(f"{hooks.url}/webhooks/github", raw, sent)
    assert status == 400
    assert await inbox_count(hooks) == 0


async def test_a_redelivery_under_a_new_delivery_id_is_dropped(hooks: Harness) -> None:
    """`X-GitHub-Delivery` is not signed: the same signed body again is the same event, whatever id it has."""
    hook = webhooks.pull_request()
    first = await send_github(hooks, hook, delivery="d-1")
    again = await send_github(hooks, hook, delivery="d-2")
    assert first[0] == 202 and again == (200, {"ok": True, "duplicate": True})
    assert await inbox_count(hooks) == 1
    assert len(posts(hooks, "C1")) == 1  # one card, not two


async def test_the_same_json_as_a_form_is_the_same_delivery(hooks: Harness) -> None:
    """A hook may send its JSON in a form's `payload` field: the dedupe key is the JSON's hash, not the transport's."""
    raw = json.dumps(webhooks.pull_request().payload).encode()
    assert await send_raw_github(hooks, raw, delivery="d-json") == 202
    form = b"payload=" + quote_plus(raw.decode()).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "d-form",
        "X-Hub-Signature-256": github_signature(WEBHOOK_SECRET, form),
    }
    assert await post(f"{hooks.url}/webhooks/github", form, headers) == (200, {"ok": True, "duplicate": True})
    await hooks.settle()
    assert await inbox_count(hooks) == 1 and len(posts(hooks, "C1")) == 1


async def test_a_20_mb_delivery_is_accepted_and_handled(hooks: Harness) -> None:
    hook = webhooks.push()
    payload: Any = copy.deepcopy(hook.payload)
    commit = payload["commits"][0]
    padding = "x" * 10_000
    payload["commits"] = [{**commit, "message": f"{n} {padding}"} for n in range(2_000)]  # GitHub sends 2,048 at most
    raw = json.dumps(payload).encode()
    assert 20_000_000 <= len(raw) < GITHUB_MAX_BODY
    assert await send_raw_github(hooks, raw, event="push", delivery="d-big") == 202
    assert await inbox_count(hooks) == 1
    assert hooks.bot is not None
    assert await hooks.bot.repo.inbox_status("github:" + hashlib.sha256(raw).hexdigest()) == "done"


async def test_a_body_over_githubs_limit_gets_413(hooks: Harness) -> None:
    raw = b'{"a": "' + b"x" * GITHUB_MAX_BODY + b'"}'
    assert await send_raw_github(hooks, raw) == 413
    assert await inbox_count(hooks) == 0


@pytest.mark.parametrize(
    "payload",
    [
        [notification("firing", [alert("a1")])],
        notification("firing", [alert("a1")]) | {"version": 4},
        notification("firing", [alert("a1")]) | {"status": {"a": 1}},
        notification("firing", [alert("a1")]) | {"groupKey": [1]},
        notification("firing", [alert("a1")]) | {"alerts": "a1"},
        notification("firing", [1, "x", None]),  # type: ignore[list-item]
        notification("firing", [alert("a1") | {"labels": {"severity": 3}}]),
        notification("firing", [alert("a1")]) | {"commonLabels": ["alertname"]},
    ],
)
async def test_an_alertmanager_body_of_the_wrong_shape_gets_400_one_warning_and_nothing(
    hooks: Harness, lines: pytest.LogCaptureFixture, payload: Any
) -> None:
    assert (await send_alert(hooks, payload))[0] == 400
    [said] = warnings_of(lines)
    assert said.startswith("ignored an Alertmanager webhook")
    assert await inbox_count(hooks) == 0 and posts(hooks, "C2") == []


@pytest.mark.parametrize("raw", JSON_PROBLEMS)
async def test_an_alertmanager_body_no_reader_can_use_gets_400(hooks: Harness, raw: bytes) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ALERT_TOKEN}"}
    status, _ = await post(f"{hooks.url}/webhooks/alertmanager", raw, headers)
    assert status == 400
    assert await inbox_count(hooks) == 0


async def test_a_bearer_token_of_any_bytes_gets_401(hooks: Harness) -> None:
    """aiohttp hands a header's undecodable bytes on as surrogates; comparing those must refuse, not raise."""
    body = json.dumps(notification("firing", [alert("a1")])).encode()
    for token in (b"t\xc3\xb8ken", b"\xff\xfe" * 20):
        status = await raw_request(hooks, b"/webhooks/alertmanager", b"Authorization: Bearer " + token, body)
        assert status == 401
    assert await inbox_count(hooks) == 0


async def raw_request(env: Harness, path: bytes, header: bytes, body: bytes) -> int:
    """One HTTP request written byte for byte (a client library would refuse to send such a header)."""
    host, port = env.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + header + b"\r\n"
    writer.write(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return int(answer.split(b" ", 2)[1])
