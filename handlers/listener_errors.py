"""The one error handler: log with context; the HTTP edge turns failures into a retryable status."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

log = logging.getLogger("opsbot.handlers")


def register(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        kind = body.get("type") or body.get("command") or "request"
        log.error("listener failed for %s: %s", kind, type(error).__name__, exc_info=error)
