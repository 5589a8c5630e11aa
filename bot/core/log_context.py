"""The ids of the work a log line belongs to: the event, its inbox row, the run and the Slack team.

They live in contextvars, bound where the work starts (bot.edges.worker binds an event's, bot.orchestration.runner
a run's) and reset when it ends; asyncio tasks copy them when they are created, so a task started while handling an
event carries that event's ids. `ContextFilter`, on the log handler (bot.app.logs), copies them onto every record."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

LogId = str | int

FIELDS = ("event_id", "inbox_id", "run_id", "team")
_VARS: dict[str, ContextVar[LogId | None]] = {name: ContextVar(f"opsbot_{name}", default=None) for name in FIELDS}


@contextmanager
def bind(
    *, event_id: str | None = None, inbox_id: int | None = None, run_id: str | None = None, team: str | None = None
) -> Iterator[None]:
    """Set the ids given (not None) for the block; each goes back to what it was on exit, the others stay."""
    given: dict[str, LogId | None] = {"event_id": event_id, "inbox_id": inbox_id, "run_id": run_id, "team": team}
    tokens: list[tuple[ContextVar[LogId | None], Token[LogId | None]]] = []
    for name, value in given.items():
        if value is not None and value != "":
            var = _VARS[name]
            tokens.append((var, var.set(value)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current() -> dict[str, LogId]:
    """The ids bound now, by field name (unset ones left out)."""
    found: dict[str, LogId] = {}
    for name, var in _VARS.items():
        value = var.get()
        if value is not None:
            found[name] = value
    return found


class ContextFilter(logging.Filter):
    """Puts the bound ids on each record as attributes (`record.run_id`, …; None when unbound); an id the caller
    passed itself (`extra={"run_id": …}`) is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True
