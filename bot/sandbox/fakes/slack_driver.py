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
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from bot.core.jsonvalue import Json, JsonObject
from bot.sandbox.fakes import slack_bodies as bodies
from bot.sandbox.fakes.slack_hooks import hook_path

__all__ = ["DriverResponse", "SlackDriver"]

_ids = itertools.count(1)  # module-wide, so two drivers (two replicas) never reuse an id


@dataclass(frozen=True, kw_only=True)
class DriverResponse:
    """The app's HTTP answer, and the payload that was sent (to read ids and ts back, or to resend)."""

    status: int
    text: str
    headers: Mapping[str, str]
    payload: dict[str, Any] = field(default_factory=dict)  # Any: tests read it as they know it, like Call.params

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
        bot_id: str = "B111",
        now: Callable[[], float] = time.time,
        response_url_base: str = "https://hooks.slack.com",
    ) -> None:
        root = base_url.rstrip("/")
        self.events_url = root if root.endswith("/slack/events") else f"{root}/slack/events"
        self.signing_secret, self.team_id, self.bot_user_id = signing_secret, team_id, bot_user_id
        self.bot_id = bot_id
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

    async def _send(
        self, payload: JsonObject | dict[str, str], body: str, content_type: str, extra: Mapping[str, str]
    ) -> DriverResponse:  # the body encodes the payload: JSON, or a form's fields
        headers = {**self.signed_headers(body, content_type=content_type), **extra}
        resp = await self.post(body, headers)
        return DriverResponse(status=resp.status, text=resp.text, headers=resp.headers, payload=payload)

    # -- Events API --------------------------------------------------------------------------------

    async def event(
        self,
        event: Mapping[str, Json],
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
            payload = copy.deepcopy(dict(event))
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
        inner = self._message(f"<@{self.bot_user_id}> {text}", user, channel, ts, thread_ts, type="app_mention")
        body = self._envelope(inner, event_id, event_time)
        return await self.event(body, retry_num=retry_num, retry_reason=retry_reason)

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
        inner = self._message(text, user, channel, ts, thread_ts, channel_type="im")
        body = self._envelope(inner, event_id, event_time)
        return await self.event(body, retry_num=retry_num, retry_reason=retry_reason)

    async def react(
        self,
        name: str,
        *,
        user: str = "U1",
        channel: str = "C1",
        item_ts: str = "1700000000.000100",
        item_user: str = "U2",
        event_id: str | None = None,
        event_time: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> DriverResponse:
        """``reaction_added`` of ``:name:`` by ``user`` on the message ``channel``/``item_ts``."""
        inner = bodies.reaction_added(
            name, user=user, channel=channel, item_ts=item_ts, item_user=item_user, event_ts=self._new_ts()
        )
        body = self._envelope(inner, event_id, event_time)
        return await self.event(body, retry_num=retry_num, retry_reason=retry_reason)

    async def url_verification(self, challenge: str) -> DriverResponse:
        return await self.event(bodies.url_verification(challenge))

    # -- slash commands and interactivity ----------------------------------------------------------

    async def command(
        self, text: str, *, user: str = "U1", channel: str = "C1", command: str = "/ops"
    ) -> DriverResponse:
        """A slash command, as the form body Slack sends (``resp.payload`` holds the fields)."""
        fields = bodies.slash_command(
            text,
            command=command,
            user=user,
            channel=channel,
            team_id=self.team_id,
            trigger_id=self._trigger_id(),
            response_url=self._response_url("commands", channel, user),
        )
        return await self._send(fields, urlencode(fields), "application/x-www-form-urlencoded", {})

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        as_user: str,
        channel: str = "C1",
        message_ts: str = "1700000000.000100",
        block_id: str = "opsbot.actions",
        message: JsonObject | None = None,
        ephemeral: bool = False,
    ) -> DriverResponse:
        """A ``block_actions`` button click on the message ``channel``/``message_ts``.

        Pass ``message`` (e.g. from ``FakeSlackApi.messages``) to send the real clicked message; ``ephemeral``: a
        button on a message only the clicker sees."""
        action = bodies.button_action(action_id, value, block_id=block_id, action_ts=self._new_ts())
        clicked = (
            copy.deepcopy(message)
            if message
            else bodies.button_message(
                action, ts=message_ts, user=self.bot_user_id, bot_id=self.bot_id, team=self.team_id
            )
        )
        clicked["ts"] = message_ts
        payload = bodies.block_actions(
            action,
            user=as_user,
            channel=channel,
            team_id=self.team_id,
            message=clicked,
            trigger_id=self._trigger_id(),
            response_url=self._response_url("actions", channel, as_user),
            ephemeral=ephemeral,
        )
        return await self._send_payload(payload)

    async def submit_view(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Json]],
        *,
        as_user: str,
        private_metadata: str = "",
        view_id: str = "V0000SUBMIT",
    ) -> DriverResponse:
        """A modal submit; ``values`` is ``{block_id: {action_id: "text" or a full state value}}``."""
        view = bodies.submitted_view(
            callback_id,
            values,
            view_id=view_id,
            team_id=self.team_id,
            bot_id=self.bot_id,
            private_metadata=private_metadata,
        )
        payload = bodies.view_submission(view, user=as_user, team_id=self.team_id, trigger_id=self._trigger_id())
        return await self._send_payload(payload)

    async def _send_payload(self, payload: JsonObject) -> DriverResponse:
        body = "payload=" + quote(json.dumps(payload))
        return await self._send(payload, body, "application/x-www-form-urlencoded", {})

    # -- builders ----------------------------------------------------------------------------------

    def _envelope(self, event: Mapping[str, Json], event_id: str | None, event_time: int | None) -> JsonObject:
        return bodies.event_callback(
            copy.deepcopy(dict(event)),
            team_id=self.team_id,
            bot_user_id=self.bot_user_id,
            event_id=event_id or f"Ev{next(_ids):08d}",
            event_time=int(self.now()) if event_time is None else event_time,
        )

    def _message(
        self,
        text: str,
        user: str,
        channel: str,
        ts: str | None,
        thread_ts: str | None,
        *,
        type: str = "message",
        channel_type: str | None = None,
    ) -> JsonObject:
        message_ts = ts or self._new_ts()
        return bodies.message_event(
            text,
            user=user,
            channel=channel,
            ts=message_ts,
            team=self.team_id,
            client_msg_id=str(uuid.uuid4()),
            thread_ts=thread_ts,
            channel_type=channel_type,
            type=type,
        )

    def _new_ts(self) -> str:
        return f"{int(self.now())}.{next(_ids):06d}"

    def _trigger_id(self) -> str:
        return f"{next(_ids)}.{int(self.now())}.{uuid.uuid4().hex[:16]}"

    def _response_url(self, kind: str, channel: str, user: str) -> str:
        return f"{self.response_url_base}/{hook_path(kind, self.team_id, channel, user, self.now())}"
