"""SQL for triggers: event threads, unique-row claims, digests and their slots, probe states; rows to records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.redact import scrub
from bot.core.trigger_records import (
    DigestRecord,
    ProbeSample,
    ProbeState,
    RunOutcome,
    SlotRecord,
    ThreadData,
    ThreadRecord,
)
from bot.store.database import Database, all_rows, one, rowcount, scalar
from bot.store.models import digest_slots, digests, probe_states, runs, steps, trigger_claims, trigger_threads


class TriggerStore:
    def __init__(self, engine: AsyncEngine, secrets: tuple[str, ...] = ()) -> None:
        self.db = Database(engine)
        self._secrets = secrets  # masked in the thread data written (a PR title may carry one)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def _claim_row(self, table: Table, values: Mapping[str, object], keys: list[str]) -> bool:
        stmt = self._insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        return await self.db.write(rowcount(stmt)) == 1

    # -- threads -------------------------------------------------------------------------------------

    async def thread(self, key: str) -> ThreadRecord | None:
        row = await self.db.read(one(select(trigger_threads).where(trigger_threads.c.key == key)))
        return None if row is None else thread_record(row)

    async def first_thread(self, keys: list[str]) -> ThreadRecord | None:
        """The thread of the first key that has one (a PR before its commit, say)."""
        for key in keys:
            found = await self.thread(key)
            if found is not None:
                return found
        return None

    async def claim_thread(self, key: str, channel: str, now: datetime, data: ThreadData) -> bool:
        """Reserve the thread for `key`; only the winner posts the first message."""
        clean = scrub(data, self._secrets)
        values = {"key": key, "channel": channel, "data": clean, "created_at": now, "updated_at": now}
        return await self._claim_row(trigger_threads, values, ["key"])

    async def set_thread(
        self,
        key: str,
        now: datetime,
        *,
        channel: str | None = None,
        thread_ts: str | None = None,
        card_ts: str | None = None,
        data: ThreadData | None = None,
    ) -> None:
        """Set the columns given (not None) and `updated_at`."""
        clean = scrub(data, self._secrets) if data is not None else None
        given = {"channel": channel, "thread_ts": thread_ts, "card_ts": card_ts, "data": clean}
        values = {column: value for column, value in given.items() if value is not None}
        stmt = update(trigger_threads).where(trigger_threads.c.key == key).values(updated_at=now, **values)
        await self.db.write(rowcount(stmt))

    async def alias_thread(self, alias: str, *, of: str, channel: str, thread_ts: str | None, now: datetime) -> None:
        """Point another key (a PR's head commit) at an existing thread (`of`)."""
        data: ThreadData = {"alias_of": of}
        values = {
            "key": alias,
            "channel": channel,
            "thread_ts": thread_ts,
            "data": data,
            "created_at": now,
            "updated_at": now,
        }
        await self._claim_row(trigger_threads, values, ["key"])

    async def point_thread(
        self, key: str, *, channel: str, thread_ts: str, data: ThreadData, now: datetime
    ) -> None:
        """`key` finds this thread from now on, wherever it pointed before (a newer deploy request replaces one)."""
        clean = scrub(data, self._secrets)
        values = {"key": key, "channel": channel, "thread_ts": thread_ts, "data": clean, "created_at": now,
                  "updated_at": now}  # fmt: skip
        if not await self._claim_row(trigger_threads, values, ["key"]):
            await self.set_thread(key, now, channel=channel, thread_ts=thread_ts, data=data)

    # -- claims --------------------------------------------------------------------------------------

    async def claim(self, key: str, who: str, now: datetime) -> bool:
        return await self._claim_row(trigger_claims, {"key": key, "claimed_by": who, "claimed_at": now}, ["key"])

    async def prune_claims(self, prefix: str, before: datetime) -> int:
        stmt = delete(trigger_claims).where(
            trigger_claims.c.key.startswith(prefix, autoescape=True), trigger_claims.c.claimed_at < before
        )
        return await self.db.write(rowcount(stmt))

    # -- digests -------------------------------------------------------------------------------------

    async def add_digest(self, digest: DigestRecord) -> bool:
        """False (and nothing written) when a digest already has this id."""
        return await self._claim_row(digests, digest_values(digest), ["id"])

    async def digest(self, digest_id: str) -> DigestRecord | None:
        row = await self.db.read(one(select(digests).where(digests.c.id == digest_id)))
        return None if row is None else digest_record(row)

    async def active_digests(self, channel: str | None = None) -> list[DigestRecord]:
        stmt = select(digests).where(digests.c.active.is_(True)).order_by(digests.c.created_at, digests.c.id)
        if channel is not None:
            stmt = stmt.where(digests.c.channel == channel)
        return [digest_record(row) for row in await self.db.read(all_rows(stmt))]

    async def remove_digest(self, digest_id: str, channel: str) -> bool:
        """Deactivate the one digest with exactly this id, in this channel; False if there is no such active one."""
        stmt = (
            update(digests)
            .where(digests.c.id == digest_id, digests.c.channel == channel, digests.c.active.is_(True))
            .values(active=False)
        )
        return await self.db.write(rowcount(stmt)) == 1

    async def last_slot(self, digest_id: str) -> datetime | None:
        stmt = select(func.max(digest_slots.c.slot_at)).where(digest_slots.c.digest_id == digest_id)
        value: datetime | None = await self.db.read(scalar(stmt))
        if value is not None and value.tzinfo is None:  # max() bypasses the column type on SQLite
            value = datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
        return value

    async def claim_slot(self, digest_id: str, slot_at: datetime, who: str, now: datetime) -> bool:
        values = {"digest_id": digest_id, "slot_at": slot_at, "claimed_by": who, "claimed_at": now}
        return await self._claim_row(digest_slots, values, ["digest_id", "slot_at"])

    async def finish_slot(self, digest_id: str, slot_at: datetime, outcome: str, content_hash: str | None) -> None:
        def op(conn: Connection) -> None:
            conn.execute(
                update(digest_slots)
                .where(digest_slots.c.digest_id == digest_id, digest_slots.c.slot_at == slot_at)
                .values(outcome=outcome)
            )
            if content_hash is not None:
                conn.execute(update(digests).where(digests.c.id == digest_id).values(last_hash=content_hash))

        await self.db.write(op)

    async def slots(self, digest_id: str) -> list[SlotRecord]:
        stmt = select(digest_slots).where(digest_slots.c.digest_id == digest_id).order_by(digest_slots.c.slot_at)
        return [slot_record(row) for row in await self.db.read(all_rows(stmt))]

    async def runs_since(self, since: datetime, channel: str) -> list[RunOutcome]:
        """Runs of `channel` that failed, ended unknown, or succeeded after a failed step (self-corrected), since
        `since` (a digest shows only its own channel's runs)."""

        def op(conn: Connection) -> list[RunOutcome]:
            found = conn.execute(
                select(runs.c.id, runs.c.status, runs.c.text, runs.c.channel, runs.c.created_at)
                .where(runs.c.created_at >= since, runs.c.status.in_(["failed", "unknown", "succeeded"]))
                .where(runs.c.channel == channel)
                .order_by(runs.c.created_at)
            ).mappings()
            rows = [dict(r) for r in found]
            failed_step = select(steps.c.run_id).where(
                steps.c.run_id.in_([r["id"] for r in rows]), steps.c.status == "failed"
            )
            corrected = set(conn.execute(failed_step).scalars())
            return [
                run_outcome(r, corrected=r["status"] == "succeeded")
                for r in rows
                if r["status"] != "succeeded" or r["id"] in corrected
            ]

        return await self.db.write(op)

    # -- probes --------------------------------------------------------------------------------------

    async def probe_state(self, name: str, now: datetime) -> ProbeState:
        values = {"name": name, "status": "ok", "samples": [], "failures": 0, "updated_at": now}
        await self._claim_row(probe_states, values, ["name"])
        row = await self.db.read(one(select(probe_states).where(probe_states.c.name == name)))
        assert row is not None
        return probe_record(row)

    async def save_probe(self, name: str, samples: Sequence[ProbeSample], failures: int, now: datetime) -> None:
        stored = [[s.at, s.ms, s.ok] for s in samples]
        stmt = (
            update(probe_states)
            .where(probe_states.c.name == name)
            .values(samples=stored, failures=failures, updated_at=now)
        )
        await self.db.write(rowcount(stmt))

    async def move_probe(self, name: str, from_: str, to: str, now: datetime) -> bool:
        """Compare-and-set the probe's status: exactly one replica announces a change."""
        stmt = (
            update(probe_states)
            .where(probe_states.c.name == name, probe_states.c.status == from_)
            .values(status=to, updated_at=now)
        )
        return await self.db.write(rowcount(stmt)) == 1

    def dispose(self) -> None:
        self.db.dispose()


# -- rows to records -------------------------------------------------------------------------------


def thread_record(row: Mapping[str, Any]) -> ThreadRecord:
    return ThreadRecord(
        key=row["key"], channel=row["channel"], thread_ts=row["thread_ts"], card_ts=row["card_ts"], data=row["data"]
    )


def digest_record(row: Mapping[str, Any]) -> DigestRecord:
    return DigestRecord(
        id=row["id"],
        team_id=row["team_id"],
        channel=row["channel"],
        created_by=row["created_by"],
        cadence=row["cadence"],
        at=row["at"],
        timezone=row["timezone"],
        kind=row["kind"],
        target=row["target"],
        created_at=row["created_at"],
        last_hash=row["last_hash"],
        active=bool(row["active"]),
    )


def digest_values(digest: DigestRecord) -> dict[str, object]:
    return {
        "id": digest.id,
        "team_id": digest.team_id,
        "channel": digest.channel,
        "created_by": digest.created_by,
        "cadence": digest.cadence,
        "at": digest.at,
        "timezone": digest.timezone,
        "kind": digest.kind,
        "target": digest.target,
        "created_at": digest.created_at,
        "last_hash": digest.last_hash,
        "active": digest.active,
    }


def slot_record(row: Mapping[str, Any]) -> SlotRecord:
    return SlotRecord(
        digest_id=row["digest_id"],
        slot_at=row["slot_at"],
        claimed_by=row["claimed_by"],
        claimed_at=row["claimed_at"],
        outcome=row["outcome"],
    )


def run_outcome(row: Mapping[str, Any], *, corrected: bool) -> RunOutcome:
    return RunOutcome(
        id=row["id"],
        status=row["status"],
        text=row["text"],
        channel=row["channel"],
        created_at=row["created_at"],
        corrected=corrected,
    )


def probe_record(row: Mapping[str, Any]) -> ProbeState:
    samples = tuple(ProbeSample(at=float(s[0]), ms=float(s[1]), ok=bool(s[2])) for s in row["samples"] or ())
    return ProbeState(
        name=row["name"],
        status=row["status"],
        samples=samples,
        failures=int(row["failures"]),
        updated_at=row["updated_at"],
    )
