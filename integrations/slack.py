"""The Slack Web API adapter: slack_sdk's AsyncWebClient with one shared session; every message through the outbox
(integrations.slack_outbox: stored, retried, paced, sent exactly once)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core.errors import NotInChannel
from bot.core.jsonvalue import JsonObject
from bot.core.mrkdwn import seal, seal_json
from bot.core.ports import SECRET_SLOT
from bot.core.redact import contains_secret, redact, redact_text
from bot.core.spans import span
from integrations.slack_outbox import URL_TIMEOUT, Outbox
from integrations.slack_retry import UrlRefused

log = logging.getLogger(__name__)


def make_client(
    token: str | None, base_url: str, session: aiohttp.ClientSession, *, retries: bool = True
) -> AsyncWebClient:
    """A client; with `retries` (reads: the directory, reactions, views) slack_sdk retries a connection error once
    and a 429 three times; without (the outbox's client) it retries nothing: the outbox does, in one place."""
    handlers = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=3)]
    return AsyncWebClient(token=token, base_url=base_url, session=session, retry_handlers=handlers if retries else [])


NOT_THERE = frozenset({"user_not_in_channel", "channel_not_found", "not_in_channel"})


class SlackChat:
    """Implements bot.core.ports.Chat. Every text leaving here is scrubbed of secrets."""

    def __init__(self, client: AsyncWebClient, secrets: tuple[str, ...] = (), *, outbox: Outbox | None = None) -> None:
        self.client = client
        self._secrets = secrets
        self.outbox = outbox or Outbox(client)  # without a store: retried, not deduplicated across processes

    async def post(self, channel: str, text: str, blocks: Sequence[JsonObject], *, thread_ts: str | None = None) -> str:
        with span("slack chat.postMessage", {"slack.channel": channel, "slack.thread_ts": thread_ts}):
            args: dict[str, Any] = {
                "channel": channel, "text": self._clean(text), "blocks": self._clean_blocks(blocks),
                "thread_ts": thread_ts, "unfurl_links": False, "unfurl_media": False,
            }  # fmt: skip
            try:
                resp = await self.outbox.deliver("chat.postMessage", channel, args, find=True)
            except SlackApiError as exc:
                if exc.response.get("error") in NOT_THERE:
                    raise NotInChannel(channel) from exc
                raise
        return str(resp["ts"])

    async def update(self, channel: str, ts: str, text: str, blocks: Sequence[JsonObject]) -> None:
        with span("slack chat.update", {"slack.channel": channel, "slack.ts": ts}):
            args: dict[str, Any] = {
                "channel": channel,
                "ts": ts,
                "text": self._clean(text),
                "blocks": self._clean_blocks(blocks),
            }
            try:
                await self.outbox.deliver("chat.update", channel, args)
            except SlackApiError as exc:
                if exc.response.get("error") in NOT_THERE:
                    raise NotInChannel(channel) from exc
                raise

    async def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[JsonObject] = (),
        *,
        thread_ts: str | None = None,
        response_url: str | None = None,
    ) -> None:
        if response_url is not None and await self._respond(response_url, channel, text, blocks):
            return
        with span("slack chat.postEphemeral", {"slack.channel": channel, "slack.user": user}):
            await self._ephemeral(channel, user, text, blocks, thread_ts=thread_ts)

    async def _respond(self, url: str, channel: str, text: str, blocks: Sequence[JsonObject]) -> bool:
        """Through a slash command's response_url; False when it is not Slack's or Slack refused it."""
        if not hook_of(url, str(self.client.base_url)):
            log.warning("a response_url not on Slack's hooks host was ignored: answered with chat.postEphemeral")
            return False
        args: dict[str, Any] = {
            "url": url, "text": self._clean(text), "blocks": self._clean_blocks(blocks) or None,
            "response_type": "ephemeral", "replace_original": False,
        }  # fmt: skip
        try:
            with span("slack response_url", {"slack.channel": channel}):
                await self.outbox.deliver("response_url", channel, args)
        except UrlRefused as exc:
            log.info("the response_url was refused (%s): answered with chat.postEphemeral", exc.error or exc.status)
            return False
        return True

    async def _ephemeral(
        self, channel: str, user: str, text: str, blocks: Sequence[JsonObject], *, thread_ts: str | None
    ) -> None:
        try:
            args: dict[str, Any] = {
                "channel": channel, "user": user, "text": self._clean(text),
                "blocks": self._clean_blocks(blocks) or None, "thread_ts": thread_ts,
            }  # fmt: skip
            await self.outbox.deliver("chat.postEphemeral", channel, args)
        except SlackApiError as exc:
            if exc.response.get("error") not in NOT_THERE:
                raise
            # Not a member of the channel (a click from outside it), or a DM the bot is not in: say it privately
            # in a direct message instead of leaving the person without an answer.
            reason = exc.response.get("error")
            log.info("ephemeral to %s in %s failed (%s): sent as a direct message", user, channel, reason)
            dm: dict[str, Any] = {
                "channel": user,
                "text": self._clean(text),
                "blocks": self._clean_blocks(blocks) or None,
            }
            await self.outbox.deliver("chat.postMessage", user, dm, find=True)

    async def reveal(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[JsonObject],
        *,
        secret: str,
        response_url: str | None = None,
    ) -> bool:
        """bot.core.ports.Chat.reveal: not through the outbox (its rows keep each payload for retries), with a
        client whose logger is never at DEBUG (slack_sdk logs request bodies there), tried once each way (an
        ephemeral shown twice is shown to the same person). The message is cleaned like every other first, and only
        then does the secret take SECRET_SLOT's place: the Bearer shape `redact` masks would mask it."""
        cleaned = self._clean_blocks(blocks)
        shown = json.dumps({"text": self._clean(text), **({"blocks": cleaned} if cleaned else {})})
        filled = json.loads(shown.replace(SECRET_SLOT, json.dumps(secret)[1:-1]))
        if response_url is not None and await self._reveal_at(response_url, channel, filled):
            return True
        client = AsyncWebClient(
            token=self.client.token, base_url=self.client.base_url, session=self.client.session, logger=_quiet(),
            retry_handlers=[],
        )  # fmt: skip
        try:
            with span("slack chat.postEphemeral", {"slack.channel": channel, "slack.user": user}):
                await client.chat_postEphemeral(channel=channel, user=user, **filled)
        except SlackApiError as exc:
            log.warning("a secret could not be shown to %s in %s (%s)", user, channel, exc.response.get("error"))
            return False
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("a secret could not be shown to %s in %s (%s)", user, channel, type(exc).__name__)
            return False
        return True

    async def _reveal_at(self, url: str, channel: str, message: JsonObject) -> bool:
        """A secret through a response_url, once; False when it is not Slack's or Slack did not take it."""
        if not hook_of(url, str(self.client.base_url)):
            log.warning("a response_url not on Slack's hooks host was ignored: answered with chat.postEphemeral")
            return False
        session = self.client.session
        hook = AsyncWebhookClient(url, timeout=URL_TIMEOUT, session=session, logger=_quiet(), retry_handlers=[])
        try:
            with span("slack response_url", {"slack.channel": channel}):
                answer = await hook.send_dict({**message, "response_type": "ephemeral", "replace_original": False})
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("a secret's response_url failed (%s): trying chat.postEphemeral", type(exc).__name__)
            return False
        if answer.status_code != 200:
            log.info("a secret's response_url was refused (HTTP %s): trying chat.postEphemeral", answer.status_code)
        return answer.status_code == 200

    async def message_text(self, channel: str, ts: str) -> str | None:
        resp = await self.client.reactions_get(channel=channel, timestamp=ts, full=True)
        message = resp.get("message") or {}
        text = message.get("text")
        return str(text) if text else None

    async def permalink(self, channel: str, ts: str) -> str | None:
        try:
            resp = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("no permalink for %s in %s: %s", ts, channel, type(exc).__name__)
            return None
        link = resp.get("permalink")
        return str(link) if isinstance(link, str) and link.startswith("https://") else None

    async def open_modal(self, trigger_id: str, view: JsonObject) -> bool:
        """Open a modal; False when Slack refuses (the trigger is older than 3 seconds, for example)."""
        try:
            with span("slack views.open"):
                await self.client.views_open(trigger_id=trigger_id, view=_sealed(view))
        except SlackApiError:
            return False
        return True

    # The boundary: everything sent to Slack passes here. Outside text is neutralised (bot.core.mrkdwn.seal: only
    # the control sequences opsbot marked stay live) and secrets are scrubbed.

    def _clean(self, text: str) -> str:
        return redact_text(seal(text), self._secrets)

    def _clean_blocks(self, blocks: Sequence[JsonObject]) -> list[JsonObject]:
        given = [_sealed(block) for block in blocks]
        if not contains_secret(given, self._secrets):
            return given
        cleaned: list[JsonObject] = redact(given, self._secrets)
        return cleaned


def hook_of(url: str, api_url: str) -> bool:
    """Whether `url` is a response_url of the Slack that `api_url` (SLACK_API_URL) names: on its `hooks.` host
    (https://hooks.slack.com for https://slack.com/api/), or on the API's own host (a proxy, a test's fake). The
    URL came in a signed request; this keeps a leaked signing secret from turning opsbot into a proxy."""
    hook, api = urlsplit(url), urlsplit(api_url)
    if not hook.hostname or not api.hostname or hook.scheme != api.scheme or hook.scheme not in ("https", "http"):
        return False
    host = hook.hostname.lower()
    same_port = hook.port == api.port
    return same_port and host in (api.hostname.lower(), f"hooks.{api.hostname.lower()}")


def _quiet() -> logging.Logger:
    """slack_sdk's clients log each request's body at DEBUG: a secret's clients log through this one, never at DEBUG."""
    quiet = logging.getLogger(f"{__name__}.secret")
    quiet.setLevel(logging.INFO)
    return quiet


def _sealed(block: JsonObject) -> JsonObject:
    sealed = seal_json(block)
    assert isinstance(sealed, dict)
    return sealed
