"""What every table's statements share: the database, the dialect, reading rows as records, and scrubbing what is
written: every value of every row (texts and JSON: step results, run state, inbox payloads, previews, reasons)
has the configured secrets and token shapes masked before it reaches the database (bot.core.redact.scrub)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.redact import scrub
from bot.store.database import Database, all_rows, one

R = TypeVar("R")


class Rows:
    """The base of the repository's parts (inbox, runs, approvals): one database, one dialect, the secrets."""

    def __init__(self, engine: AsyncEngine, secrets: tuple[str, ...] = ()) -> None:
        self.engine = engine
        self.secrets = secrets  # `Settings.secret_values()`: masked in everything written
        self.db = Database(engine)
        self._dialect = engine.dialect.name

    def _clean(self, values: Mapping[str, object]) -> dict[str, object]:
        """A row's values, as they may be stored: scrubbed (numbers, times and flags pass unchanged); one scan of
        all its strings, and no copy, when there is nothing to mask (the common case)."""
        clean: dict[str, object] = scrub(dict(values), self.secrets)
        return clean

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
