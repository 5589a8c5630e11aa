"""Logging for `opsbot`: one handler on the root logger, at OPSBOT_LOG_LEVEL, in OPSBOT_LOG_FORMAT.

`json` (the default when stderr is not a terminal: a container, systemd) writes one JSON object a line: `ts` (ISO
8601, UTC), `level`, `logger`, `message`, the ids of the work the line belongs to when there are any (`event_id`,
`inbox_id`, `run_id`, `team`: bot.core.log_context) and `exc_info`, the traceback as text, when there is one.
`text` (the default on a terminal) is `2026-01-05 09:12:03,114 INFO opsbot.x: message [run_id=… team=…]`.

The handler carries the secret filter (bot.core.log_redaction), which scrubs each record before it is formatted:
message, traceback and stack alike, so neither format can write a configured secret or a token."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO

from bot.app.settings import LogSettings, Settings
from bot.core.log_context import FIELDS, ContextFilter
from bot.core.log_redaction import SecretFilter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# WARNING and up: APScheduler logs two INFO lines a minute per digest slot; slack_sdk's web client one INFO line per
# retry ("A retry handler found: …"), which at start-up would stand before the one line that says what is wrong.
QUIET = ("alembic", "apscheduler", "slack_sdk.web")
LOUD_AT_DEBUG = frozenset({"apscheduler", "slack_sdk.web"})


def _ids(record: logging.LogRecord) -> dict[str, str | int]:
    found: dict[str, str | int] = {}
    for name in FIELDS:
        value = getattr(record, name, None)
        if isinstance(value, str | int):
            found[name] = value
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object a line; a traceback and a stack are fields (with their newlines escaped), never lines."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str | int] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_ids(record),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Today's `asctime level logger: message`, then the ids in brackets when the line has any."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        ids = _ids(record)
        return text + " [" + " ".join(f"{k}={v}" for k, v in ids.items()) + "]" if ids else text


def use_json(settings: LogSettings, stream: TextIO) -> bool:
    if settings.opsbot_log_format is not None:
        return settings.opsbot_log_format == "json"
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


def make_handler(settings: LogSettings, secrets: tuple[str, ...] = (), stream: TextIO | None = None) -> logging.Handler:
    """A stream handler in the configured format that adds the bound ids and scrubs secrets (in that order)."""
    out = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter() if use_json(settings, out) else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(SecretFilter(secrets))
    return handler


@contextmanager
def configure_logging(settings: Settings, stream: TextIO | None = None) -> Iterator[logging.Handler]:
    """For the length of a command: our handler on the root logger, the root at OPSBOT_LOG_LEVEL, the secret filter
    on every other handler there is too (bot.core.log_redaction). All undone on exit, so that calling `main()` in
    a test leaves the logging as it found it (alembic's and APScheduler's levels aside)."""
    secrets = settings.secret_values()
    handler = make_handler(settings, secrets, stream)
    others = SecretFilter(secrets).install()  # handlers someone else added (a test's, a library's own)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in QUIET:
        if name not in LOUD_AT_DEBUG or settings.log_level != logging.DEBUG:  # DEBUG shows theirs too
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        others.remove()
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()
