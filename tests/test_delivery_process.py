"""SIGKILL to a real `opsbot run` right after its post reached (fake) Slack and before it recorded that (issue 16,
item 2): a second process takes the event over once the lease runs out, finds the message by its metadata, and does
not post again."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from bot.app.settings import to_async_url
from bot.store.engine import make_engine
from bot.store.outbox_rows import OutboxRows
from tests.fakes.slack_driver import SlackDriver
from tests.harness import SIGNING_SECRET
from tests.processes import OpsbotProcess
from tests.test_cli import Fakes, fakes, free_port  # noqa: F401 - `fakes` is a fixture

pytestmark = pytest.mark.slow  # two `opsbot run` subprocesses and a lease that has to run out

TAKEOVER_SECONDS = 45  # the default lease (OPSBOT_LEASE_SECONDS=30, renewed every 10 s, swept every 10 s)


async def test_a_replica_killed_after_its_post_reached_slack_is_taken_over_without_a_second_post(
    fakes: Fakes,  # noqa: F811 - the fixture imported above
    db_url: str,
    tmp_path: Path,
) -> None:
    env = fakes.env(tmp_path, DATABASE_URL=db_url, HOST="127.0.0.1")
    hold = fakes.slack.hold_next("chat.postMessage")
    first_port, second_port = free_port(), free_port()
    async with OpsbotProcess("run", env=env | {"PORT": str(first_port)}, cwd=tmp_path) as first:
        await first.wait_for_line("listening on")
        driver = SlackDriver(f"http://127.0.0.1:{first_port}", SIGNING_SECRET, now=time.time)
        asked = await driver.mention("help", user="U1", channel="C1")
        assert asked.status == 200
        thread = asked.payload["event"]["ts"]
        async with asyncio.timeout(30):
            await hold.reached.wait()  # the answer is in Slack; the process has not heard back
        first.signal(signal.SIGKILL)
        await first.exit_code(timeout=30)
        killed = time.monotonic()
    hold.release.set()
    posted = [m for m in fakes.slack.thread("C1", thread) if m.get("bot_id")]
    assert len(posted) == 1

    async with OpsbotProcess("run", env=env | {"PORT": str(second_port)}, cwd=tmp_path) as second:
        await second.wait_for_line("listening on")
        await fakes.slack.wait_for(
            "conversations.replies", lambda c: c.params.get("ts") == thread and c.ok, timeout=TAKEOVER_SECONDS
        )  # it took the event over and looked for its own message before posting
        taken_over = time.monotonic() - killed
        outbox = OutboxRows(make_engine(to_async_url(db_url)))
        try:
            async with asyncio.timeout(30):
                while await outbox.counts() != {"delivered": 1}:
                    await asyncio.sleep(0.1)  # sleep-ok: polls another process's database
        finally:
            await outbox.engine.dispose()
        second.signal(signal.SIGTERM)
        assert await second.exit_code(timeout=30) == 0, second.output()

    assert taken_over < TAKEOVER_SECONDS, f"taken over {taken_over:.1f} s after the kill"
    assert "Traceback" not in second.output()
    assert len(fakes.slack.calls_to("chat.postMessage")) == 1  # the first process's only: never posted again
    assert [m["ts"] for m in fakes.slack.thread("C1", thread) if m.get("bot_id")] == [posted[0]["ts"]]
    assert "adopted" in second.output()
