"""Who is waiting for an answer right now, and how to reach them privately: the person whose slash command or click
is being handled, with its `response_url` (Slack answers through it even in a channel opsbot is not in). Bound by
`answering()` around the handling of one event (and the tasks it starts); a run's message that Slack refuses in its
channel goes to that person instead of being lost (bot.orchestration.thread_poster) — but only a message of their
own run, or of the run whose approval they clicked (`approval`): the handling of one event can move other runs on
too (the request queued next in a thread), and those are not theirs to read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ReplyRoute:
    user: str
    channel: str | None
    response_url: str | None
    approval: str | None = None  # the approval whose card was clicked


_ROUTE: ContextVar[ReplyRoute | None] = ContextVar("opsbot_reply_route", default=None)


@contextmanager
def answering(route: ReplyRoute | None) -> Iterator[None]:
    token = _ROUTE.set(route)
    try:
        yield
    finally:
        _ROUTE.reset(token)


def current() -> ReplyRoute | None:
    return _ROUTE.get()


def closed_hint(channel: str) -> str:
    """What to do when opsbot cannot post in `channel`: a DM between people cannot take it at all."""
    if channel.startswith("D"):
        return "I can't post in a direct message between people: use `/ops` in a channel I'm in to share answers."
    return "Invite me with `/invite @opsbot` (or from the channel's settings → Integrations)."
