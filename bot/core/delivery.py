"""Delivery to Slack through the outbox (integrations.slack_outbox): the row every message is stored as, the port
that stores it (bot.store.outbox_rows implements it), the error for a message Slack never took, and the scope
that makes an idempotency key the same when the same work runs again after a crash.

A key is `scope/method/channel/thread/content hash/occurrence`: the scope is the event being handled (its dedupe
key, bound by `scope()` around the event's work), the occurrence counts identical messages within that scope. Work
run again for the same event (a retry after a crash) makes the same keys in any order; work outside an event (a
timer) gets a random scope: retried, never deduplicated across processes."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

METADATA_TYPE = "opsbot_outbox"  # the `event_type` of the metadata on every message opsbot posts


class Undeliverable(Exception):
    """Slack did not take a message before its delivery deadline (or refused it for good): it is dead-lettered.
    Not our failure: no "Something went wrong" reply follows (it would fail the same way)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"outbox message {key} not delivered: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class OutboxRow:
    key: str
    status: str  # pending, delivered, dead
    attempts: int
    ts: str | None
    created_at: datetime
    deadline_at: datetime
    last_error: str | None = None


class OutboxStore(Protocol):
    """The outbox table (bot.store.outbox_rows.OutboxRows); what it stores is scrubbed of secrets."""

    async def reserve(
        self,
        key: str,
        *,
        method: str,
        channel: str | None,
        thread_ts: str | None,
        payload: dict[str, Any],
        now: datetime,
        deadline: datetime,
    ) -> OutboxRow: ...

    async def attempt(self, key: str, now: datetime) -> None: ...

    async def failed_attempt(self, key: str, error: str, next_at: datetime) -> None: ...

    async def delivered(self, key: str, ts: str | None, now: datetime) -> None: ...

    async def dead(self, key: str, error: str) -> None: ...


@dataclass
class Scope:
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    def occurrence(self, base: str) -> int:
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return n


_SCOPE: ContextVar[Scope | None] = ContextVar("opsbot_delivery_scope", default=None)


@contextmanager
def scope(name: str) -> Iterator[Scope]:
    """Messages sent in this block (and in the tasks it starts) are keyed under `name`, counted afresh."""
    opened = Scope(name)
    token = _SCOPE.set(opened)
    try:
        yield opened
    finally:
        _SCOPE.reset(token)


def message_key(method: str, channel: str | None, thread_ts: str | None, content: object) -> str:
    """The idempotency key of one message sent now (at most 255 characters)."""
    current = _SCOPE.get()
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]
    base = f"{method}/{channel or '-'}/{thread_ts or '-'}/{digest}"
    if current is None:
        return f"~{secrets.token_hex(8)}/{base}"
    name = hashlib.sha256(current.name.encode()).hexdigest()[:24] if len(current.name) > 120 else current.name
    return f"{name}/{base}/{current.occurrence(base)}"
