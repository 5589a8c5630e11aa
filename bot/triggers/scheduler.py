"""Digest timing: APScheduler's CronTrigger (time zones, DST) wakes us; a unique row per slot makes it fire once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.clock import Clock
from bot.core.github_metrics import low_budget
from bot.core.ports import Chat
from bot.core.trigger_records import DigestRecord
from bot.store.triggers import TriggerStore
from bot.triggers.digests import DigestBuilder
from bot.triggers.probes import Prober

log = logging.getLogger(__name__)

MAX_SLOTS_SCANNED = 5000
SYNC_SECONDS = 60.0


def cron_for(cadence: str, at: str, timezone: str) -> CronTrigger:
    hour, minute = at.split(":")
    return CronTrigger(day_of_week=cadence, hour=int(hour), minute=int(minute), timezone=timezone)


def latest_slot(trigger: CronTrigger, after: datetime, now: datetime) -> datetime | None:
    """The last fire time in (after, now]: missed slots coalesce into this one."""
    latest = None
    fire = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    for _ in range(MAX_SLOTS_SCANNED):
        if fire is None or fire > now:
            break
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return None if latest is None else latest.astimezone(UTC)


def next_slot(cadence: str, at: str, timezone: str, now: datetime) -> datetime | None:
    fire = cron_for(cadence, at, timezone).get_next_fire_time(None, now)
    return None if fire is None else fire.astimezone(UTC)


@dataclass(frozen=True, kw_only=True)
class Fired:
    digest_id: str
    slot: datetime
    outcome: str  # posted, skipped, failed


class DigestScheduler:
    def __init__(
        self,
        *,
        store: TriggerStore,
        builder: DigestBuilder,
        chat: Chat,
        clock: Clock,
        name: str,
        prober: Prober | None = None,
    ) -> None:
        self.store = store
        self.builder = builder
        self.chat = chat
        self.clock = clock
        self.name = name
        self.prober = prober
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()
        self._waiting: set[asyncio.Task[None]] = set()  # digests waiting for GitHub's rate limit to reset

    async def fire_due(self, now: datetime | None = None) -> list[Fired]:
        """Post every digest whose latest slot (up to `now`) no replica has claimed yet."""
        now = now or self.clock.now()
        fired = []
        for digest in await self.store.active_digests():
            after = max(digest.created_at, await self.store.last_slot(digest.id) or digest.created_at)
            slot = latest_slot(cron_for(digest.cadence, digest.at, digest.timezone), after, now)
            if slot is None or not await self.store.claim_slot(digest.id, slot, self.name, now):
                continue
            fired.append(Fired(digest_id=digest.id, slot=slot, outcome=await self._post_or_wait(digest, slot, after)))
        return fired

    async def _post_or_wait(self, digest: DigestRecord, slot: datetime, since: datetime) -> str:
        """A PR digest when GitHub's budget is nearly used up waits for the reset (saying so in its channel), so
        what is left stays for people's own commands; the wait runs beside the other digests and probes."""
        now = self.clock.now()
        low = low_budget(now.timestamp()) if digest.kind == "prs" else None
        if low is None:
            return await self._post(digest, slot, since)
        resets = datetime.fromtimestamp(low.reset, UTC)
        said = (
            f"⏳ The digest `{digest.id}` waits for GitHub: {low.remaining} of {low.limit} {low.resource} requests are "
            f"left until the limit resets at {resets:%H:%M} UTC. It is posted then."
        )
        await self.chat.post(digest.channel, said, [])
        log.info("digest %s: GitHub's %s budget is low (%s left); waiting until %s", digest.id, low.resource,
                 low.remaining, resets.isoformat())  # fmt: skip
        task = asyncio.create_task(self._post_after(low.reset - now.timestamp() + 1, digest, slot, since))
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)
        return "waiting"

    async def _post_after(self, seconds: float, digest: DigestRecord, slot: datetime, since: datetime) -> None:
        try:
            await self.clock.sleep(seconds)
        except asyncio.CancelledError:  # shutdown during the wait: the slot is said failed, not left claimed
            log.warning("digest %s: stopped while waiting for GitHub's rate limit; slot %s not posted", digest.id, slot)
            await asyncio.shield(self.store.finish_slot(digest.id, slot, "failed", None))
            raise
        await self._post(digest, slot, since)

    async def settled(self) -> None:
        """Every digest waiting for GitHub's budget has been posted (tests)."""
        await asyncio.gather(*self._waiting, return_exceptions=True)

    async def _post(self, digest: DigestRecord, slot: datetime, since: datetime) -> str:
        try:
            content = await self.builder.build(digest, since)
        except Exception:
            log.exception("digest %s: could not build the slot %s", digest.id, slot)
            await self.store.finish_slot(digest.id, slot, "failed", None)
            return "failed"
        if content.fingerprint == digest.last_hash:
            await self.store.finish_slot(digest.id, slot, "skipped", None)
            return "skipped"
        try:
            await self.chat.post(digest.channel, content.text, content.blocks)
        except Exception:
            log.exception("digest %s: could not post the slot %s", digest.id, slot)
            await self.store.finish_slot(digest.id, slot, "failed", None)
            return "failed"
        await self.store.finish_slot(digest.id, slot, "posted", content.fingerprint)
        return "posted"

    async def tick(self) -> None:
        """One pass of everything time-driven here: due digests, due probes, old claims pruned."""
        now = self.clock.now()
        try:
            await self.fire_due(now)
            if self.prober is not None:
                await self.prober.check_due(now)
                await self.store.prune_claims("probe:", now - timedelta(days=2))
        except Exception:
            log.exception("scheduler pass failed")

    # -- APScheduler: only timing; the claims above make it safe on several replicas ---------------

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        every = IntervalTrigger(seconds=SYNC_SECONDS)
        scheduler.add_job(self._run_job, every, args=[self._sync], id="sync", next_run_time=datetime.now(UTC))
        for spec in self.prober.probes if self.prober else ():
            probe_every = IntervalTrigger(seconds=spec.every.total_seconds())
            scheduler.add_job(self._run_job, probe_every, args=[self.tick], id=f"probe:{spec.name}")
        scheduler.start()
        self._scheduler = scheduler

    async def _sync(self) -> None:
        """Keep one CronTrigger job per active digest (digests are added on any replica), then catch up."""
        assert self._scheduler is not None
        wanted = {f"digest:{d.id}": d for d in await self.store.active_digests()}
        for job in self._scheduler.get_jobs():
            if job.id.startswith("digest:") and job.id not in wanted:
                job.remove()
        for job_id, d in wanted.items():
            if self._scheduler.get_job(job_id) is None:
                trigger = cron_for(d.cadence, d.at, d.timezone)
                self._scheduler.add_job(self._run_job, trigger, args=[self.tick], id=job_id, misfire_grace_time=None)
        await self.tick()

    async def _run_job(self, job: Callable[[], Awaitable[None]]) -> None:
        """Every APScheduler job runs through here, so shutdown can let it finish instead of cutting it off."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await job()
        except asyncio.CancelledError:
            log.info("a scheduler job was stopped by shutdown")
        finally:
            if task is not None:
                self._running.discard(task)

    async def stop(self) -> None:
        for waiting in list(self._waiting):
            waiting.cancel()
        await asyncio.gather(*self._waiting, return_exceptions=True)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            if self._running:
                await asyncio.wait(set(self._running), timeout=5)  # let a pass finish its database write
            self._scheduler = None
