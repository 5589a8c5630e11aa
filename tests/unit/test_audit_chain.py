"""The hash-chained audit log on a real, migrated SQLite database: tampering is found, appends never fork."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.audit import GENESIS, AuditLog, row_hash
from bot.store.engine import make_engine, upgrade_database

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    await upgrade_database(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def log(engine: AsyncEngine) -> AuditLog:
    return AuditLog(engine)


async def fill(log: AuditLog, n: int) -> None:
    for i in range(n):
        await log.append(f"kind.{i}", at=T0 + timedelta(seconds=i), run_id=f"r{i % 2}", actor="U1", n=i)


async def ids(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT id FROM audit_events ORDER BY id"))).scalars())


async def execute(engine: AsyncEngine, sql: str, **params: object) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_an_empty_log_verifies(log: AuditLog) -> None:
    report = await log.verify()
    assert report.ok
    assert report.rows == 0


async def test_appended_rows_form_a_chain(log: AuditLog) -> None:
    await fill(log, 5)
    rows = await log.rows()
    assert [r.kind for r in rows] == [f"kind.{i}" for i in range(5)]
    assert rows[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    assert rows[2].data == {"n": 2}
    assert rows[2].at == T0 + timedelta(seconds=2)
    assert rows[2].at.tzinfo is not None
    report = await log.verify()
    assert (report.ok, report.rows, report.broken_at, report.reason) == (True, 5, None, None)


async def test_row_hash_is_what_is_stored(log: AuditLog) -> None:
    await log.append("run.started", at=T0, run_id="r1", actor="U1", text="list prs")
    (row,) = await log.rows()
    assert row.hash == row_hash(GENESIS, T0, "run.started", "r1", "U1", {"text": "list prs"})


async def test_rows_filter_by_run_and_actor(log: AuditLog) -> None:
    await fill(log, 4)
    await log.append("other", at=T0, actor="U2")
    assert [r.kind for r in await log.rows(run_id="r1")] == ["kind.1", "kind.3"]
    assert [r.kind for r in await log.rows(actor="U2")] == ["other"]


async def test_edited_data_breaks_the_chain_at_that_row(log: AuditLog, engine: AsyncEngine) -> None:
    await fill(log, 5)
    row_ids = await ids(engine)
    await execute(
        engine, "UPDATE audit_events SET data = :data WHERE id = :id", data=json.dumps({"n": 99}), id=row_ids[2]
    )
    report = await log.verify()
    assert not report.ok
    assert report.broken_at == row_ids[2]
    assert report.rows == 3
    assert report.reason == "its content does not match its hash"


@pytest.mark.parametrize("column", ["kind", "actor", "run_id"])
async def test_edited_columns_break_the_chain(log: AuditLog, engine: AsyncEngine, column: str) -> None:
    await fill(log, 3)
    row_ids = await ids(engine)
    await execute(engine, f"UPDATE audit_events SET {column} = 'forged' WHERE id = :id", id=row_ids[1])
    assert (await log.verify()).broken_at == row_ids[1]


async def test_edited_time_breaks_the_chain(log: AuditLog, engine: AsyncEngine) -> None:
    await fill(log, 3)
    row_ids = await ids(engine)
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT at FROM audit_events WHERE id = :id"), {"id": row_ids[0]})).scalar()
    assert isinstance(stored, str)
    await execute(
        engine, "UPDATE audit_events SET at = :at WHERE id = :id", at=stored.replace("09:00", "08:00"), id=row_ids[0]
    )
    assert (await log.verify()).broken_at == row_ids[0]


async def test_deleting_a_middle_row_breaks_the_chain_at_the_next_row(log: AuditLog, engine: AsyncEngine) -> None:
    await fill(log, 5)
    row_ids = await ids(engine)
    await execute(engine, "DELETE FROM audit_events WHERE id = :id", id=row_ids[2])
    report = await log.verify()
    assert report.broken_at == row_ids[3]
    assert report.reason == "a row before it was changed or removed"


async def test_deleting_the_first_row_is_found(log: AuditLog, engine: AsyncEngine) -> None:
    await fill(log, 3)
    row_ids = await ids(engine)
    await execute(engine, "DELETE FROM audit_events WHERE id = :id", id=row_ids[0])
    assert (await log.verify()).broken_at == row_ids[1]


async def test_a_rehashed_forgery_breaks_the_next_link(log: AuditLog, engine: AsyncEngine) -> None:
    # an attacker who recomputes the edited row's own hash still breaks the following row's prev_hash
    await fill(log, 3)
    rows = await log.rows()
    forged = row_hash(
        rows[1].prev_hash, rows[1].at, rows[1].kind, rows[1].run_id, rows[1].actor, {"n": 99}
    )
    await execute(
        engine,
        "UPDATE audit_events SET data = :data, hash = :hash WHERE id = :id",
        data=json.dumps({"n": 99}),
        hash=forged,
        id=rows[1].id,
    )
    report = await log.verify()
    assert report.broken_at == rows[2].id


async def test_truncating_the_tail_is_not_detectable_by_the_chain_alone(log: AuditLog, engine: AsyncEngine) -> None:
    # documents a limit of a hash chain without an external anchor: dropping the newest rows verifies
    await fill(log, 4)
    row_ids = await ids(engine)
    await execute(engine, "DELETE FROM audit_events WHERE id = :id", id=row_ids[-1])
    report = await log.verify()
    assert report.ok
    assert report.rows == 3


async def test_concurrent_appends_do_not_fork_the_chain(log: AuditLog) -> None:
    await asyncio.gather(*(log.append("click", at=T0, actor=f"U{i}", i=i) for i in range(20)))
    rows = await log.rows()
    assert len(rows) == 20
    assert sorted(int(str(r.data["i"])) for r in rows) == list(range(20))
    report = await log.verify()
    assert report.ok
    assert report.rows == 20


async def test_concurrent_appends_from_two_logs_sharing_a_file(engine: AsyncEngine, tmp_path: Path) -> None:
    # two engines stand in for two processes on one SQLite file
    other = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    try:
        first, second = AuditLog(engine), AuditLog(other)
        await asyncio.gather(*(log.append("x", at=T0, i=i) for i in range(10) for log in (first, second)))
        report = await first.verify()
        assert (report.ok, report.rows) == (True, 20)
    finally:
        await other.dispose()


async def test_secrets_in_data_are_redacted(engine: AsyncEngine) -> None:
    log = AuditLog(engine, secrets=("supersecretvalue",))
    await log.append(
        "step.failed",
        at=T0,
        actor="U1",
        error="GitHub said: bad credentials for supersecretvalue",
        headers={"Authorization": "token supersecretvalue"},
        echoed=["xoxb-1234567890-abcdefghijkl"],
    )
    (row,) = await log.rows()
    stored = json.dumps(row.data)
    assert "supersecretvalue" not in stored
    assert "xoxb-1234567890" not in stored
    assert row.data == {
        "error": "GitHub said: bad credentials for [redacted]",
        "headers": {"Authorization": "[redacted]"},
        "echoed": ["[redacted]"],
    }
    assert (await log.verify()).ok


async def test_a_naive_time_is_refused(log: AuditLog) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        await log.append("x", at=datetime(2026, 1, 1))
    assert await log.rows() == []
