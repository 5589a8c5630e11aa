"""SQLite writes run on the event loop when the lock is free, and move to a thread (never blocking) when it is not."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.core.domain import Event, Source
from bot.store.database import Database
from bot.store.engine import make_engine, upgrade_database
from bot.store.inbox_rows import _FINISH, event_to_dict
from bot.store.repository import Repository


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "writes.db"
    conn = sqlite3.connect(file, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    conn.close()  # the last connection to close checkpoints: the table is in the main file
    return file


@pytest.fixture
async def db(path: Path) -> AsyncIterator[Database]:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    database = Database(engine)
    yield database
    database.dispose()
    await engine.dispose()


@pytest.fixture
def other(path: Path) -> Iterator[sqlite3.Connection]:
    """Another writer: a second process or thread, as SQLite sees it."""
    conn = sqlite3.connect(path, isolation_level=None)
    yield conn
    conn.close()


def insert(value: str) -> Callable[[Connection], int]:
    def op(conn: Connection) -> int:
        return int(conn.execute(text("INSERT INTO t (v) VALUES (:v) RETURNING id"), {"v": value}).scalar_one())

    return op


def values(conn: sqlite3.Connection) -> list[str]:
    return [v for (v,) in conn.execute("SELECT v FROM t ORDER BY id")]


async def test_a_write_commits_at_once_when_no_one_holds_the_lock(db: Database, other: sqlite3.Connection) -> None:
    assert await db.write(insert("a")) == 1
    assert values(other) == ["a"]


async def test_a_held_lock_sends_the_write_to_a_thread_and_the_loop_keeps_running(
    db: Database, other: sqlite3.Connection
) -> None:
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (v) VALUES ('first')")
    write = asyncio.create_task(db.write(insert("second")))
    for _ in range(20):
        await asyncio.sleep(0)  # the loop is free: these are plain turns of it, not waits for the write
    assert not write.done()  # it waits for the lock in a worker thread, not on the loop
    other.execute("COMMIT")
    assert await asyncio.wait_for(write, timeout=30) == 2
    assert values(other) == ["first", "second"]


async def test_a_failing_transaction_leaves_nothing_half_written(db: Database, other: sqlite3.Connection) -> None:
    await db.write(insert("taken"))

    def two_rows(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t (v) VALUES ('new')"))
        conn.execute(text("INSERT INTO t (v) VALUES ('taken')"))  # violates the unique constraint

    with pytest.raises(IntegrityError):
        await db.write(two_rows)
    assert values(other) == ["taken"]


async def test_writes_on_the_loop_are_checkpointed_by_a_worker_thread(db: Database, path: Path) -> None:
    db.CHECKPOINT_EVERY = 3

    def in_main_file() -> list[str]:
        # immutable=1 reads the database file alone, without the write-ahead log: only checkpointed rows are there
        conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return values(conn)
        finally:
            conn.close()

    await db.write(insert("a"))
    await db.write(insert("b"))
    assert in_main_file() == []  # the inline connection never checkpoints (a checkpoint fsyncs)
    await db.write(insert("c"))
    assert db.checkpointing is not None
    await db.checkpointing
    assert in_main_file() == ["a", "b", "c"]


# -- single statements: compiled once, run through sqlite3 (bot/store/sqlite_inline.py) -----------------------


async def test_a_single_statement_stores_exactly_what_sqlalchemy_stores(tmp_path: Path) -> None:
    """The inbox INSERT through the fast path and through a SQLAlchemy Connection: the same bytes in every column."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    await upgrade_database(engine)
    repo = Repository(engine)
    now = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=UTC)
    event = Event(
        source=Source.SLACK_MENTION, type="app_mention", dedupe_key="Ev1", team_id="T1", actor="U1", channel="C1",
        text="help ünïcode ✓", payload={"nested": {"list": [1, 2.5, None, True]}, "text": "<@U0> help"},
    )  # fmt: skip
    try:
        fast_id = await repo.accept(event, now, claim_for=("worker-a", now + timedelta(minutes=5)))
        assert fast_id == 1
        assert await repo.accept(event, now) is None  # the same dedupe key: nothing inserted, no id
        values = {
            "dedupe_key": "Ev2", "source": event.source.value, "type": event.type, "team_id": event.team_id,
            "payload": event_to_dict(event), "status": "processing", "attempts": 1, "created_at": now,
            "claimed_by": "worker-a", "lease_until": now + timedelta(minutes=5),
        }  # fmt: skip
        await repo.db.write(lambda conn: conn.execute(repo._accept, values).all())  # the ordinary path
        await repo.finish(1, "worker-a", now + timedelta(seconds=2))
        await repo.db.write(lambda conn: conn.execute(_FINISH, {**_finish(2, now), "status": "done"}))
        with sqlite3.connect(tmp_path / "inbox.db") as raw:
            rows = [r[2:] for r in raw.execute("SELECT * FROM inbox_events ORDER BY id")]  # without id, dedupe_key
        assert rows[0] == rows[1]
        assert repo.db._statements is not None and repo.db._statements.committed == 3  # accept twice, finish
        assert await repo.inbox_status("Ev1") == "done"
    finally:
        repo.db.dispose()
        await engine.dispose()


def _finish(inbox_id: int, now: datetime) -> dict[str, object]:
    return {"inbox_id": inbox_id, "worker": "worker-a", "finished_at": now + timedelta(seconds=2), "error": None}


async def test_a_single_statement_waits_in_a_thread_while_another_writer_holds_the_lock(
    db: Database, other: sqlite3.Connection
) -> None:
    stmt = text("INSERT INTO t (v) VALUES (:v) RETURNING id")
    other.execute("BEGIN IMMEDIATE")
    write = asyncio.create_task(db.write_statement(stmt, {"v": "later"}))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not write.done()
    other.execute("COMMIT")
    result = await asyncio.wait_for(write, timeout=30)
    assert (result.rows, result.rowcount) == ([(1,)], 1)


async def test_a_failing_single_statement_raises_sqlalchemys_error_and_writes_nothing(
    db: Database, other: sqlite3.Connection
) -> None:
    stmt = text("INSERT INTO t (v) VALUES (:v)")
    await db.write_statement(stmt, {"v": "taken"})
    with pytest.raises(IntegrityError):
        await db.write_statement(stmt, {"v": "taken"})
    assert values(other) == ["taken"]
