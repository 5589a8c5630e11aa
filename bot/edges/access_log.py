"""The access log: method, path, status, size and time of each request, never its query string.

aiohttp's default line has the request line (`%r`), query string included, and a token sent as `?token=…` would
land in the log. Its format language has no code for the path alone, so this is an access logger of our own; every
server that serves the bot's app makes its runner with `web_runner`."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

PROBES = frozenset({"/healthz", "/livez", "/readyz", "/metrics"})  # asked every few seconds: not worth a line each


class PathOnlyAccessLogger(AbstractAccessLogger):
    """`127.0.0.1 "POST /webhooks/alertmanager" 401 187 0.000812`: remote, method and path, status, bytes, seconds.
    Health and metrics probes that succeed are not logged (a failing one is)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if request.path in PROBES and response.status < 400:
            return
        self.logger.info(
            '%s "%s %s" %s %s %.6f',
            request.remote or "-",
            request.method,
            request.path,
            response.status,
            response.body_length,
            time,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def web_runner(app: web.Application, *, shutdown_timeout: float = 5.0) -> web.AppRunner:
    """An AppRunner for the bot's app whose access log shows paths only. Its cleanup gives open requests
    `shutdown_timeout` seconds (aiohttp's default is 60: a stop that seems to hang)."""
    return web.AppRunner(app, access_log_class=PathOnlyAccessLogger, shutdown_timeout=shutdown_timeout)
