"""What one approving click costs, end-to-end on loopback (see bench/README.md).

    python bench/bench_click.py --clicks 100 [--backends sqlite postgresql] [--json out.json]

For each click: a `merge pr N` request is planned and its card posted (not measured); then the approver's signed
click is POSTed and the clock runs until the worker has drained — the merge done on the fake GitHub and the card
redrawn. Counted during the click only: repository calls (store round trips as the core sees them), SQL statements
(what the database sees), audit appends, and Slack Web API calls.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import inspect
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bot.store.engine import make_engine, upgrade_database  # noqa: E402
from tests.approvals_helpers import approval_of, cards  # noqa: E402
from tests.db import create_pg_database, drop_pg_database  # noqa: E402
from tests.harness import Harness  # noqa: E402


@dataclass
class Result:
    backend: str
    clicks: int
    p50_ms: float
    p95_ms: float
    repository_calls: float
    sql_statements: float
    audit_appends: float
    slack_calls: float
    calls_by_method: dict[str, float]
    statements_by_verb: dict[str, float]


@contextlib.asynccontextmanager
async def database(backend: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="opsbot-bench-") as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/opsbot.db"
            await _migrate(url)
            yield url
        return
    url = await create_pg_database()
    try:
        await _migrate(url)
        yield url
    finally:
        await drop_pg_database(url)


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    await upgrade_database(engine)
    await engine.dispose()


class Counter:
    """Counts calls of an object's public coroutine methods, by name, while `on`."""

    def __init__(self) -> None:
        self.on = False
        self.by_name: dict[str, int] = {}

    def wrap(self, target: object) -> None:
        for name, method in inspect.getmembers(target, inspect.iscoroutinefunction):
            if not name.startswith("_"):
                setattr(target, name, self._counted(name, method))

    def _counted(self, name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(method)
        async def counted(*args: Any, **kwargs: Any) -> Any:
            if self.on:
                self.by_name[name] = self.by_name.get(name, 0) + 1
            return await method(*args, **kwargs)

        return counted

    @property
    def total(self) -> int:
        return sum(self.by_name.values())


async def measure(backend: str, clicks: int) -> Result:
    async with database(backend) as url, Harness(url) as env:
        bot = env.bot
        assert bot is not None
        repo, audit = Counter(), Counter()
        repo.wrap(bot.repo)
        audit.wrap(bot.audit)
        statements: list[str] = []

        def count_statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
            if repo.on:
                statements.append(sql.split(None, 1)[0].upper())

        event.listen(bot.engine.sync_engine, "before_cursor_execute", count_statement)
        latencies: list[float] = []
        slack = 0
        for n in range(1, clicks + 1):
            env.github.add_pr("acme/api", n, f"Change {n}", author="ana")
            await env.driver.mention(f"merge pr {n} in acme/api", user="U1")
            await env.settle()
            card = cards(env)[-1]
            before = len(env.slack.calls)
            repo.on = audit.on = True
            start = time.perf_counter()
            await env.driver.click("opsbot.approve", approval_of(card), as_user="U2", message_ts=card.response["ts"])
            await env.settle()
            latencies.append(time.perf_counter() - start)
            repo.on = audit.on = False
            slack += len(env.slack.calls) - before
            if len(env.github.merges) != n:
                raise SystemExit(f"bench: click {n} did not merge exactly once ({len(env.github.merges)} merges)")
        latencies.sort()
        return Result(
            backend=backend,
            clicks=clicks,
            p50_ms=round(statistics.median(latencies) * 1000, 1),
            p95_ms=round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
            repository_calls=repo.total / clicks,
            sql_statements=len(statements) / clicks if backend == "postgresql" else float("nan"),
            statements_by_verb={k: statements.count(k) / clicks for k in sorted(set(statements))},
            audit_appends=audit.total / clicks,
            slack_calls=slack / clicks,
            calls_by_method={k: v / clicks for k, v in sorted(repo.by_name.items())},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=100)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    results = [asyncio.run(measure(b, options.clicks)) for b in options.backends]
    print("| backend | p50 | p95 | repository calls | SQL statements | audit appends | Slack calls |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.backend} | {r.p50_ms} ms | {r.p95_ms} ms | {r.repository_calls:g} | {r.sql_statements:g} "
            f"| {r.audit_appends:g} | {r.slack_calls:g} |"
        )
    for r in results:
        print(f"{r.backend} repository: " + ", ".join(f"{k} {v:g}" for k, v in r.calls_by_method.items()))
        if r.statements_by_verb:
            print(f"{r.backend} SQL: " + ", ".join(f"{k} {v:g}" for k, v in r.statements_by_verb.items()))
    if options.json:
        options.json.write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
