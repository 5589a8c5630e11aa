"""Tests of the Slack fakes themselves: the signed-request driver and the loopback Web API."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver
from tests.unit.test_signing import SLACK_BODY, SLACK_SECRET, SLACK_SIGNATURE, SLACK_TIMESTAMP

TOKEN = "xoxb-fake-token"
SECRET = "fake-signing-secret"
BLOCKS = [{"type": "section", "block_id": "b1", "text": {"type": "mrkdwn", "text": "*hi*"}}]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(TOKEN) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlackApi) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.url)


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self.value = now

    def now(self) -> float:
        return self.value


# -- signing ---------------------------------------------------------------------------------------


def test_signature_matches_slacks_published_vector() -> None:
    driver = SlackDriver("http://unused", SLACK_SECRET)
    assert driver.sign(SLACK_BODY, SLACK_TIMESTAMP) == SLACK_SIGNATURE
    assert driver.sign(SLACK_BODY + "------", SLACK_TIMESTAMP) != SLACK_SIGNATURE


def test_sdk_verifier_accepts_driver_signature_at_fake_time() -> None:
    clock = FixedClock(1_700_000_000.0)
    driver = SlackDriver("http://unused", SECRET, now=clock.now)
    body = '{"type": "event_callback"}'
    headers = driver.signed_headers(body)
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    verifier = SignatureVerifier(SECRET, clock=clock)
    assert verifier.is_valid_request(body, headers)
    clock.value += 301
    assert not verifier.is_valid_request(body, headers)


# -- Web API fake through the real slack_sdk client ------------------------------------------------


async def test_post_update_and_read_back_messages(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="hi", blocks=BLOCKS)
    reply = await client.chat_postMessage(channel="C1", text="in thread", thread_ts=posted["ts"])
    assert posted["ok"] and posted["message"]["blocks"] == BLOCKS
    assert reply["ts"] > posted["ts"]

    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="done", blocks=[])
    assert updated["ok"] and updated["text"] == "done"
    assert [m["text"] for m in slack.messages("C1")] == ["done", "in thread"]
    assert [m["ts"] for m in slack.thread("C1", posted["ts"])] == [posted["ts"], reply["ts"]]
    assert slack.calls_to("chat.postMessage")[0].params["blocks"] == BLOCKS

    replies = await client.conversations_replies(channel="C1", ts=posted["ts"])
    assert replies["messages"][0]["reply_count"] == 1
    history = await client.conversations_history(channel="C1")
    assert [m["ts"] for m in history["messages"]] == [posted["ts"]]


async def test_update_unknown_or_foreign_message_fails(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as unknown:
        await client.chat_update(channel="C1", ts="1.000001", text="x")
    assert unknown.value.response["error"] == "message_not_found"
    users_ts = slack.add_message("C1", "written by a person", user="U2")
    with pytest.raises(SlackApiError) as foreign:
        await client.chat_update(channel="C1", ts=users_ts, text="x")
    assert foreign.value.response["error"] == "cant_update_message"


async def test_ephemeral_is_recorded_per_user(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    sent = await client.chat_postEphemeral(channel="C1", user="U2", text="only you", blocks=BLOCKS)
    assert sent["ok"] and sent["message_ts"]
    assert [(m["channel"], m["text"]) for m in slack.ephemerals("U2")] == [("C1", "only you")]
    assert slack.ephemerals("U3") == [] and slack.messages("C1") == []
    slack.set_members("C1", ["U3"])
    with pytest.raises(SlackApiError, match="user_not_in_channel"):
        await client.chat_postEphemeral(channel="C1", user="U2", text="nope")


async def test_reactions_get_returns_seeded_message(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    ts = slack.add_message("C1", "deploy api please", user="U2")
    await client.reactions_add(channel="C1", timestamp=ts, name="eyes")
    got = await client.reactions_get(channel="C1", timestamp=ts)
    assert got["type"] == "message" and got["message"]["text"] == "deploy api please"
    assert got["message"]["reactions"] == [{"name": "eyes", "users": ["W111"], "count": 1}]
    with pytest.raises(SlackApiError, match="already_reacted"):
        await client.reactions_add(channel="C1", timestamp=ts, name="eyes")


async def test_directory_methods(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    slack.set_members("C1", ["U1", "U2"])
    slack.set_usergroup("S1", ["U2"])
    slack.set_user("U2", is_admin=True)
    assert (await client.conversations_members(channel="C1"))["members"] == ["U1", "U2"]
    assert (await client.usergroups_users_list(usergroup="S1"))["users"] == ["U2"]
    assert (await client.users_info(user="U2"))["user"]["is_admin"] is True
    auth = await client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("W111", "B111", "T111")


async def test_views_open_and_update(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    view = {
        "type": "modal",
        "callback_id": "opsbot.reason",
        "title": {"type": "plain_text", "text": "Why"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Tell ben why."}}],
    }
    opened = await client.views_open(trigger_id="1.2.abc", view=view)
    assert opened["ok"] and opened["view"]["callback_id"] == "opsbot.reason"
    view_id = opened["view"]["id"]
    assert slack.views[view_id]["trigger_id"] == "1.2.abc"
    updated = await client.views_update(view_id=view_id, hash=opened["view"]["hash"], view={**view, "blocks": BLOCKS})
    assert updated["view"]["hash"] != opened["view"]["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        await client.views_update(view_id=view_id, hash=opened["view"]["hash"], view=view)


async def test_invalid_token_and_unknown_method(slack: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as bad:
        await AsyncWebClient(token="xoxb-wrong", base_url=slack.url).chat_postMessage(channel="C1", text="x")
    assert bad.value.response["error"] == "invalid_auth"
    assert slack.messages("C1") == [] and not slack.calls[0].ok
    with pytest.raises(SlackApiError, match="unknown_method"):
        await AsyncWebClient(token=TOKEN, base_url=slack.url).api_call("nope.never")


# -- waiting and faults ----------------------------------------------------------------------------


async def test_wait_for_returns_when_enough_calls_arrive(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    waiter = asyncio.create_task(slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C2", 2))
    await client.chat_postMessage(channel="C1", text="elsewhere")
    await client.chat_postMessage(channel="C2", text="one")
    assert not waiter.done()
    await client.chat_postMessage(channel="C2", text="two")
    calls = await waiter
    assert [c.params["text"] for c in calls] == ["one", "two"]


async def test_wait_for_times_out_listing_calls_seen(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    await client.chat_postEphemeral(channel="C1", user="U2", text="hello")
    with pytest.raises(AssertionError, match=r"(?s)chat\.postMessage.*got 0.*chat\.postEphemeral"):
        await slack.wait_for("chat.postMessage", timeout=0.05)


async def test_rate_limit_is_retried_and_lands_once(slack: FakeSlackApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "random", lambda: 0.0)  # slack_sdk adds up to 1 s of jitter to Retry-After
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    handler = AsyncRateLimitErrorRetryHandler(max_retry_count=1)
    client = AsyncWebClient(token=TOKEN, base_url=slack.url, retry_handlers=[handler])
    assert (await client.chat_postMessage(channel="C1", text="once"))["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]
    assert slack.calls_to("chat.postMessage")[0].response == {"ok": False, "error": "ratelimited"}
    assert [m["text"] for m in slack.messages("C1")] == ["once"]


async def test_server_errors_and_injected_slack_errors(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", status=503, times=2)
    slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    for expected in (503, 503, 200):
        with pytest.raises(SlackApiError) as failed:
            await client.chat_postMessage(channel="C1", text="x")
        assert failed.value.response.status_code == expected
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"]


async def test_latency_delays_the_answer(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    slack.set_latency("auth.test", 0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await client.auth_test()
    assert loop.time() - started >= 0.05


# -- the driver against a real Bolt app ------------------------------------------------------------


def _bolt_app(client: AsyncWebClient) -> AsyncApp:
    app = AsyncApp(client=client, signing_secret=SECRET)

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], say: AsyncSay) -> None:
        await say(text=f"got: {event['text']}", thread_ts=event["ts"])

    @app.command("/ops")
    async def on_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(f"{command['user_id']} ran {command['text']} in {command['channel_id']}")

    @app.action("opsbot.approve")
    async def on_click(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(f"{body['user']['id']} approved {body['actions'][0]['value']}")

    @app.event("message")
    async def on_dm(event: dict[str, Any], say: AsyncSay) -> None:
        await say(f"dm from {event['user']} in {event['channel']}")

    @app.event("reaction_added")
    async def on_reaction(event: dict[str, Any], client: AsyncWebClient, say: AsyncSay) -> None:
        item = event["item"]
        found = await client.reactions_get(channel=item["channel"], timestamp=item["ts"])
        await say(f":{event['reaction']}: on {found['message']['text']}", channel=item["channel"])

    @app.view("opsbot.reason")
    async def on_submit(ack: AsyncAck, view: dict[str, Any]) -> None:
        await ack(response_action="errors", errors={"b": view["state"]["values"]["b"]["a"]["value"]})

    return app


@pytest.fixture
async def driver(slack: FakeSlackApi, client: AsyncWebClient) -> AsyncIterator[SlackDriver]:
    runner = web.AppRunner(_bolt_app(client).web_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield SlackDriver(url, SECRET, response_url_base=slack.hooks_url)
    await runner.cleanup()


async def test_bolt_understands_driver_mention(slack: FakeSlackApi, driver: SlackDriver) -> None:
    sent = await driver.mention("deploy api", user="U2", channel="C9")
    assert sent.status == 200
    [call] = await slack.wait_for("chat.postMessage")
    assert call.params["text"] == "got: <@W111> deploy api"
    assert call.params["thread_ts"] == sent.payload["event"]["ts"]
    assert sent.payload["event_id"] != (await driver.mention("again")).payload["event_id"]


async def test_bolt_understands_command_click_and_submit(slack: FakeSlackApi, driver: SlackDriver) -> None:
    command = await driver.command("status", user="U2", channel="C9")
    assert command.text == "U2 ran status in C9"
    clicked = await driver.click("opsbot.approve", "appr-1", as_user="U3", channel="C9", message_ts="9.000001")
    assert clicked.status == 200
    [call] = await slack.wait_for("response_url")
    assert call.params["text"] == "U3 approved appr-1"
    assert call.params["path"].startswith("actions/T111/")
    submitted = await driver.submit_view("opsbot.reason", {"b": {"a": "because"}}, as_user="U3")
    assert submitted.json() == {"response_action": "errors", "errors": {"b": "because"}}


async def test_bolt_rejects_forged_and_stale_requests(driver: SlackDriver) -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}})
    forged = {**driver.signed_headers(body), "X-Slack-Signature": "v0=" + "0" * 64}
    assert (await driver.post(body, forged)).status == 401
    stale = driver.signed_headers(body, timestamp=int(driver.now()) - 301)
    assert (await driver.post(body, stale)).status == 401
    assert (await driver.url_verification("abc")).json() == {"challenge": "abc"}


async def test_bolt_understands_driver_dm_and_reaction(slack: FakeSlackApi, driver: SlackDriver) -> None:
    assert (await driver.dm("hello", user="U2", channel="D7")).status == 200
    [dm_reply] = await slack.wait_for("chat.postMessage")
    assert (dm_reply.params["channel"], dm_reply.params["text"]) == ("D7", "dm from U2 in D7")
    ts = slack.add_message("C9", "deploy api", user="U2")
    assert (await driver.react("rocket", user="U3", channel="C9", item_ts=ts)).status == 200
    await slack.wait_for("chat.postMessage", count=2)
    assert slack.messages("C9")[-1]["text"] == ":rocket: on deploy api"
