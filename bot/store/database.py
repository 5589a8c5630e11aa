"""Run one transaction per call. SQLite: on the event loop when the write lock is free, else in a worker thread."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import Executable

from bot.store.sqlite_inline import InlineStatements, StatementResult

log = logging.getLogger(__name__)

T = TypeVar("T")


class Database:
    """`await db.write(op)` / `await db.read(op)` run `op(connection)` in one transaction.

    aiosqlite turns every statement into about ten thread hops and event-loop wake-ups (≈1.5 ms of CPU per
    statement); even one hop to a thread per transaction costs more CPU (GIL hand-over, two wake-ups) than the
    transaction itself. So a SQLite write first runs *on the event loop*, on a connection that never waits:
    `BEGIN IMMEDIATE` with busy_timeout=0 either takes the write lock at once or fails at once, before anything is
    written. Only then does the transaction go to a worker thread, whose connection waits up to 30 s for the lock
    (another process, or a thread of this one, is writing). A small write in WAL mode with synchronous=NORMAL is a
    few tens of microseconds and no fsync; the inline connection does not checkpoint (that fsyncs), a worker
    thread does it every `CHECKPOINT_EVERY` inline commits. Reads stay in a thread (they can be large). Those
    threads are the database's own (`SQLITE_THREADS`), not the loop's default executor: nothing else — a DNS lookup
    for a slow upstream, a library's `to_thread` — can keep a read or a click's write waiting for a thread.
    `write_statement` (the inbox's two statements per event) goes further: straight to sqlite3, compiled once.
    PostgreSQL stays fully async (asyncpg, through `run_sync`).
    """

    CHECKPOINT_EVERY = 1000
    SQLITE_THREADS = 8  # as many as the worker threads' connection pool holds

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._sync: Engine | None = None
        self._inline: Engine | None = None
        self._statements: InlineStatements | None = None
        if self.dialect == "sqlite":
            from bot.store.engine import sqlite_pragmas

            url = engine.url.set(drivername="sqlite")
            self._sync = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8)
            event.listen(self._sync, "connect", sqlite_pragmas)
            self._inline = _never_waiting_engine(url)
            self._statements = InlineStatements(str(url.database), self._inline.dialect, _never_waiting)
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._inline_commits = 0
        self._checkpoint: asyncio.Task[None] | None = None
        self._threads: ThreadPoolExecutor | None = None

    async def write(self, op: Callable[[Connection], T]) -> T:
        if self._sync is not None:
            done, result = self._try_inline(op)
            if done:
                return result  # type: ignore[return-value]
            return await self._in_thread(op, True)
        async with self.engine.begin() as conn:
            return await conn.run_sync(op)

    async def write_statement(self, stmt: Executable, params: Mapping[str, Any]) -> StatementResult:
        """One statement as its own transaction: its rows (RETURNING) and row count.

        SQLite: compiled once and run through sqlite3 on the loop (bot/store/sqlite_inline.py), else the `write` path.
        PostgreSQL: autocommit mode (a single statement is atomic by itself): one round trip instead of BEGIN, the
        statement and COMMIT, and no greenlet hop.
        """
        if self._statements is not None:
            done = self._statements.run(stmt, params)
            if done is not None:
                self._committed_inline()
                return done
            return await self.write(lambda conn: _result(conn.execute(stmt, params)))
        async with self._autocommit.connect() as conn:
            return _result(await conn.execute(stmt, params))

    async def read(self, op: Callable[[Connection], T]) -> T:
        if self._sync is not None:
            return await self._in_thread(op, False)
        async with self.engine.connect() as conn:
            return await conn.run_sync(op)

    @property
    def checkpointing(self) -> asyncio.Task[None] | None:
        """The checkpoint running in a worker thread now, if any."""
        return self._checkpoint

    def _try_inline(self, op: Callable[[Connection], T]) -> tuple[bool, T | None]:
        """(True, result) when the transaction ran and committed here; (False, None) when the lock was taken."""
        assert self._inline is not None
        try:
            with self._inline.begin() as conn:
                result = op(conn)
        except OperationalError as exc:
            if not _is_busy(exc):
                raise
            return False, None
        self._committed_inline()
        return True, result

    def _committed_inline(self) -> None:
        self._inline_commits += 1
        if self._inline_commits % self.CHECKPOINT_EVERY == 0 and self._checkpoint is None:
            self._checkpoint = asyncio.create_task(self._run_checkpoint(), name="sqlite-checkpoint")

    async def _run_checkpoint(self) -> None:
        try:
            await self._in_thread(_passive_checkpoint, False)
        except Exception:  # a checkpoint that fails now is retried by the next one; nothing is lost
            log.warning("SQLite checkpoint failed", exc_info=True)
        finally:
            self._checkpoint = None

    async def _in_thread(self, op: Callable[[Connection], T], write: bool) -> T:
        """`op` in one of the database's own threads, with the caller's context (log ids, span), as to_thread does."""
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.SQLITE_THREADS, thread_name_prefix="opsbot-sqlite")
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._threads, context.run, self._in_sync, op, write)

    def _in_sync(self, op: Callable[[Connection], T], write: bool) -> T:
        assert self._sync is not None
        if write:
            with self._sync.begin() as conn:
                return op(conn)
        with self._sync.connect() as conn:
            return op(conn)

    def dispose(self) -> None:
        if self._statements is not None:
            self._statements.close()
        if self._inline is not None:
            self._inline.dispose()
        if self._sync is not None:
            self._sync.dispose()
        if self._threads is not None:
            self._threads.shutdown(wait=False)
            self._threads = None


def _never_waiting_engine(url: Any) -> Engine:
    """One connection for the event loop's writes: `BEGIN IMMEDIATE`, busy_timeout=0, no automatic checkpoint."""
    engine = create_engine(url, connect_args={"timeout": 0, "check_same_thread": False}, poolclass=StaticPool)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        _never_waiting(dbapi_connection)

    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def _never_waiting(dbapi_connection: sqlite3.Connection) -> None:
    from bot.store.engine import sqlite_pragmas

    sqlite_pragmas(dbapi_connection, None)
    dbapi_connection.isolation_level = None  # BEGIN is said explicitly, so it can be IMMEDIATE
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _result(result: CursorResult[Any]) -> StatementResult:
    rows = [tuple(row) for row in result] if result.returns_rows else []
    return StatementResult(rows=rows, rowcount=result.rowcount)


def _is_busy(exc: OperationalError) -> bool:
    orig = exc.orig
    return isinstance(orig, sqlite3.OperationalError) and orig.sqlite_errorcode & 0xFF in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


def _passive_checkpoint(conn: Connection) -> None:
    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def rowcount(stmt: Any) -> Callable[[Connection], int]:
    return lambda conn: int(conn.execute(stmt).rowcount)


def scalar(stmt: Any) -> Callable[[Connection], Any]:
    return lambda conn: conn.execute(stmt).scalar()


def first(stmt: Any) -> Callable[[Connection], tuple[Any, ...] | None]:
    def op(conn: Connection) -> tuple[Any, ...] | None:
        row = conn.execute(stmt).first()
        return None if row is None else tuple(row)

    return op


def one(stmt: Any) -> Callable[[Connection], dict[str, Any] | None]:
    def op(conn: Connection) -> dict[str, Any] | None:
        row = conn.execute(stmt).mappings().first()
        return None if row is None else dict(row)

    return op


def all_rows(stmt: Any) -> Callable[[Connection], list[dict[str, Any]]]:
    return lambda conn: [dict(r) for r in conn.execute(stmt).mappings()]


def scalars(stmt: Any) -> Callable[[Connection], list[Any]]:
    return lambda conn: list(conn.execute(stmt).scalars())
