"""The ids of the work a log line belongs to: bound for a block and reset after it, inherited by the tasks started
inside it, copied onto every record by the filter."""

from __future__ import annotations

import asyncio
import logging

from bot.core.log_context import ContextFilter, bind, current


def record() -> logging.LogRecord:
    return logging.LogRecord("opsbot.test", logging.INFO, __file__, 1, "hello", None, None)


def test_bind_sets_the_given_ids_and_resets_them_on_exit() -> None:
    assert current() == {}
    with bind(event_id="slack:Ev1", inbox_id=7, team="T1"):
        assert current() == {"event_id": "slack:Ev1", "inbox_id": 7, "team": "T1"}
        with bind(run_id="r1"):
            assert current() == {"event_id": "slack:Ev1", "inbox_id": 7, "team": "T1", "run_id": "r1"}
            with bind(run_id="r2", team=None):  # None leaves an id as it is
                assert current()["run_id"] == "r2" and current()["team"] == "T1"
            assert current()["run_id"] == "r1"
        assert "run_id" not in current()
    assert current() == {}


def test_bind_resets_when_the_block_raises() -> None:
    try:
        with bind(run_id="r1"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert current() == {}


async def test_tasks_started_inside_inherit_the_ids_and_do_not_leak_them_back() -> None:
    seen: dict[str, object] = {}

    async def work() -> None:
        seen.update(current())
        with bind(run_id="inner"):
            await asyncio.sleep(0)

    with bind(event_id="e1"):
        task = asyncio.create_task(work())
    await task
    assert seen == {"event_id": "e1"}
    assert current() == {}


def test_the_filter_copies_the_ids_onto_each_record_and_keeps_an_explicit_one() -> None:
    unbound = record()
    assert ContextFilter().filter(unbound) is True
    assert [getattr(unbound, name) for name in ("event_id", "inbox_id", "run_id", "team")] == [None] * 4
    with bind(event_id="e1", inbox_id=3, run_id="r1", team="T1"):
        bound = record()
        ContextFilter().filter(bound)
        explicit = record()
        explicit.run_id = "given"
        ContextFilter().filter(explicit)
    assert [getattr(bound, name) for name in ("event_id", "inbox_id", "run_id", "team")] == ["e1", 3, "r1", "T1"]
    assert getattr(explicit, "run_id") == "given" and getattr(explicit, "event_id") == "e1"  # noqa: B009
