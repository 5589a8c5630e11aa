"""The Slack edge holds against signed bodies of every shape: never a 5xx, one log line, nothing half-stored.

The Events API (JSON) retries anything but a 2xx, so a malformed event is answered 200 and dropped; a malformed
command or interaction (a form) gets a 400. A payload opsbot does not handle is acknowledged with 200 and one
INFO line; one it handles but cannot act on tells the person why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from bot.sandbox.fakes import slack_bodies as bodies
from bot.sandbox.fakes.slack_hooks import hook_path
from handlers.actions import NO_CHANNEL
from handlers.surfaces import SURFACES
from handlers.views import OUT_OF_DATE
from tests.harness import Harness
from tests.test_slack_edge import inbox_count

FORM = "application/x-www-form-urlencoded"
DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The log lines of a request, but for the access log (and drop what was said before)."""
    found = [r for r in caplog.records if r.name != "aiohttp.access" and r.levelno >= logging.INFO]
    caplog.clear()
    return found


def no_traceback(records: list[logging.LogRecord]) -> bool:
    return all(r.exc_info is None and r.levelno < logging.ERROR for r in records)


async def post(env: Harness, body: str | bytes, content_type: str = "application/json") -> Any:
    return await env.driver.post(body, env.driver.signed_headers(body, content_type=content_type))


async def post_payload(env: Harness, payload: object) -> Any:
    body = "payload=" + quote(json.dumps(payload))
    return await post(env, body, FORM)


def mention(**event: Any) -> dict[str, Any]:
    inner = {"type": "app_mention", "user": "U1", "text": "<@W111> help", "ts": "1.1", "channel": "C1", **event}
    return {"type": "event_callback", "team_id": "T111", "event_id": "Ev1", "event": inner}


def click(action_id: str = "opsbot.approve", **fields: Any) -> dict[str, Any]:
    action = bodies.button_action(action_id, "ap_1", block_id="b", action_ts="1.2")
    message = bodies.button_message(action, ts="1.3", user="W111", bot_id="B111", team="T111")
    payload = bodies.block_actions(
        action, user="U2", channel="C1", team_id="T111", message=message, trigger_id="1.2.t", response_url="r"
    )
    return {**payload, **fields}


def submission(metadata: str, callback_id: str = "opsbot.reject") -> dict[str, Any]:
    view = bodies.submitted_view(
        callback_id, {"reason": {"value": "no"}}, view_id="V1", team_id="T111", bot_id="B111", private_metadata=metadata
    )
    return bodies.view_submission(view, user="U2", team_id="T111", trigger_id="1.2.v")


# -- not a Slack payload at all -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["[1,2,3]", "null", "12345", '"text"', DEEP, '{"a": ' * 70 + "1" + "}" * 70, "{not json", b"\xff\xfe{}"],
    ids=["list", "null", "number", "string", "10000-deep", "70-deep", "not-json", "not-utf8"],
)
async def test_a_signed_event_body_that_is_not_an_object_gets_200_one_warning_and_nothing(
    env: Harness, lines: pytest.LogCaptureFixture, body: str | bytes
) -> None:
    resp = await post(env, body)
    assert resp.status == 200  # the Events API would send a 4xx again, three times
    [line] = ours(lines)
    assert line.levelno == logging.WARNING and "ignored a signed Slack request" in line.getMessage()
    assert await inbox_count(env) == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"type": "event_callback", "event": {"type": "app_mention", "text": NaN}}', "NaN"),
        ('{"type": "event_callback", "event": {"type": "app_mention", "n": 1e999}}', "too large"),
        ('{"type": "event_callback", "event": {"type": "app_mention", "text": "a\\u0000b"}}', "NUL"),
        ('{"type": "event_callback", "event": {"type": "app_mention", "text": "\\ud800"}}', "surrogate"),
    ],
)
async def test_json_no_database_can_store_is_refused_before_the_inbox(
    env: Harness, lines: pytest.LogCaptureFixture, text: str, reason: str
) -> None:
    """PostgreSQL refuses NaN, Infinity, NUL and half surrogate pairs in a JSON column: the store would fail, and
    the edge would answer 503 for a body that can never be stored."""
    assert (await post(env, text)).status == 200
    [line] = ours(lines)
    assert reason in line.getMessage()
    assert await inbox_count(env) == 0


# -- Slack payloads of the wrong shape --------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"type": "event_callback", "event": [1]},
        {"type": "event_callback", "event": None},
        {"type": "event_callback", "event": "app_mention"},
        {"type": "event_callback", "event": {"type": ["app_mention"]}},
        mention(user={"id": 1}),
        mention(user=5),
        mention(channel=["C1"]),
        mention(text=7),
        mention(channel=None),
        mention(ts="1" * 40),
        {**mention(), "team": 5},
        {**mention(), "authorizations": "T111"},
        {**mention(), "authorizations": [1]},
        {**mention(), "event_id": "E" * 200},
        {"type": "event_callback", "event": {"type": "reaction_added", "user": "U1", "item": "x"}},
        {"type": "event_callback", "event": {"type": "reaction_added", "user": "U1", "item": {"type": "message"}}},
        {"type": "url_verification", "challenge": [1]},
        {"type": 5},
    ],
)
async def test_an_event_with_fields_of_the_wrong_type_gets_200_one_warning_and_nothing(
    env: Harness, lines: pytest.LogCaptureFixture, body: dict[str, Any]
) -> None:
    resp = await post(env, json.dumps(body))
    await env.settle()
    assert resp.status == 200
    [line] = ours(lines)
    assert line.levelno == logging.WARNING, line.getMessage()
    assert await inbox_count(env) == 0
    assert env.slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    "payload",
    [
        [1, 2],
        None,
        5,
        {"no": "type"},
        click(actions="opsbot.approve"),
        click(actions=[5]),
        click(actions=[]),
        click(actions=[{"action_id": 5}]),
        click(user="U2"),
        click(user={"id": ""}),
        click(channel=5),
        click(trigger_id=None, actions=[{"action_id": "opsbot.approve"}]),
        click(container="C1"),
        {**submission('{"approval": "ap_1", "channel": "C1"}'), "view": "opsbot.reject"},
        {**submission('{"approval": "ap_1", "channel": "C1"}'), "user": None},
        {**submission('{"approval": "ap_1", "channel": "C1"}'), "event": None},
    ],
)
async def test_an_interaction_of_the_wrong_shape_gets_400_one_warning_and_nothing(
    env: Harness, lines: pytest.LogCaptureFixture, payload: object
) -> None:
    resp = await post_payload(env, payload)
    await env.settle()
    assert resp.status == 400  # Slack never retries an interaction
    [line] = ours(lines)
    assert line.levelno == logging.WARNING and "ignored a signed Slack request" in line.getMessage()
    assert await inbox_count(env) == 0
    assert env.slack.calls == [c for c in env.slack.calls if c.method == "auth.test"]


@pytest.mark.parametrize(
    "body",
    [
        "payload=" + quote(DEEP),
        "payload=%7Bbroken",
        "command=/ops&text=help&user_id=U1&team_id=T111",  # no trigger_id: no dedupe key
        "command=/ops&text=help&trigger_id=t&team_id=T111",  # no user
        "command=/ops&text=a%00b&user_id=U1&trigger_id=t",
        "text=hi",
        "&".join(f"f{n}=1" for n in range(300)),
    ],
)
async def test_a_malformed_form_gets_400_one_warning_and_nothing(
    env: Harness, lines: pytest.LogCaptureFixture, body: str
) -> None:
    assert (await post(env, body, FORM)).status == 400
    [line] = ours(lines)
    assert line.levelno == logging.WARNING
    assert await inbox_count(env) == 0


# -- what opsbot does not handle, and what it cannot act on ---------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        (click("opsbot.renamed_button"), "a click on `opsbot.renamed_button`"),
        ({"type": "shortcut", "callback_id": "x", "user": {"id": "U1"}, "trigger_id": "t"}, "`shortcut`"),
        ({"type": "view_closed", "view": {"callback_id": "opsbot.reject"}, "user": {"id": "U1"}}, "`view_closed`"),
        ({"type": "block_suggestion", "action_id": "a", "user": {"id": "U1"}}, "`block_suggestion`"),
        (submission("{}", callback_id="someone.elses"), "the modal `someone.elses`"),
    ],
)
async def test_what_opsbot_does_not_handle_gets_200_and_one_info_line(
    env: Harness, lines: pytest.LogCaptureFixture, payload: dict[str, Any], said: str
) -> None:
    resp = await post_payload(env, payload)
    assert resp.status == 200 and resp.text == ""  # no error icon on an old card
    [line] = ours(lines)
    assert line.levelno == logging.INFO and said in line.getMessage()
    assert await inbox_count(env) == 0


async def test_an_unhandled_command_or_event_gets_200_and_one_info_line(
    env: Harness, lines: pytest.LogCaptureFixture
) -> None:
    command = urlencode({"command": "/deploy", "text": "x", "user_id": "U1", "trigger_id": "t"})
    assert (await post(env, command, FORM)).status == 200
    assert (await env.driver.event({"type": "app_home_opened", "user": "U1", "channel": "D1"})).status == 200
    said = [r.getMessage() for r in ours(lines)]
    assert len(said) == 2 and "`/deploy`" in said[0] and "`app_home_opened`" in said[1]
    assert await inbox_count(env) == 0


@pytest.mark.parametrize(
    "metadata",
    ["", "not json", '{"approval": "ap_1"}', '{"channel": "C1"}', '{"approval": 5, "channel": "C1"}', DEEP[:2000]],
)
async def test_a_submission_that_names_no_request_keeps_the_modal_open_and_says_why(
    env: Harness, lines: pytest.LogCaptureFixture, metadata: str
) -> None:
    resp = await post_payload(env, submission(metadata))
    assert resp.status == 200
    assert resp.json() == {"response_action": "errors", "errors": {"reason": OUT_OF_DATE}}
    [line] = ours(lines)
    assert line.levelno == logging.INFO
    assert await inbox_count(env) == 0


async def test_a_submission_without_inputs_is_replaced_by_the_reason(env: Harness) -> None:
    payload = submission('{"approval": "ap_1"}')
    payload["view"]["state"] = {"values": {}}
    answer = (await post_payload(env, payload)).json()
    assert answer["response_action"] == "update"
    assert OUT_OF_DATE in json.dumps(answer["view"]["blocks"])


async def test_a_click_without_a_channel_is_told_why_through_its_response_url(
    env: Harness, lines: pytest.LogCaptureFixture
) -> None:
    minted = env.clock.now().timestamp()
    payload = click(response_url=f"{env.slack.hooks_url}/{hook_path('actions', 'T111', 'V1', 'U1', minted)}")
    del payload["channel"]
    payload["container"] = {"type": "view", "view_id": "V1"}
    resp = await post_payload(env, payload)
    await env.settle()
    assert resp.status == 200
    [answer] = env.slack.calls_to("response_url")
    assert answer.params["text"] == NO_CHANNEL and answer.params["response_type"] == "ephemeral"
    [line] = ours(lines)
    assert line.levelno == logging.INFO and "named no channel" in line.getMessage()
    assert await inbox_count(env) == 0


# -- the edge still does its job ------------------------------------------------------------------------------


async def test_every_surface_the_gate_lets_through_reaches_a_listener(env: Harness) -> None:
    """The gate and the handlers agree: each action, modal, command and event it passes is stored."""
    metadata = json.dumps({"approval": "ap_1", "channel": "C1"})
    for n, action_id in enumerate(sorted(SURFACES.actions)):
        assert (await env.driver.click(action_id, f"v{n}", as_user="U2", message_ts=f"1.{n}")).status == 200
    for view_id in sorted(SURFACES.views):
        values = {"reason": {"value": "no"}}
        assert (await env.driver.submit_view(view_id, values, as_user="U2", private_metadata=metadata)).status == 200
    assert (await env.driver.command("help")).status == 200
    assert (await env.driver.mention("help")).status == 200
    assert (await env.driver.dm("help")).status == 200
    assert (await env.driver.react("eyes")).status == 200
    await env.settle()
    expected = len(SURFACES.actions) + len(SURFACES.views) + len(SURFACES.commands) + len(SURFACES.events)
    assert await inbox_count(env) == expected


async def test_slacks_ssl_check_is_answered(env: Harness) -> None:
    assert (await post(env, "ssl_check=1&token=opsbot-verification-token", FORM)).status == 200
    assert await inbox_count(env) == 0


async def test_a_command_whose_text_says_payload_is_still_a_command(env: Harness) -> None:
    """Bolt reads any form body containing "payload" as an interaction; the edge parses it for Bolt."""
    resp = await env.driver.command("create issue in acme/api: the payload is too large")
    await env.settle()
    assert resp.status == 200
    assert await inbox_count(env) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Signature": "v0=é"},
        {"X-Slack-Request-Timestamp": "9" * 5000},
        {"X-Slack-Request-Timestamp": "\u0661\u0667" + "\u0660" * 8},  # Arabic-Indic digits: isdigit() says yes
    ],
)
async def test_signature_headers_of_any_bytes_get_401(
    env: Harness, lines: pytest.LogCaptureFixture, headers: dict[str, str]
) -> None:
    body = json.dumps(mention())
    resp = await env.driver.post(body, {**env.driver.signed_headers(body), **headers})
    assert resp.status == 401
    assert no_traceback(ours(lines))


async def test_a_slack_body_over_1_mib_gets_413(env: Harness) -> None:
    body = json.dumps(mention(text="x" * (1024 * 1024)))
    assert (await post(env, body)).status == 413
    assert await inbox_count(env) == 0
