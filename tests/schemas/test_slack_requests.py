"""What our driver sends and the Socket Mode frames we build, read by Bolt's and slack_sdk's own parsers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.listener_matcher import builtins as match
from slack_bolt.request import payload_utils as kinds
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.sandbox.fakes import slack_bodies as bodies
from bot.sandbox.fakes.slack_blockkit import ANSWERED_VIEW_FIELDS, block_problems, state_problems, view_problems
from tests.fakes.slack_driver import DriverResponse, SlackDriver
from tests.fakes.socket_mode import disconnect, envelope, hello

SECRET = "opsbot-schema-secret"
NOW = 1_795_683_700.0


class At(Clock):
    def now(self) -> float:
        return NOW


Send = Callable[[SlackDriver], Awaitable[DriverResponse]]


@pytest.fixture
async def wire() -> AsyncIterator[tuple[SlackDriver, list[tuple[dict[str, str], str]]]]:
    """A driver aimed at a loopback endpoint that keeps each request's headers and raw body."""
    seen: list[tuple[dict[str, str], str]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.text()))
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/slack/events", record)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield SlackDriver(f"http://127.0.0.1:{runner.addresses[0][1]}", SECRET, now=lambda: NOW), seen
    await runner.cleanup()


async def bolt_reads(wire: tuple[SlackDriver, list[tuple[dict[str, str], str]]], send: Send) -> AsyncBoltRequest:
    """Send one request with the driver; return it as Bolt's HTTP adapter would build it (signature checked)."""
    driver, seen = wire
    sent = await send(driver)
    headers, raw = seen[-1]
    assert SignatureVerifier(SECRET, clock=At()).is_valid_request(raw, headers)
    as_sent: dict[str, str | Sequence[str]] = dict(headers)
    request = AsyncBoltRequest(body=raw, headers=as_sent)
    assert request.body == sent.payload  # Bolt decodes exactly what the driver meant to send
    return request


async def matches(matcher: Any, request: AsyncBoltRequest) -> bool:
    found: bool = await matcher.async_matches(request, BoltResponse(status=200))
    return found


def context(request: AsyncBoltRequest) -> dict[str, Any]:
    keys = ("team_id", "user_id", "channel_id", "thread_ts", "is_enterprise_install", "enterprise_id", "response_url")
    return {k: request.context.get(k) for k in keys if request.context.get(k) is not None}


# -- HTTP bodies, through Bolt -------------------------------------------------------------------------


async def test_a_mention_is_an_app_mention_event_in_its_thread(wire: Any) -> None:
    request = await bolt_reads(wire, lambda d: d.mention("deploy api", user="U2", channel="C9", thread_ts="1.000001"))
    assert kinds.is_event(request.body) and not kinds.is_message_event(request.body)
    assert await matches(match.event("app_mention", asyncio=True), request)
    assert not await matches(match.event("message", asyncio=True), request)
    assert context(request) == {"team_id": "T111", "user_id": "U2", "channel_id": "C9", "thread_ts": "1.000001"} | {
        "is_enterprise_install": False
    }
    event = kinds.to_event(request.body)
    assert event is not None and event["text"] == "<@W111> deploy api"
    assert block_problems(event["blocks"]) == []
    assert request.body["authorizations"][0]["user_id"] == "W111"


async def test_a_dm_is_an_im_message_event(wire: Any) -> None:
    request = await bolt_reads(wire, lambda d: d.dm("list prs", user="U3", channel="D3"))
    assert kinds.is_message_event(request.body) and kinds.is_im_message_event(request.body)
    assert await matches(match.event("message", asyncio=True), request)
    assert context(request)["user_id"] == "U3" and context(request)["channel_id"] == "D3"
    assert block_problems(request.body["event"]["blocks"]) == []


async def test_a_reaction_names_its_channel_through_the_item(wire: Any) -> None:
    request = await bolt_reads(wire, lambda d: d.react("ticket", user="U1", channel="C2", item_ts="1.000002"))
    assert await matches(match.event("reaction_added", asyncio=True), request)
    assert context(request) | {"is_enterprise_install": None} == {
        "team_id": "T111",
        "user_id": "U1",
        "channel_id": "C2",
        "is_enterprise_install": None,
    }


async def test_url_verification_carries_its_challenge(wire: Any) -> None:
    request = await bolt_reads(wire, lambda d: d.url_verification("c-123"))
    assert request.body == {"token": bodies.VERIFICATION_TOKEN, "challenge": "c-123", "type": "url_verification"}
    assert not kinds.is_event(request.body)


async def test_a_slash_command_is_read_from_its_form(wire: Any) -> None:
    request = await bolt_reads(wire, lambda d: d.command("list prs acme/api", user="U1", channel="C1"))
    assert kinds.is_slash_command(request.body) and not kinds.is_action(request.body)
    assert await matches(match.command("/ops", asyncio=True), request)
    found = context(request)
    assert (found["team_id"], found["user_id"], found["channel_id"]) == ("T111", "U1", "C1")
    assert found["response_url"].startswith("https://hooks.slack.com/commands/T111/")
    assert request.body["user_name"] == "ana" and request.body["text"] == "list prs acme/api"


async def test_a_click_is_a_block_action_on_its_message(wire: Any) -> None:
    request = await bolt_reads(wire, lambda d: d.click("opsbot.approve", "ap_1", as_user="U2", channel="C1"))
    assert kinds.is_action(request.body) and kinds.is_block_actions(request.body)
    assert await matches(match.block_action("opsbot.approve", asyncio=True), request)
    assert not await matches(match.block_action("opsbot.reject", asyncio=True), request)
    found = context(request)
    assert (found["team_id"], found["user_id"], found["channel_id"]) == ("T111", "U2", "C1")
    assert found["response_url"].startswith("https://hooks.slack.com/actions/T111/")
    action = kinds.to_action(request.body)
    assert action is not None and action["value"] == "ap_1"
    message = request.body["message"]
    assert request.body["container"]["message_ts"] == message["ts"]
    assert block_problems(message["blocks"]) == []


async def test_a_modal_submit_is_a_view_submission_with_its_state(wire: Any) -> None:
    values = {"reason": {"value": "not today"}}
    request = await bolt_reads(
        wire, lambda d: d.submit_view("opsbot.reject", values, as_user="U2", private_metadata='{"approval": "ap_1"}')
    )
    assert kinds.is_view_submission(request.body) and kinds.is_view(request.body)
    assert await matches(match.view_submission("opsbot.reject", asyncio=True), request)
    assert context(request)["team_id"] == "T111" and context(request)["user_id"] == "U2"
    view = kinds.to_view(request.body)
    assert view is not None and view["state"]["values"]["reason"]["value"]["value"] == "not today"
    assert view_problems(view, extra=ANSWERED_VIEW_FIELDS) == []
    assert state_problems(view["state"]) == []


# -- Socket Mode frames, through slack_sdk and Bolt ---------------------------------------------------------


def mention_body() -> dict[str, Any]:
    event = bodies.message_event(
        "<@W111> help", user="U1", channel="C1", ts="1.000003", team="T111", client_msg_id="m-1", type="app_mention"
    )
    return bodies.event_callback(event, team_id="T111", bot_user_id="W111", event_id="EvSM1", event_time=1)


def command_fields() -> dict[str, str]:
    return bodies.slash_command(
        "help", command="/ops", user="U1", channel="C1", team_id="T111", trigger_id="t-1", response_url="https://x/1"
    )


def submission() -> dict[str, Any]:
    view = bodies.submitted_view("opsbot.edit", {"b": {"a": "x"}}, view_id="V1", team_id="T111", bot_id="B111")
    return bodies.view_submission(view, user="U2", team_id="T111", trigger_id="t-2")


@pytest.mark.parametrize(
    ("kind", "payload", "accepts", "matcher"),
    [
        ("events_api", mention_body(), False, match.event("app_mention", asyncio=True)),
        ("slash_commands", command_fields(), True, match.command("/ops", asyncio=True)),
        ("interactive", submission(), True, match.view_submission("opsbot.edit", asyncio=True)),
    ],
    ids=["events_api", "slash_commands", "interactive"],
)
async def test_envelopes_are_socket_mode_requests_bolt_routes(
    kind: str, payload: dict[str, Any], accepts: bool, matcher: Any
) -> None:
    frame = envelope(kind, payload, envelope_id=f"env-{kind}")
    request = SocketModeRequest.from_dict(frame)
    assert request is not None
    assert (request.type, request.envelope_id, request.payload) == (kind, f"env-{kind}", payload)
    assert request.accepts_response_payload is accepts
    assert request.retry_attempt == (0 if kind == "events_api" else None)
    bolt = AsyncBoltRequest(body=request.payload, mode="socket_mode")
    assert await matches(matcher, bolt)
    assert bolt.context["team_id"] == "T111"


def test_hello_and_disconnect_are_control_frames_not_requests() -> None:
    assert SocketModeRequest.from_dict(hello()) is None
    assert SocketModeRequest.from_dict(disconnect()) is None
    assert hello()["connection_info"]["app_id"] == "A111" and disconnect()["type"] == "disconnect"


def test_an_envelope_without_its_id_is_not_a_request() -> None:
    frame = envelope("events_api", mention_body())
    assert SocketModeRequest.from_dict(frame) is not None
    del frame["envelope_id"]
    assert SocketModeRequest.from_dict(frame) is None  # the broken frame fails slack_sdk's own reading
