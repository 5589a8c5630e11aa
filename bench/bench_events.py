"""Events/s of opsbot against a bare Bolt AsyncApp, end-to-end on loopback (see bench/README.md).

    python bench/bench_events.py --events 2000 --concurrency 20 [--json out.json] [--profile opsbot-help]

Every variant gets its own fake Slack Web API (no latency), receives N Slack-signed `app_mention` events over
HTTP with bounded concurrency, and is timed until the fake has recorded N `chat.postMessage` calls.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from slack_bolt.async_app import AsyncApp  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.app.settings import Settings  # noqa: E402
from bot.app.wiring import build  # noqa: E402
from bot.store.engine import make_engine, upgrade_database  # noqa: E402
from tests.db import create_pg_database, drop_pg_database  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi  # noqa: E402
from tests.fakes.slack_driver import DriverResponse, SlackDriver  # noqa: E402

BOT_TOKEN = "xoxb-1111-2222-opsbot-bench-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
GITHUB_TOKEN = "ghp_BENCHTOKEN0123456789abcdefABCDEF012"
CHANNEL = "C1"
REPO = "acme/api"

Serve = Callable[[FakeSlackApi], contextlib.AbstractAsyncContextManager[str]]


@dataclass(frozen=True, kw_only=True)
class Variant:
    name: str
    text: str  # what each mention asks
    expect: str  # found in every good reply (text or blocks); other replies are counted as bad
    serve: Serve  # starts the app under test against the fake, yields its base URL


@dataclass(frozen=True, kw_only=True)
class Result:
    name: str
    events: int
    concurrency: int
    seconds: float
    events_per_s: float
    cpu_ms_per_event: float
    ack_p50_ms: float
    ack_p95_ms: float
    ack_max_ms: float
    non_200: int
    bad_replies: int


# -- the apps under test ------------------------------------------------------------------------------


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


def _bare_bolt(client: AsyncWebClient) -> AsyncApp:
    """The reference: Bolt's defaults (signature check on, ack first, listener after the ack)."""
    app = AsyncApp(client=client, signing_secret=SIGNING_SECRET)

    @app.event("app_mention")
    async def reply(event: dict[str, Any], say: Any) -> None:
        await say(text="Hello!", thread_ts=event["ts"])

    return app


@contextlib.asynccontextmanager
async def bolt_stock(slack: FakeSlackApi) -> AsyncIterator[str]:
    # No session: slack_sdk opens (and closes) one aiohttp session per Web API call.
    app = _bare_bolt(AsyncWebClient(token=BOT_TOKEN, base_url=slack.url))
    runner, url = await _serve(app.web_app(path="/slack/events"))
    try:
        yield url
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def bolt_shared_session(slack: FakeSlackApi) -> AsyncIterator[str]:
    async with aiohttp.ClientSession() as session:
        app = _bare_bolt(AsyncWebClient(token=BOT_TOKEN, base_url=slack.url, session=session))
        runner, url = await _serve(app.web_app(path="/slack/events"))
        try:
            yield url
        finally:
            await runner.cleanup()


@contextlib.asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="opsbot-bench-") as tmp:
        yield f"sqlite:///{tmp}/opsbot.db"  # migrated by build(), as `opsbot run` does


@contextlib.asynccontextmanager
async def postgresql_database() -> AsyncIterator[str]:
    """A throwaway database on the local PostgreSQL (OPSBOT_TEST_PG_DSN, as the tests use)."""
    url = await create_pg_database()
    try:
        engine = make_engine(url)
        await upgrade_database(engine)
        await engine.dispose()
        yield url
    finally:
        await drop_pg_database(url)


def bench_settings(slack_url: str, github_url: str, database_url: str, **extra: Any) -> Settings:
    """opsbot's settings against the fakes: Slack, GitHub, one database, the bench channel's repository."""
    return Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_url,
        database_url=database_url,
        github_token=GITHUB_TOKEN,
        github_api_url=github_url,
        opsbot_channel_repos=f"{CHANNEL}={REPO}",
        **extra,
    )


def opsbot(database: Callable[[], contextlib.AbstractAsyncContextManager[str]]) -> Serve:
    """opsbot as `opsbot run` builds it: durable inbox, worker, audit log, real PyGithub to a fake."""

    @contextlib.asynccontextmanager
    async def serve(slack: FakeSlackApi) -> AsyncIterator[str]:
        async with FakeGitHub(token=GITHUB_TOKEN) as github, database() as database_url:
            github.add_repo(REPO)
            for number, title in enumerate(("Add health endpoint", "Bump deps", "Fix login redirect"), start=1):
                github.add_pr(REPO, number, title, author="ana", head=f"feat/{number}", checks="passing")
            bot = await build(bench_settings(slack.url, github.url, database_url))
            runner: web.AppRunner | None = None
            try:
                await bot.start(sweep_interval=None)
                runner, url = await _serve(bot.web)
                yield url
            finally:
                if runner is not None:
                    await runner.cleanup()
                await bot.close()

    return serve


VARIANTS = {
    "bolt-stock": Variant(name="bolt-stock", text="help", expect="Hello!", serve=bolt_stock),
    "bolt-shared-session": Variant(name="bolt-shared-session", text="help", expect="Hello!", serve=bolt_shared_session),
    "opsbot-help": Variant(name="opsbot-help", text="help", expect="list_pull_requests", serve=opsbot(sqlite_database)),
    "opsbot-list-prs": Variant(
        name="opsbot-list-prs", text=f"list prs in {REPO}", expect="Fix login redirect", serve=opsbot(sqlite_database)
    ),
    "opsbot-help-postgresql": Variant(
        name="opsbot-help-postgresql", text="help", expect="list_pull_requests", serve=opsbot(postgresql_database)
    ),
}


# -- the load ------------------------------------------------------------------------------------------


class RecordingDriver(SlackDriver):
    """Builds and signs requests like Slack but keeps them: the load is prepared before the clock starts."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, SIGNING_SECRET, now=time.time)
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def post(self, body: bytes | str, headers: Mapping[str, str]) -> DriverResponse:
        self.requests.append((body.decode() if isinstance(body, bytes) else body, dict(headers)))
        return DriverResponse(status=200, text="", headers={})


async def signed_mentions(url: str, text: str, count: int) -> list[tuple[str, dict[str, str]]]:
    driver = RecordingDriver(url)
    for _ in range(count):
        await driver.mention(text, channel=CHANNEL)
    return driver.requests


async def send(
    session: aiohttp.ClientSession,
    url: str,
    requests: list[tuple[str, dict[str, str]]],
    concurrency: int,
    acks: list[float],
) -> int:
    """POST the requests over keep-alive connections, at most `concurrency` in flight; returns the non-200s."""
    pending = iter(requests)
    failures = 0

    async def lane() -> None:
        nonlocal failures
        for body, headers in pending:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                acks.append(time.perf_counter() - started)
                failures += resp.status != 200

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return failures


async def measure(
    variant: Variant, *, events: int, concurrency: int, warmup: int, wait_s: float, profile: Path | None
) -> Result:
    async with FakeSlackApi(BOT_TOKEN) as slack:
        slack.set_latency("chat.postMessage", 0.0)
        async with variant.serve(slack) as base_url, aiohttp.ClientSession() as session:
            url = f"{base_url}/slack/events"
            if warmup:
                await send(session, url, await signed_mentions(url, variant.text, warmup), concurrency, [])
                await slack.wait_for("chat.postMessage", count=warmup, timeout=wait_s)
            requests = await signed_mentions(url, variant.text, events)
            acks: list[float] = []
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            cpu0, t0 = time.process_time(), time.perf_counter()
            failures = await send(session, url, requests, concurrency, acks)
            replies = await slack.wait_for("chat.postMessage", count=warmup + events, timeout=wait_s)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            if profiler and profile:
                profiler.disable()
                profiler.dump_stats(profile)
    bad = sum(variant.expect not in json.dumps(call.params) for call in replies[warmup:])
    acks.sort()
    return Result(
        name=variant.name,
        events=events,
        concurrency=concurrency,
        seconds=round(seconds, 3),
        events_per_s=round(events / seconds, 1),
        cpu_ms_per_event=round(cpu / events * 1000, 3),
        ack_p50_ms=round(_quantile(acks, 0.50) * 1000, 2),
        ack_p95_ms=round(_quantile(acks, 0.95) * 1000, 2),
        ack_max_ms=round(acks[-1] * 1000, 2),
        non_200=failures,
        bad_replies=bad,
    )


def _quantile(sorted_values: list[float], q: float) -> float:
    if len(sorted_values) < 2:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[round(q * 100) - 1]


# -- reporting -----------------------------------------------------------------------------------------


def table(results: list[Result], baseline: str) -> str:
    base = next((r for r in results if r.name == baseline), None)
    header = f"{'variant':<22}{'events/s':>10}{'CPU ms/ev':>11}{'ack p50':>10}{'ack p95':>10}{'non-200':>9}{'bad':>6}"
    header += f"{'x ' + baseline:>18}"
    lines = [header, "-" * len(header)]
    for r in results:
        ratio = f"{r.events_per_s / base.events_per_s:.2f}" if base else "-"
        lines.append(
            f"{r.name:<22}{r.events_per_s:>10.0f}{r.cpu_ms_per_event:>11.3f}{r.ack_p50_ms:>8.1f}ms"
            f"{r.ack_p95_ms:>8.1f}ms{r.non_200:>9}{r.bad_replies:>6}{ratio:>18}"
        )
    lines.append(
        "CPU ms/event is time.process_time() of the whole benchmark process (all threads): the fake Slack API, "
        "the load driver and the app under test share it."
    )
    return "\n".join(lines)


def print_profile(path: Path, limit: int) -> None:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    print(out.getvalue())


async def main_async(args: argparse.Namespace) -> list[Result]:
    results = []
    for name in args.variants:
        for attempt in range(args.repeat):
            profile = Path(args.profile_out) if args.profile == name and attempt == 0 else None
            result = await measure(
                VARIANTS[name],
                events=args.events,
                concurrency=args.concurrency,
                warmup=args.warmup,
                wait_s=args.timeout,
                profile=profile,
            )
            print(f"  {name} run {attempt + 1}: {result.events_per_s:.0f} events/s", file=sys.stderr, flush=True)
            results.append(result)
    return _best_of(results)


def _best_of(results: list[Result]) -> list[Result]:
    best: dict[str, Result] = {}
    for r in results:
        if r.name not in best or r.events_per_s > best[r.name].events_per_s:
            best[r.name] = r
    return list(best.values())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=2000, help="measured mentions per variant (default 2000)")
    p.add_argument("--concurrency", type=int, default=20, help="requests in flight (default 20)")
    p.add_argument("--warmup", type=int, default=100, help="unmeasured mentions first (default 100)")
    p.add_argument("--repeat", type=int, default=1, help="runs per variant; the best is reported")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for all replies")
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    p.add_argument("--json", dest="json_out", help="also write the results to this JSON file")
    p.add_argument("--profile", choices=list(VARIANTS), help="cProfile the measured part of this variant")
    p.add_argument("--profile-out", default="bench-profile.prof", help="where to write the cProfile stats")
    p.add_argument("--profile-lines", type=int, default=30)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = asyncio.run(main_async(args))
    print(table(results, "bolt-stock"))
    by_name = {r.name: r for r in results}
    ratios = {
        name: round(by_name[name].events_per_s / by_name["bolt-stock"].events_per_s, 3)
        for name in by_name
        if "bolt-stock" in by_name
    }
    if args.json_out:
        payload = {"results": [asdict(r) for r in results], "ratio_to_bolt_stock": ratios, "argv": sys.argv[1:]}
        Path(args.json_out).write_text(json.dumps(payload, indent=2) + "\n")
    if args.profile:
        print_profile(Path(args.profile_out), args.profile_lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
