"""Single SQLite statements on the event loop: compiled by SQLAlchemy once, then run through sqlite3 directly.

Every Slack event costs two one-statement transactions (the inbox INSERT before the ack, the final UPDATE). Through
a SQLAlchemy Connection each is three executions (BEGIN IMMEDIATE, the statement, COMMIT) with their contexts and
events: ≈0.1 ms of CPU each, about a third of opsbot's whole per-event cost. Here a statement is compiled once with
the engine's own dialect (the SQL text, the order of its parameters, and each parameter's bind processor, so a
datetime or a JSON value is stored exactly as SQLAlchemy stores it) and then costs three sqlite3 calls.

It is a fast path and nothing more: when the write lock is taken (`busy_timeout=0`: it fails at once, before
anything is written) or anything else goes wrong, the transaction is rolled back and `run` returns None; the caller
then runs the statement the ordinary way, which waits for the lock and raises SQLAlchemy's own exceptions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

MAX_PREPARED = 64


@dataclass(frozen=True, kw_only=True)
class StatementResult:
    rows: list[tuple[Any, ...]]
    rowcount: int


@dataclass(frozen=True, kw_only=True)
class _Prepared:
    sql: str
    compiled: SQLCompiler
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # in the order of the `?` placeholders


class InlineStatements:
    def __init__(self, path: str, dialect: Dialect, on_connect: Callable[[sqlite3.Connection], None]) -> None:
        self._path = path
        self._dialect = dialect
        self._on_connect = on_connect
        self._conn: sqlite3.Connection | None = None
        self._prepared: dict[int, tuple[Executable, _Prepared]] = {}
        self.committed = 0  # statements this fast path committed (for tests and curiosity)

    def run(self, stmt: Executable, params: Mapping[str, Any]) -> StatementResult | None:
        """Run `stmt` as its own committed transaction; None when it did not (nothing was written then)."""
        prepared = self._prepare(stmt)
        try:
            values = prepared.compiled.construct_params(dict(params))
            args = [values[name] if process is None else process(values[name]) for name, process in prepared.binds]
        except Exception:  # a value SQLAlchemy would refuse: let its own path say so, with its own exception
            return None
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            return None  # the write lock is taken (or the database is unusable): the caller's path will tell
        try:
            cursor = conn.execute(prepared.sql, args)
            rows = [tuple(row) for row in cursor.fetchall()]
            result = StatementResult(rows=rows, rowcount=cursor.rowcount)
            conn.execute("COMMIT")
            self.committed += 1
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return None
        return result

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, timeout=0, isolation_level=None, check_same_thread=False)
            self._on_connect(conn)
            self._conn = conn
        return self._conn

    def _prepare(self, stmt: Executable) -> _Prepared:
        known = self._prepared.get(id(stmt))
        if known is not None and known[0] is stmt:
            return known[1]
        compiled = cast(ClauseElement, stmt).compile(dialect=self._dialect)
        assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
        binds = tuple(
            (name, compiled.binds[name].type.dialect_impl(self._dialect).bind_processor(self._dialect))
            for name in compiled.positiontup
        )
        prepared = _Prepared(sql=str(compiled), compiled=compiled, binds=binds)
        if len(self._prepared) >= MAX_PREPARED:  # meant for statements built once; one built per call is not cached
            self._prepared.clear()
        self._prepared[id(stmt)] = (stmt, prepared)  # the statement is kept, so its id is never reused
        return prepared
