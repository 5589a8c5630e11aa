"""Extra, with the upstream corpus: Slack's recorded bodies replayed through the app, and our shapes' keys vs theirs."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from bot.sandbox.fakes import slack_bodies as bodies
from bot.sandbox.fakes import slack_payloads as answers
from tests import upstream
from tests.fakes.socket_mode import envelope, hello
from tests.harness import Harness

ENTERPRISE_ONLY = {"enterprise_id", "enterprise_name"}  # opsbot's workspace is not on Enterprise Grid
DEPRECATED = {"authed_users"}  # replaced by `authorizations`, which our envelopes carry


def recorded(folder: str, pattern: str, what: str) -> dict[str, str]:
    found = upstream.files(folder, pattern, what=what)
    assert found, f"no {pattern} in the corpus folder {folder}"
    return found


def keys_missing(ours: dict[str, Any], theirs: dict[str, Any], *, ignore: Collection[str] = ()) -> set[str]:
    return set(theirs) - set(ours) - set(ignore)


# -- our answers and bodies have every key Slack's recordings have ----------------------------------------


def test_our_web_api_answers_have_the_recorded_keys() -> None:
    web = {n: json.loads(t) for n, t in recorded("slack/web_api", "*.json", "Slack's Web API answers").items()}
    message = answers.bot_message(text="hi", ts="1.000001", user="W111", bot_id="B111", team="T111")
    text = {"type": "plain_text", "text": "x"}
    blocks = [bodies.rich_text("x")]
    view: dict[str, Any] = {"type": "modal", "title": text, "submit": text, "blocks": blocks}  # what the app sent
    ours: dict[str, dict[str, Any]] = {
        "auth_test_bot_ok.json": answers.auth_test(team="Acme", team_id="T111", user_id="W111", bot_id="B111"),
        "chat_postMessage_ok.json": answers.posted("C1", message),
        "chat_update_ok.json": answers.updated("C1", message),
        "chat_postEphemeral_ok.json": answers.ephemeral_posted("1.000002"),
        "reactions_add_ok.json": answers.done(),
        "conversations_history_page.json": answers.messages_page([message], pin_count=0),
        "conversations_replies_page.json": answers.messages_page([message]),
        "views_open_ok.json": answers.view_opened(view, view_id="V1", team_id="T111", bot_id="B111", hash="h"),
        "views_open_error_invalid_arguments.json": answers.error("invalid_arguments", messages=["[ERROR] x"]),
    }
    for name, body in ours.items():
        assert keys_missing(body, web[name]) == set(), name
    assert keys_missing(ours["views_open_ok.json"]["view"], web["views_open_ok.json"]["view"]) == set()
    for name, body in web.items():
        if name != "ratelimited_429.json" and body.get("ok") is False:
            assert keys_missing(answers.error(body["error"], messages=["m"]), body) == set(), name
    limited = web["ratelimited_429.json"]
    status, headers, body = answers.rate_limited(1)
    assert (status, body) == (limited["status"], limited["body"])
    assert {k.lower() for k in headers} <= set(limited["headers"])


def test_our_request_bodies_have_the_recorded_keys() -> None:
    events = {n: json.loads(t) for n, t in recorded("slack/events", "*.json", "Slack's Events API bodies").items()}
    frames = {n: json.loads(t) for n, t in recorded("slack/socket_mode", "*.json", "Socket Mode frames").items()}
    clicks = {n: json.loads(t) for n, t in recorded("slack/interactivity", "*.json", "interactivity bodies").items()}
    mention = bodies.message_event("<@W111> hi", user="U1", channel="C1", ts="1.1", team="T111", client_msg_id="m")
    ours = bodies.event_callback(mention, team_id="T111", bot_user_id="W111", event_id="Ev1", event_time=1)
    for name in ("app_mention.json", "app_mention_with_blocks.json", "message_im.json"):
        assert keys_missing(ours, events[name], ignore=ENTERPRISE_ONLY | DEPRECATED) == set(), name
        assert keys_missing(mention, events[name]["event"], ignore={"channel_type"}) == set(), name
    frame = envelope("events_api", ours)
    assert keys_missing(frame, frames["envelope_events_api_app_mention.json"]) == set()
    assert keys_missing(hello(), frames["hello.json"]) == set()
    action = bodies.button_action("a", "v", block_id="b", action_ts="1.2")
    message = bodies.button_message(action, ts="1.3", user="W111", bot_id="B111", team="T111")
    click = bodies.block_actions(
        action, user="U2", channel="C1", team_id="T111", message=message, trigger_id="t", response_url="r"
    )
    theirs = clicks["block_actions_button_with_message.json"]
    assert keys_missing(click, theirs) == set() and keys_missing(action, theirs["actions"][0]) == set()
    view = bodies.submitted_view("cb", {"b": {"a": "x"}}, view_id="V1", team_id="T111", bot_id="B111")
    submit = bodies.view_submission(view, user="U2", team_id="T111", trigger_id="t")
    theirs = clicks["view_submission.json"]
    assert keys_missing(submit, theirs) == set() and keys_missing(view, theirs["view"]) == set()
    command = dict(parse_qsl(upstream.text("slack/commands/hello_world.txt", what="a slash command form")))
    fields = bodies.slash_command(
        "x", command="/ops", user="U1", channel="C1", team_id="T1", trigger_id="t", response_url="r"
    )
    assert keys_missing(fields, command, ignore=ENTERPRISE_ONLY) == set()


# -- the app takes every recorded body -------------------------------------------------------------------

IDENTITY = {"team_id", "team", "user_team", "source_team"}


def as_ours(value: object, team: str) -> object:
    """A recorded body as if our installation had received it: its workspace ids ours, no enterprise (the
    recordings come from other workspaces, which opsbot rightly refuses)."""
    if isinstance(value, list):
        return [as_ours(v, team) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, object] = {}
    for key, item in value.items():
        if key in ("enterprise_id", "enterprise", "is_enterprise_install"):
            out[key] = False if key == "is_enterprise_install" else None
        elif key in IDENTITY and isinstance(item, str):
            out[key] = team
        elif key == "team" and isinstance(item, dict):
            out[key] = {**item, "id": team, "enterprise_id": None}
        else:
            out[key] = as_ours(item, team)
    return out


async def test_the_app_answers_every_recorded_event_and_acts_on_the_mentions(env: Harness) -> None:
    events = recorded("slack/events", "*.json", "Slack's Events API bodies, replayed through the app")
    mentions = set()
    for n, (name, text) in enumerate(events.items()):
        body = as_ours(json.loads(text), env.slack.team_id)
        assert isinstance(body, dict)
        if body.get("type") == "event_callback":
            body["event_id"] = f"EvUpstream{n}"  # the recordings share ids; each is a distinct delivery here
            event = body["event"]
            if event.get("type") == "app_mention" and event.get("user") != "W111":
                mentions.add(event["channel"])
        resp = await env.driver.event(body)
        assert resp.status == 200, name
        if body["type"] == "url_verification":
            assert body["challenge"] in resp.text
    await env.settle()
    assert mentions and mentions <= {c.params["channel"] for c in env.slack.calls_to("chat.postMessage")}


async def test_the_app_takes_the_recorded_command_and_interactivity_bodies(env: Harness) -> None:
    form = dict(parse_qsl(upstream.text("slack/commands/hello_world.txt", what="a recorded slash command")))
    form.update(command="/ops", text="help", team_id=env.slack.team_id)
    form.pop("enterprise_id", None)
    body = urlencode(form)
    resp = await env.driver.post(
        body, env.driver.signed_headers(body, content_type="application/x-www-form-urlencoded")
    )
    assert resp.status == 200
    payloads = recorded("slack/interactivity", "*.json", "recorded clicks and modal submits, replayed through the app")
    for name, text in payloads.items():
        payload = as_ours(json.loads(text), env.slack.team_id)
        assert isinstance(payload, dict)
        if payload["type"] == "block_actions":
            payload["actions"][0].update(action_id="opsbot.approve", value="ap_not_ours")
        if payload["type"] == "view_submission":
            payload["view"].update(callback_id="opsbot.reject", private_metadata='{"approval": "ap_not_ours"}')
        raw = "payload=" + quote(json.dumps(payload))
        resp = await env.driver.post(
            raw, env.driver.signed_headers(raw, content_type="application/x-www-form-urlencoded")
        )
        handled = payload["type"] in ("block_actions", "view_submission")
        assert resp.status == 200 if handled else resp.status in (200, 404), (name, resp.status)  # 404: no listener
    await env.settle()
    assert env.github.merges == []
    assert env.slack.calls_to("chat.postEphemeral")  # the help list, and the refusals of a click on no approval
