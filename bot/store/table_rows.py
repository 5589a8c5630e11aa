"""What every table's statements share: the database, the dialect, and reading rows as records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.database import Database, all_rows, one

R = TypeVar("R")


class Rows:
    """The base of the repository's parts (inbox, runs, approvals): one database, one dialect."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.db = Database(engine)
        self._dialect = engine.dialect.name

    def _insert(self, table: Table) -> Any:
        """An INSERT that can say ON CONFLICT DO NOTHING on this dialect."""
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    async def _one(self, stmt: Any) -> Mapping[str, Any] | None:
        return await self.db.read(one(stmt))

    async def _all(self, stmt: Any) -> list[Mapping[str, Any]]:
        rows: list[dict[str, Any]] = await self.db.read(all_rows(stmt))
        return list(rows)


def maybe(convert: Callable[[Mapping[str, Any]], R], row: Mapping[str, Any] | None) -> R | None:
    return None if row is None else convert(row)
