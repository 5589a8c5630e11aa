"""`opsbot run --socket` as a subprocess (issue 15, item 7): an app token Slack refuses is one line and exit 1 (the
SDK alone retries it forever, a traceback each time); SIGTERM stops it, connected or still trying to connect."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.fakes.socket_mode import FakeSocketMode
from tests.processes import OpsbotProcess
from tests.test_cli import Fakes, fakes, free_port, opsbot, stderr_lines  # noqa: F401 - `fakes` is a fixture

pytestmark = pytest.mark.slow  # `opsbot run` subprocesses

APP_TOKEN = "xapp-1-A111-0123456789-fedcba"
REFUSED_APP_TOKEN = "xapp-1-A111-0000000000-refused"
STOP_WITHIN = 5.0  # seconds after SIGTERM, with OPSBOT_DRAIN_SECONDS=2


async def test_an_app_token_slack_refuses_is_one_line(fakes: Fakes, tmp_path: Path) -> None:  # noqa: F811
    env = fakes.env(tmp_path, SLACK_APP_TOKEN=REFUSED_APP_TOKEN, PORT=str(free_port()))
    result = await opsbot("run", "--socket", env=env, cwd=tmp_path, timeout=60)
    assert result.code == 1, result
    assert len(stderr_lines(result)) == 1, result.stderr
    [line] = stderr_lines(result)
    assert line.startswith("opsbot: Slack refused SLACK_APP_TOKEN (invalid_auth) — "), line
    assert "Traceback" not in result.stderr
    assert REFUSED_APP_TOKEN not in result.stdout + result.stderr


async def test_sigterm_stops_a_connected_socket_mode_process(fakes: Fakes, tmp_path: Path) -> None:  # noqa: F811
    socket = FakeSocketMode(fakes.slack, APP_TOKEN)
    await socket.start()
    env = fakes.env(tmp_path, SLACK_APP_TOKEN=APP_TOKEN, PORT=str(free_port()), OPSBOT_DRAIN_SECONDS="2")
    try:
        async with OpsbotProcess("run", "--socket", env=env, cwd=tmp_path) as served:
            await served.wait_for_line("connected over Socket Mode")
            signalled = time.monotonic()
            served.signal(signal.SIGTERM)
            assert await served.exit_code(timeout=30) == 0, served.output()
            assert time.monotonic() - signalled < STOP_WITHIN
            assert "Traceback" not in served.output()
    finally:
        await socket.stop()


async def test_sigterm_stops_a_process_still_trying_to_connect(fakes: Fakes, tmp_path: Path) -> None:  # noqa: F811
    fakes.slack.app_tokens.add(APP_TOKEN)
    nothing_there = f"ws://127.0.0.1:{free_port()}/link/"  # the SDK retries this every 10 s, forever
    fakes.slack._methods["apps.connections.open"] = lambda _params: {"ok": True, "url": nothing_there}
    env = fakes.env(tmp_path, SLACK_APP_TOKEN=APP_TOKEN, PORT=str(free_port()), OPSBOT_DRAIN_SECONDS="2")
    async with OpsbotProcess("run", "--socket", env=env, cwd=tmp_path) as served:
        await fakes.slack.wait_for("apps.connections.open", timeout=60)
        signalled = time.monotonic()
        served.signal(signal.SIGTERM)
        assert await served.exit_code(timeout=30) == 0, served.output()
        assert time.monotonic() - signalled < STOP_WITHIN
