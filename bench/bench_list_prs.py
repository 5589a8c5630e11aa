"""`list prs` end to end: requests/s, CPU per request and GitHub calls per request (see bench/README.md).

    python bench/bench_list_prs.py [--prs 3 30] [--events 300] [--concurrency 20] [--json out.json]

opsbot as `opsbot run` builds it (bench/bench_events.py's `opsbot` variant: SQLite, durable inbox, worker, real
PyGithub to the loopback fake GitHub), the fake repository holding `--prs` open pull requests with passing checks.
Slack pacing is off (`OPSBOT_SLACK_PACE_PER_SECOND=0`): at its default of one post per second per channel, every
mention of the one channel waits its turn and the figure is the pace, not opsbot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from bench.bench_events import (  # noqa: E402
    GITHUB_TOKEN,
    REPO,
    Variant,
    _serve,
    bench_settings,
    measure,
    sqlite_database,
)
from bot.app.wiring import build  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi  # noqa: E402


def variant(prs: int, seen: list[FakeGitHub]) -> Variant:
    @contextlib.asynccontextmanager
    async def serve(slack: FakeSlackApi) -> AsyncIterator[str]:
        async with FakeGitHub(token=GITHUB_TOKEN) as github, sqlite_database() as database_url:
            seen.append(github)
            github.add_repo(REPO)
            for number in range(1, prs + 1):
                github.add_pr(REPO, number, f"Change number {number}", author="ana", checks="passing")
            bot = await build(bench_settings(slack.url, github.url, database_url, opsbot_slack_pace_per_second=0))
            runner = None
            try:
                await bot.start(sweep_interval=None)
                runner, url = await _serve(bot.web)
                yield url
            finally:
                if runner is not None:
                    await runner.cleanup()
                await bot.close()

    return Variant(name=f"list-prs-{prs}", text=f"list prs in {REPO}", expect="Change number 1", serve=serve)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prs", type=int, nargs="+", default=[3, 30], help="open pull requests in the repository")
    p.add_argument("--events", type=int, default=300, help="measured mentions per variant")
    p.add_argument("--warmup", type=int, default=30, help="unmeasured mentions first")
    p.add_argument("--concurrency", type=int, default=20, help="requests in flight")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for all replies")
    p.add_argument("--json", dest="json_out", type=Path, help="write the results here")
    args = p.parse_args()
    rows = []
    print(f"{'variant':<14}{'requests/s':>11}{'CPU ms/req':>11}{'GitHub calls/req':>17}{'ack p50':>9}{'bad':>5}")
    for prs in args.prs:
        seen: list[FakeGitHub] = []
        result = await measure(
            variant(prs, seen),
            events=args.events,
            concurrency=args.concurrency,
            warmup=args.warmup,
            wait_s=args.timeout,
            profile=None,
        )
        calls = len(seen[0].requests) / (args.warmup + args.events)
        row = {**asdict(result), "prs": prs, "github_calls_per_request": round(calls, 2)}
        rows.append(row)
        print(
            f"{result.name:<14}{result.events_per_s:>11}{result.cpu_ms_per_event:>11}{calls:>17.2f}"
            f"{result.ack_p50_ms:>8}ms{result.bad_replies:>5}"
        )
    if args.json_out:
        args.json_out.write_text(json.dumps({"results": rows, "argv": sys.argv[1:]}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
