"""SIGTERM to a real `opsbot run` while requests arrive and a GitHub call hangs (issue 15, item 3): `/readyz` is 503
within 100 ms, every request is still stored, the process exits within its drain deadline, and a second process
answers what the first left — each request once — taken up by its first sweep."""

from __future__ import annotations

import asyncio
import signal
import time
from functools import partial
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_api import Call
from tests.fakes.slack_driver import SlackDriver
from tests.harness import SIGNING_SECRET
from tests.processes import OpsbotProcess
from tests.test_cli import Fakes, fakes, free_port  # noqa: F401 - `fakes` is a fixture

pytestmark = pytest.mark.slow  # two `opsbot run` subprocesses and a 3 s drain

DRAIN_SECONDS = 3.0
NOT_READY_WITHIN = 1.0  # /readyz turns 503 long before the drain ends (a few ms here; a loaded CI box is slower)
EXIT_MARGIN = 9.0  # after the deadline: closing the server, the sessions and the database (3.7 s in all measured
# on an idle machine; 8.1 s, twice, on a 2-core machine running other test suites and a browser at once). The bug
# this guards against never exited (still draining after 30 s).
PACE = 0.1  # seconds between two requests of the stream (a load generator's pace, not a synchronisation)


def answered_in(thread_ts: str, call: Call) -> bool:
    return call.ok and call.params.get("thread_ts") == thread_ts


async def ready_status(http: aiohttp.ClientSession, base: str) -> int:
    async with http.get(f"{base}/readyz") as resp:
        return resp.status


async def test_sigterm_drains_and_a_second_process_answers_what_was_left(
    fakes: Fakes,  # noqa: F811 - the fixture imported above
    db_url: str,
    tmp_path: Path,
) -> None:
    fakes.github.add_pr("acme/api", 7, "Fix the login redirect", author="ana")
    hold = fakes.github.hold_next("POST", r"/graphql$")
    first_port, second_port = free_port(), free_port()
    env = fakes.env(tmp_path, DATABASE_URL=db_url, HOST="127.0.0.1", OPSBOT_DRAIN_SECONDS=str(DRAIN_SECONDS))
    base = f"http://127.0.0.1:{first_port}"
    driver = SlackDriver(base, SIGNING_SECRET, now=time.time)
    acked: list[str] = []  # the ts of every mention Slack was told was received

    streaming = asyncio.Event()

    async def stream() -> None:
        n = 0
        while True:
            n += 1
            try:
                resp = await driver.mention("help", user=f"U{n + 10}", channel="C1")
            except aiohttp.ClientConnectionError:
                return  # the process has stopped listening
            if resp.status == 200:
                acked.append(resp.payload["event"]["ts"])
                if len(acked) >= 3:
                    streaming.set()
            await asyncio.sleep(PACE)  # sleep-ok: the load generator's pace, not a synchronisation

    async with (
        aiohttp.ClientSession() as http,
        OpsbotProcess("run", env=env | {"PORT": str(first_port)}, cwd=tmp_path) as first,
    ):
        await first.wait_for_line("listening on")
        asked = await driver.mention("list prs in acme/api", user="U1", channel="C1")
        assert asked.status == 200
        async with asyncio.timeout(30):
            await hold.arrived.wait()  # its GitHub call hangs from here on
        arriving = asyncio.create_task(stream())
        async with asyncio.timeout(30):
            await streaming.wait()  # three requests acknowledged before the signal
        assert await ready_status(http, base) == 200

        signalled = time.monotonic()
        first.signal(signal.SIGTERM)
        while await ready_status(http, base) != 503:
            assert time.monotonic() - signalled < NOT_READY_WITHIN, "/readyz still 200 a second after SIGTERM"
        not_ready_after = time.monotonic() - signalled
        during_drain = len(acked)
        code = await first.exit_code(timeout=DRAIN_SECONDS + 30)
        stopped_after = time.monotonic() - signalled
        async with asyncio.timeout(30):
            await arriving

    assert code == 0, first.output()
    assert "Traceback" not in first.output()
    assert not_ready_after < NOT_READY_WITHIN
    assert stopped_after < DRAIN_SECONDS + EXIT_MARGIN, f"exited {stopped_after:.1f} s after SIGTERM"
    assert len(acked) > during_drain, "no request was stored while draining"
    assert "gave back 1 unfinished event" in first.output()

    async with OpsbotProcess("run", env=env | {"PORT": str(second_port)}, cwd=tmp_path) as second:
        await second.wait_for_line("listening on")  # its first sweep has submitted what it found, not waited for it
        for ts in [asked.payload["event"]["ts"], *acked]:  # the answers to one channel are paced (1 a second)
            await fakes.slack.wait_for("chat.postMessage", partial(answered_in, ts), timeout=30)
        second.signal(signal.SIGTERM)
        assert await second.exit_code(timeout=30) == 0, second.output()
    assert "gave back" not in second.output()  # it finished all it took: what was posted is all there is
    for ts in [asked.payload["event"]["ts"], *acked]:
        answers = [c for c in fakes.slack.calls_to("chat.postMessage") if c.ok and c.params.get("thread_ts") == ts]
        assert len(answers) == 1, f"mention {ts}: {len(answers)} answers"
    [listed] = [
        c for c in fakes.slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == asked.payload["event"]["ts"]
    ]
    assert "1 open pull request" in str(listed.params.get("text"))
