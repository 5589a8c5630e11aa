"""Delivery to Slack, exactly once: every message is an outbox row (bot.core.delivery) before it is sent.

`Outbox.deliver` stores the message under its idempotency key, then sends it, and the caller waits for the outcome
(so an event is done only when its messages are delivered or dead-lettered):

- a key already delivered (the same work run again after a crash) returns the stored ts and sends nothing;
- when an earlier attempt may have reached Slack (a crash mid-send, a 5xx, a reset connection, a timeout), a post
  first looks for its own message (the metadata every post carries names its key) in the thread
  (`conversations.replies`) or channel (`conversations.history`), bounded to recent messages, and adopts it;
- 429 waits for its Retry-After, for that method and channel only; 5xx, connection errors and timeouts back off
  exponentially with jitter; up to the row's deadline, after which it is dead-lettered (row, metric, audit,
  WARNING) and `Undeliverable` is raised. Permanent Slack errors (channel_not_found, invalid_blocks, …) are not
  retried: the SlackApiError goes to the caller as before;
- posts are paced per channel (a token bucket: about one a second, short bursts), as Slack asks;
- method `response_url` posts `args` (without its `url`) as JSON to `args["url"]`, the URL a slash command or a
  click came with: retried like the Web API; any other 4xx (`expired_url` after 30 minutes, `used_url` after five
  uses, `invalid_blocks`) raises `UrlRefused`. An ephemeral cannot be looked for, so one whose answer was lost may
  be sent again.

Waits are real time (`asyncio.sleep`: they wait for a real server); deadlines are on the app's clock.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core import log_context
from bot.core.clock import Clock, SystemClock
from bot.core.delivery import METADATA_TYPE, OutboxRow, OutboxStore, Undeliverable, message_key
from bot.core.delivery_metrics import counted
from bot.core.jsonvalue import JsonObject
from bot.core.ports import Audit
from integrations.slack_retry import DeliveryConfig, Retry, UrlRefused, by_status, classify, seconds

log = logging.getLogger(__name__)

PACED = frozenset({"chat.postMessage", "chat.postEphemeral"})
REFUSED = "refused: "  # the last_error of a row Slack refused for good (tried again only if the work runs again)
URL_TIMEOUT = 10  # seconds for one post to a response_url


class Outbox:
    def __init__(
        self,
        client: AsyncWebClient,
        store: OutboxStore | None = None,
        *,
        clock: Clock | None = None,
        audit: Audit | None = None,
        config: DeliveryConfig | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client  # without slack_sdk's retry handlers: retrying is done here, in one place
        self.store = store
        self.clock = clock or SystemClock()
        self.audit = audit
        self.config = config or DeliveryConfig()
        self._sleep = sleep
        self._blocked: dict[tuple[str, str], float] = {}  # (method, channel) → monotonic time its Retry-After ends
        self._tokens: dict[str, tuple[float, float]] = {}  # channel → (tokens, monotonic time of the last refill)

    async def deliver(self, method: str, channel: str | None, args: JsonObject, *, find: bool = False) -> JsonObject:
        """Send `args` to `method` once; returns Slack's answer (`{"ts": …}` only when adopted or delivered before)."""
        thread = args.get("thread_ts")
        thread_ts = thread if isinstance(thread, str) else None
        key = message_key(method, channel, thread_ts, args)
        if method == "chat.postMessage":
            args = {**args, "metadata": {"event_type": METADATA_TYPE, "event_payload": {"key": key}}}
        row = await self._reserve(key, method, channel, thread_ts, args)
        if row.status == "delivered":
            return {"ok": True, "ts": row.ts, "channel": channel}
        if row.status == "dead" and not (row.last_error or "").startswith(REFUSED):
            raise Undeliverable(key, row.last_error or "dead-lettered")
        maybe_sent, failures = row.attempts > 0, 0
        while True:
            try:
                if maybe_sent and find and channel:
                    ts = await self._search(key, channel, thread_ts, row)
                    if ts is not None:
                        await self._store_delivered(key, ts)
                        counted(method, "adopted")
                        log.info("outbox %s: an earlier attempt had reached Slack (ts %s): adopted", key, ts)
                        return {"ok": True, "ts": ts, "channel": channel}
                answer = await self._attempt(key, method, channel, args)
            except Retry as retry:
                failures += 1
                maybe_sent = maybe_sent or retry.maybe_sent
                await self._retry_or_die(key, method, channel, row, retry, failures)
                continue
            made = answer.get("ts")
            await self._store_delivered(key, made if isinstance(made, str) else None)
            counted(method, "delivered")
            return answer

    # -- one attempt -------------------------------------------------------------------------------

    async def _attempt(self, key: str, method: str, channel: str | None, args: dict[str, Any]) -> dict[str, Any]:
        await self._gate(method, channel)
        if self.store is not None:
            await self.store.attempt(key, self.clock.now())
        if method == "response_url":
            return await self._post_url(key, channel, args)
        try:
            resp = await self._send(method, _without_none(args))
        except SlackApiError as exc:
            retry = classify(exc)
            if retry is None:
                await self._refused(key, method, exc)
                raise
            if retry.wait is not None:  # a 429: this method in this channel waits, nothing else
                self._blocked[(method, channel or "")] = time.monotonic() + retry.wait
            raise retry from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Retry(f"{type(exc).__name__}: {exc}", None, maybe_sent=True) from exc
        data = resp.data
        return dict(data) if isinstance(data, dict) else {"ok": True}

    async def _post_url(self, key: str, channel: str | None, args: dict[str, Any]) -> dict[str, Any]:
        body = _without_none({k: v for k, v in args.items() if k != "url"})
        hook = AsyncWebhookClient(str(args["url"]), timeout=URL_TIMEOUT, session=self.client.session, retry_handlers=[])
        try:
            resp = await hook.send_dict(body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Retry(f"{type(exc).__name__}: {exc}", None, maybe_sent=True) from exc
        error = (resp.body or "").strip()[:100]
        if resp.status_code == 200:
            return {"ok": True}
        if resp.status_code == 429:
            wait = seconds(resp.headers.get("Retry-After", resp.headers.get("retry-after", "1")))
            self._blocked[("response_url", channel or "")] = time.monotonic() + wait
            raise Retry(f"429 (Retry-After {wait:g})", wait, maybe_sent=False)
        if (retry := by_status(resp.status_code, error)) is not None:
            raise retry
        counted("response_url", "refused")
        if self.store is not None:
            await self.store.dead(key, f"{REFUSED}{error or resp.status_code}")
        raise UrlRefused(resp.status_code, error)

    async def _search(self, key: str, channel: str, thread_ts: str | None, row: OutboxRow) -> str | None:
        """The ts of our own message with this key, if an earlier attempt posted it (recent messages only)."""
        oldest = f"{(row.created_at - timedelta(minutes=5)).timestamp():.6f}"  # the row was stored before the post
        params: dict[str, Any] = {
            "channel": channel, "include_all_metadata": True, "limit": self.config.search_limit, "oldest": oldest,
        }  # fmt: skip
        if thread_ts:
            params["ts"] = thread_ts
        method = "conversations.replies" if thread_ts else "conversations.history"
        try:
            if thread_ts:
                resp = await self.client.conversations_replies(**params)
            else:
                resp = await self.client.conversations_history(**params)
        except SlackApiError as exc:
            retry = classify(exc)
            if retry is None:  # no such thread or channel (a DM by user id), no scope: nothing to find
                log.info("outbox %s: could not look for an earlier post (%s)", key, exc.response.get("error"))
                return None
            raise Retry(f"{method}: {retry.error}", retry.wait, maybe_sent=True) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Retry(f"{method}: {type(exc).__name__}", None, maybe_sent=True) from exc
        messages = resp.get("messages")
        for message in messages if isinstance(messages, list) else []:
            metadata = message.get("metadata") if isinstance(message, dict) else None
            if isinstance(metadata, dict) and metadata.get("event_type") == METADATA_TYPE:
                payload = metadata.get("event_payload")
                if isinstance(payload, dict) and payload.get("key") == key and isinstance(message.get("ts"), str):
                    return str(message["ts"])
        return None

    async def _send(self, method: str, args: dict[str, Any]) -> AsyncSlackResponse:
        if method == "chat.update":
            return await self.client.chat_update(**args)
        if method == "chat.postEphemeral":
            return await self.client.chat_postEphemeral(**args)
        return await self.client.chat_postMessage(**args)

    # -- pacing and waiting ------------------------------------------------------------------------

    async def _gate(self, method: str, channel: str | None) -> None:
        while (until := self._blocked.get((method, channel or ""), 0.0)) > time.monotonic():
            await self._sleep(until - time.monotonic())
        rate, burst = self.config.pace_per_second, float(self.config.pace_burst)
        if method not in PACED or rate <= 0 or channel is None:
            return
        now = time.monotonic()
        tokens, last = self._tokens.get(channel, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate) - 1.0  # taken now; below 0: wait for it to refill
        self._tokens[channel] = (tokens, now)
        if tokens < 0:
            await self._sleep(-tokens / rate)

    async def _retry_or_die(
        self, key: str, method: str, channel: str | None, row: OutboxRow, retry: Retry, failures: int
    ) -> None:
        now = self.clock.now()
        if now >= row.deadline_at:
            await self._dead(key, method, channel, retry.error)
            raise Undeliverable(key, retry.error)
        backoff = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (failures - 1))
        wait = retry.wait if retry.wait is not None else backoff * random.uniform(0.5, 1.0)  # noqa: S311 - jitter
        counted(method, "retried")
        log.info("outbox %s: %s; trying again in %.1fs", key, retry.error, wait)
        if self.store is not None:
            await self.store.failed_attempt(key, retry.error, now + timedelta(seconds=wait))
        if retry.wait is None:  # a 429 waits in the gate, for everyone sending this method to this channel
            await self._sleep(wait)

    # -- the row -----------------------------------------------------------------------------------

    async def _reserve(
        self, key: str, method: str, channel: str | None, thread_ts: str | None, args: dict[str, Any]
    ) -> OutboxRow:
        now = self.clock.now()
        deadline = now + timedelta(seconds=self.config.deadline_seconds)
        if self.store is None:
            return OutboxRow(key=key, status="pending", attempts=0, ts=None, created_at=now, deadline_at=deadline)
        return await self.store.reserve(
            key, method=method, channel=channel, thread_ts=thread_ts, payload=args, now=now, deadline=deadline
        )

    async def _store_delivered(self, key: str, ts: str | None) -> None:
        if self.store is not None:
            await self.store.delivered(key, ts, self.clock.now())

    async def _refused(self, key: str, method: str, exc: SlackApiError) -> None:
        counted(method, "refused")
        if self.store is not None:
            await self.store.dead(key, f"{REFUSED}{exc.response.get('error')}")

    async def _dead(self, key: str, method: str, channel: str | None, error: str) -> None:
        counted(method, "dead")
        log.warning("outbox %s: not delivered to %s before its deadline (%s): dead-lettered", key, channel, error)
        if self.store is not None:
            await self.store.dead(key, error)
        if self.audit is not None:
            run_id = log_context.current().get("run_id")
            await self.audit.append(
                "outbox.dead", at=self.clock.now(), run_id=str(run_id) if run_id else None, key=key, method=method,
                channel=channel, error=error,
            )  # fmt: skip


def _without_none(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}
