"""The access log: paths without query strings; health and metrics probes that succeed leave no line."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.edges.access_log import PathOnlyAccessLogger


@pytest.mark.parametrize(
    ("method", "path", "status", "logged"),
    [
        ("GET", "/healthz", 200, False),
        ("GET", "/metrics", 200, False),
        ("GET", "/healthz", 503, True),  # a failing probe is worth a line
        ("POST", "/slack/events?x=1", 200, True),
    ],
)
def test_probes_that_succeed_are_not_logged(
    method: str, path: str, status: int, logged: bool, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("opsbot.test.access")
    caplog.set_level(logging.INFO, logger=logger.name)
    PathOnlyAccessLogger(logger, "").log(make_mocked_request(method, path), web.Response(status=status), 0.001)
    lines = [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert bool(lines) is logged
    assert all("?" not in line for line in lines)
