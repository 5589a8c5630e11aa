"""Sends Slack-signed events, slash commands, clicks and modal submits to the app's ``POST /slack/events``."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import aiohttp

__all__ = ["FIXTURES", "DriverResponse", "JsonDict", "SlackDriver", "fixture"]

JsonDict = dict[str, Any]
FIXTURES = Path(__file__).resolve().parents[1] / "recorded" / "slack"
_ids = itertools.count(1)  # module-wide, so two drivers (two replicas) never reuse an id


@cache
def _fixture_text(relative: str) -> str:
    return (FIXTURES / relative).read_text()


def fixture(relative: str) -> JsonDict:
    """A fresh copy of a recorded Slack payload, e.g. ``fixture("events/app_mention.json")``."""
    loaded: JsonDict = json.loads(_fixture_text(relative))
    return loaded


@dataclass(frozen=True, kw_only=True)
class DriverResponse:
    """The app's HTTP answer, and the payload that was sent (to read ids and ts back, or to resend)."""

    status: int
    text: str
    headers: Mapping[str, str]
    payload: JsonDict = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.text)


class SlackDriver:
    """Plays Slack against the app: every request is signed like Slack's (v0 HMAC-SHA256)."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        team_id: str = "T111",
        bot_user_id: str = "W111",
        now: Callable[[], float] = time.time,
        response_url_base: str = "https://hooks.slack.com",
    ) -> None:
        root = base_url.rstrip("/")
        self.events_url = root if root.endswith("/slack/events") else f"{root}/slack/events"
        self.signing_secret, self.team_id, self.bot_user_id = signing_secret, team_id, bot_user_id
        self.now, self.response_url_base = now, response_url_base.rstrip("/")

    # -- signing and raw requests ------------------------------------------------------------------

    def sign(self, body: bytes | str, timestamp: int | str) -> str:
        raw = body.encode() if isinstance(body, str) else body
        base = b"v0:" + str(timestamp).encode() + b":" + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()

    def signed_headers(
        self, body: bytes | str, *, timestamp: int | None = None, content_type: str = "application/json"
    ) -> dict[str, str]:
        ts = int(self.now()) if timestamp is None else timestamp
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": self.sign(body, ts),
        }

    async def post(self, body: bytes | str, headers: Mapping[str, str]) -> DriverResponse:
        """Send ``body`` with exactly these headers (no signing): for forged or stale requests."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.events_url, data=body, headers=dict(headers)) as resp,
        ):
            return DriverResponse(status=resp.status, text=await resp.text(), headers=dict(resp.headers))

    async def _send(self, payload: JsonDict, body: str, content_type: str, extra: Mapping[str, str]) -> DriverResponse:
        headers = {**self.signed_headers(body, content_type=content_type), **extra}
        resp = await self.post(body, headers)
        return DriverResponse(status=resp.status, text=resp.text, headers=resp.headers, payload=payload)

    # -- Events API --------------------------------------------------------------------------------

    async def event(
        self,
        event: JsonDict,
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        **headers: str,
    ) -> DriverResponse:
        """Send an inner event wrapped in an ``event_callback`` envelope, or a full body as it is.

        Extra keyword headers use underscores for dashes: ``X_Slack_No_Retry="1"``.
        """
        if event.get("type") in ("event_callback", "url_verification"):
            payload = copy.deepcopy(event)
        else:
            payload = self._envelope(event, event_id, event_time)
        extra = {name.replace("_", "-"): value for name, value in headers.items()}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            extra["X-Slack-Retry-Reason"] = retry_reason
        return await self._send(payload, json.dumps(payload), "application/json", extra)

    async def mention(
        self,
        text: str,
        *,
        user: str = "U1",
        channel: str = "C1",
        thread_ts: str | None = None,
        ts: str | None = None,
        event_id: str | None = None,
        event_time: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> DriverResponse:
        """``@opsbot text`` in a channel; the message ts is ``resp.payload["event"]["ts"]``."""
        body = fixture("events/app_mention.json")
        inner = self._message_event(body["event"], f"<@{self.bot_user_id}> {text}", user, channel, ts, thread_ts)
        body.update(event=inner, authed_users=[self.bot_user_id])
        return await self.event(body | self._ids(event_id, event_time), retry_num=retry_num, retry_reason=retry_reason)

    async def dm(
        self,
        text: str,
        *,
        user: str = "U1",
        channel: str = "D1",
        thread_ts: str | None = None,
        ts: str | None = None,
        event_id: str | None = None,
        event_time: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> DriverResponse:
        """A direct message to the bot (``message`` event, ``channel_type: im``)."""
        body = fixture("events/message_im.json")
        body["event"] = self._message_event(body["event"], text, user, channel, ts, thread_ts)
        for authorization in body["authorizations"]:
            authorization.update(team_id=self.team_id, user_id=self.bot_user_id)
        return await self.event(body | self._ids(event_id, event_time), retry_num=retry_num, retry_reason=retry_reason)

    async def react(
        self,
        name: str,
        *,
        user: str = "U1",
        channel: str = "C1",
        item_ts: str = "1599529504.000400",
        item_user: str = "U9",
        event_id: str | None = None,
        event_time: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> DriverResponse:
        """``reaction_added`` of ``:name:`` by ``user`` on the message ``channel``/``item_ts``."""
        body = fixture("events/reaction_added.json")
        event = body["event"]
        event.update(reaction=name, user=user, item_user=item_user, event_ts=self._new_ts())
        event["item"].update(channel=channel, ts=item_ts)
        body.update(authed_users=[self.bot_user_id])
        return await self.event(body | self._ids(event_id, event_time), retry_num=retry_num, retry_reason=retry_reason)

    async def url_verification(self, challenge: str) -> DriverResponse:
        body = fixture("events/url_verification.json")
        body["challenge"] = challenge
        return await self.event(body)

    # -- slash commands and interactivity ----------------------------------------------------------

    async def command(
        self, text: str, *, user: str = "U1", channel: str = "C1", command: str = "/ops"
    ) -> DriverResponse:
        """A slash command, as the form body Slack sends (``resp.payload`` holds the fields)."""
        fields = dict(parse_qsl(_fixture_text("commands/hello_world.txt"), keep_blank_values=True))
        fields.update(
            team_id=self.team_id,
            channel_id=channel,
            user_id=user,
            user_name=user.lower(),
            command=command,
            text=text,
            trigger_id=self._trigger_id(),
            response_url=self._response_url("commands"),
        )
        return await self._send(fields, urlencode(fields), "application/x-www-form-urlencoded", {})

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        as_user: str,
        channel: str = "C1",
        message_ts: str = "1678252213.679169",
        block_id: str = "8KR",
        message: JsonDict | None = None,
    ) -> DriverResponse:
        """A ``block_actions`` button click on the message ``channel``/``message_ts``.

        Pass ``message`` (e.g. from ``FakeSlackApi.messages``) to send the real clicked message.
        """
        payload = fixture("interactivity/block_actions_button_with_message.json")
        payload.update(user={"id": as_user}, team={"id": self.team_id}, channel={"id": channel})
        payload.update(trigger_id=self._trigger_id(), response_url=self._response_url("actions"))
        payload["container"].update(message_ts=message_ts, channel_id=channel)
        action = payload["actions"][0]
        action.update(action_id=action_id, value=value, block_id=block_id, action_ts=self._new_ts())
        payload["message"] = copy.deepcopy(message) if message else self._button_message(payload, action)
        payload["message"]["ts"] = message_ts
        return await self._send_payload(payload)

    async def submit_view(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Any]],
        *,
        as_user: str,
        private_metadata: str = "",
        view_id: str = "V111",
    ) -> DriverResponse:
        """A modal submit; ``values`` is ``{block_id: {action_id: "text" or a full state value}}``."""
        payload = fixture("interactivity/view_submission.json")
        payload["team"]["id"] = self.team_id
        payload["user"].update(id=as_user, username=as_user.lower(), name=as_user.lower(), team_id=self.team_id)
        payload["trigger_id"] = self._trigger_id()
        view = payload["view"]
        view.update(id=view_id, root_view_id=view_id, team_id=self.team_id, callback_id=callback_id)
        view.update(private_metadata=private_metadata, app_installed_team_id=self.team_id)
        view["state"]["values"] = {
            block: {action: _state_value(v) for action, v in actions.items()} for block, actions in values.items()
        }
        return await self._send_payload(payload)

    async def _send_payload(self, payload: JsonDict) -> DriverResponse:
        body = "payload=" + quote(json.dumps(payload))
        return await self._send(payload, body, "application/x-www-form-urlencoded", {})

    # -- builders ----------------------------------------------------------------------------------

    def _envelope(self, event: JsonDict, event_id: str | None, event_time: int | None) -> JsonDict:
        body = fixture("events/app_mention.json")
        body.update(event=copy.deepcopy(event), authed_users=[self.bot_user_id])
        return body | self._ids(event_id, event_time)

    def _ids(self, event_id: str | None, event_time: int | None) -> JsonDict:
        return {
            "team_id": self.team_id,
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(self.now()) if event_time is None else event_time,
        }

    def _message_event(
        self, event: JsonDict, text: str, user: str, channel: str, ts: str | None, thread_ts: str | None
    ) -> JsonDict:
        message_ts = ts or self._new_ts()
        event.update(text=text, user=user, channel=channel, ts=message_ts, event_ts=message_ts, team=self.team_id)
        if "client_msg_id" in event:
            event["client_msg_id"] = str(uuid.uuid4())
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return event

    def _button_message(self, payload: JsonDict, action: JsonDict) -> JsonDict:
        message: JsonDict = payload["message"]
        message.update(user=self.bot_user_id, team=self.team_id)
        block = message["blocks"][0]
        block["block_id"] = action["block_id"]
        block["accessory"].update(action_id=action["action_id"], value=action["value"])
        return message

    def _new_ts(self) -> str:
        return f"{int(self.now())}.{next(_ids):06d}"

    def _trigger_id(self) -> str:
        return f"{next(_ids)}.{int(self.now())}.{uuid.uuid4().hex[:16]}"

    def _response_url(self, kind: str) -> str:
        return f"{self.response_url_base}/{kind}/{self.team_id}/{next(_ids)}/{uuid.uuid4().hex[:24]}"


def _state_value(value: Any) -> Any:
    return {"type": "plain_text_input", "value": value} if isinstance(value, str) else value
