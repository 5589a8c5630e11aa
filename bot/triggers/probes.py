"""HTTP probes: p95 latency over a window and failures in a row; one card when degraded, one reply on recovery."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime

import aiohttp

from bot.core.domain import Event, Source
from bot.core.jsonvalue import JsonObject
from bot.core.trigger_records import ProbeSample
from bot.slack_ui.trigger_blocks import ProbeCard, probe_card
from bot.triggers.followups import Followups
from bot.triggers.threads import Threads
from bot.triggers.trigger_rules import Facts, ProbeSpec

log = logging.getLogger(__name__)


def p95(values: list[float]) -> float | None:
    """Nearest-rank 95th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class Prober:
    def __init__(
        self,
        *,
        probes: tuple[ProbeSpec, ...],
        threads: Threads,
        followups: Followups,
        session: aiohttp.ClientSession,
        team_id: Callable[[], str],
        name: str,
    ) -> None:
        self.probes = probes
        self.threads = threads
        self.store = threads.store
        self.followups = followups
        self.session = session
        self.team_id = team_id
        self.name = name
        self.timer: Callable[[], float] = time.monotonic  # injectable: tests drive elapsed time

    async def check_due(self, now: datetime) -> int:
        """Check every probe whose interval slot has not been checked by any replica yet."""
        checked = 0
        for spec in self.probes:
            slot = int(now.timestamp() // spec.every.total_seconds())
            if await self.store.claim(f"probe:{spec.name}:{slot}", self.name, now):
                await self.check(spec, now)
                checked += 1
        return checked

    async def measure(self, spec: ProbeSpec) -> tuple[float, bool]:
        started = self.timer()
        timeout = aiohttp.ClientTimeout(total=spec.timeout.total_seconds())
        try:
            async with self.session.get(spec.url, timeout=timeout, allow_redirects=False) as resp:
                await resp.read()
                ok = resp.status < 400
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        return round((self.timer() - started) * 1000, 1), ok

    async def check(self, spec: ProbeSpec, now: datetime) -> None:
        elapsed_ms, ok = await self.measure(spec)
        state = await self.store.probe_state(spec.name, now)
        cutoff = now.timestamp() - spec.window.total_seconds()
        samples = [s for s in state.samples if s.at > cutoff] + [ProbeSample(at=now.timestamp(), ms=elapsed_ms, ok=ok)]
        failures = 0 if ok else state.failures + 1
        await self.store.save_probe(spec.name, samples, failures, now)
        latencies = [s.ms for s in samples if s.ok]
        needed = max(1, min(5, int(spec.window / spec.every)))
        slow_p95 = p95(latencies) if len(latencies) >= needed else None
        slow = spec.p95_ms is not None and slow_p95 is not None and slow_p95 > spec.p95_ms
        p95_ms = None if slow_p95 is None else round(slow_p95)

        def view(status: str, why: str) -> ProbeCard:
            return {
                "name": spec.name,
                "url": spec.url,
                "p95": p95_ms,
                "threshold": spec.p95_ms,
                "failures": failures,
                "status": status,
                "why": why,
            }

        if (slow or failures >= spec.failures) and await self.store.move_probe(spec.name, "ok", "degraded", now):
            why = f"{failures} checks failed in a row" if failures >= spec.failures else "p95 latency over threshold"
            await self._degraded(spec, view("degraded", why), now)
        elif not slow and failures == 0 and await self.store.move_probe(spec.name, "degraded", "ok", now):
            await self._recovered(spec, view("ok", "Back under the threshold."))

    async def _degraded(self, spec: ProbeSpec, view: ProbeCard, now: datetime) -> None:
        log.warning("probe %s degraded: %s", spec.name, view["why"])
        if spec.notify is None:
            return
        text = f"Probe {spec.name} degraded: {view['why']}"
        thread = await self.threads.restart(f"probe:{spec.name}", spec.notify, text, probe_card(view), {})
        if spec.on_slow is None:
            return
        event = Event(
            source=Source.SCHEDULE,
            type="probe.degraded",
            dedupe_key=f"probe:{spec.name}:{int(now.timestamp())}",
            team_id=self.team_id(),
            actor="opsbot:probe",
            channel=spec.notify,
            thread_ts=thread.thread_ts,
            text=text,
        )
        facts = Facts(source="probe", type="probe.degraded", probe=spec.name, values=_values(view))
        try:
            await self.followups.run_tool(spec.on_slow, facts, event, inbox_id=None)
        except Exception:
            log.exception("probe %s: the on_slow action could not start", spec.name)

    async def _recovered(self, spec: ProbeSpec, view: ProbeCard) -> None:
        log.info("probe %s recovered", spec.name)
        thread = await self.threads.find([f"probe:{spec.name}"])
        if thread is None:
            return
        text = f"Probe {spec.name} recovered"
        await self.threads.update(thread, thread.card_ts, text, probe_card(view))
        await self.threads.reply(thread, f"✅ {spec.name} recovered: p95 {view['p95']} ms, checks passing.", [])


def _values(view: ProbeCard) -> JsonObject:
    """What the on_slow action's templates can use: the card's values, and `probe` (the probe's name)."""
    return {
        "name": view["name"],
        "url": view["url"],
        "p95": view.get("p95"),
        "threshold": view.get("threshold"),
        "failures": view.get("failures"),
        "status": view["status"],
        "why": view["why"],
        "probe": view["name"],
    }
