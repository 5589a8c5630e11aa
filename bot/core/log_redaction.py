"""Log lines never show a secret: a logging.Filter, on every handler, that scrubs each record before it is written.

`opsbot` installs it when it starts (bot.app.cli), with the configured secrets (`Settings.secret_values()`); token
shapes (bot.core.redact) are masked whether configured or not. A record's message is formatted with its arguments
and scrubbed; a traceback (`exc_info`) and a stack (`stack_info`) are formatted and scrubbed too, and when anything
was masked the raw parts (`args`, the exception object) are dropped, so no handler can format them again."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.core.redact import redact_text

_FORMATTER = logging.Formatter()


class SecretFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(secrets)
        self._handlers: list[logging.Handler] = []

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record, self.secrets)
        return True  # a filter that only cleans: every record is still written

    def install(self) -> SecretFilter:
        """On every handler there is: the root logger's, and those of loggers that do not pass records up."""
        known = logging.Logger.manager.loggerDict.values()
        loggers = [logging.getLogger(), *(lg for lg in known if isinstance(lg, logging.Logger) and not lg.propagate)]
        for logger in loggers:
            for handler in logger.handlers:
                if self not in handler.filters:
                    handler.addFilter(self)
                    self._handlers.append(handler)
        return self

    def remove(self) -> None:
        for handler in self._handlers:
            handler.removeFilter(self)
        self._handlers.clear()


def install_log_redaction(secrets: Iterable[str]) -> SecretFilter:
    return SecretFilter(secrets).install()


def scrub_record(record: logging.LogRecord, secrets: tuple[str, ...]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a message that does not format is logging's own error to report
        return
    clean = redact_text(message, secrets)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        text = redact_text(record.exc_text, secrets)
        if text != record.exc_text:
            record.exc_text, record.exc_info = text, None  # formatters print exc_text; the exception is gone
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info, secrets)
