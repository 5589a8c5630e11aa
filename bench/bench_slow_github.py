"""A slow GitHub: `list prs` per second, and how fast everything else answers meanwhile (see bench/README.md).

    python bench/bench_slow_github.py [--mentions 50] [--samples 20] [--backends sqlite postgresql] [--json out.json]

The whole app on loopback (tests/harness.py: real HTTP to opsbot, real PyGithub to the fake GitHub). Two scenarios:

- **fast**: every GitHub answer takes `--fast-latency` (200 ms); `--mentions` `list prs` mentions are POSTed at once
  and the clock runs until every answer is posted: list prs/s, and the most GitHub requests that were in flight.
- **slow**: every GitHub answer takes `--slow-latency` (10 s); `--background` `list prs` mentions keep GitHub busy
  while `help`, `/ops pending` and an approving click (on a card posted before GitHub became slow) are each sent
  `--samples` times, one at a time: the time from sending to the answer in the fake Slack (for the click: the card
  redrawn), p50 and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from bot.sandbox.fakes.slack_hooks import hook_user  # noqa: E402
from bot.store.engine import make_engine, upgrade_database  # noqa: E402
from tests.approvals_helpers import approval_of, cards  # noqa: E402
from tests.db import create_pg_database, drop_pg_database  # noqa: E402
from tests.fakes.slack_api import Call  # noqa: E402
from tests.harness import Harness  # noqa: E402

LIST = "list prs in acme/api"
ANSWER_TIMEOUT = 30.0  # seconds; an answer slower than this is reported as "> 30 s"


@dataclass
class Latency:
    samples: int
    answered: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass
class Result:
    backend: str
    fast_latency_s: float
    mentions: int
    fast_seconds: float
    list_prs_per_s: float
    fast_max_in_flight: int
    slow_latency_s: float
    background: int
    slow_in_flight: int
    help: Latency
    pending: Latency
    click: Latency


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


def _seed(env: Harness) -> None:
    for number, title in enumerate(("Add health endpoint", "Bump deps", "Fix login redirect"), start=1):
        env.github.add_pr("acme/api", number, title, author="ana", head=f"feat/{number}", checks="passing")


def _list_answers(env: Harness) -> int:
    return sum("3 open pull requests" in str(c.params) for c in env.slack.calls_to("chat.postMessage"))


async def fast(backend: str, *, latency: float, mentions: int) -> tuple[float, int]:
    """Seconds for `mentions` concurrent `list prs` with GitHub answering in `latency` s; most requests in flight."""
    async with database(backend) as url, Harness(url) as env:
        _seed(env)
        env.github.set_latency(latency)
        started = time.perf_counter()
        await asyncio.gather(*(env.driver.mention(LIST, user=f"U{n % 19 + 1}") for n in range(mentions)))
        await env.settle()
        seconds = time.perf_counter() - started
        if _list_answers(env) != mentions:
            raise SystemExit(f"bench: {_list_answers(env)} of {mentions} `list prs` were answered")
        return seconds, env.github.max_in_flight


async def _timed(
    env: Harness, send: Callable[[], Awaitable[object]], method: str, pred: Callable[[Call], bool]
) -> float | None:
    """Seconds from sending to the next call to `method` matching `pred` (None: none within ANSWER_TIMEOUT)."""
    count = len([c for c in env.slack.calls_to(method) if pred(c)]) + 1
    started = time.perf_counter()
    await send()
    try:
        await env.slack.wait_for(method, pred, count=count, timeout=ANSWER_TIMEOUT)
    except AssertionError:
        return None
    return time.perf_counter() - started


def _latency(values: list[float | None]) -> Latency:
    done = sorted(v for v in values if v is not None)
    if len(done) < len(values) or not done:  # some never answered: their p95 is "more than the timeout"
        p95 = None
    else:
        p95 = round(statistics.quantiles(done, n=20, method="inclusive")[-1] * 1000, 1) if len(done) > 1 else done[0]
    p50 = round(statistics.median(done) * 1000, 1) if len(done) * 2 > len(values) else None
    return Latency(samples=len(values), answered=len(done), p50_ms=p50, p95_ms=p95)


async def slow(backend: str, *, latency: float, background: int, samples: int) -> tuple[int, list[Latency]]:
    """help, /ops pending and an approving click while `background` list prs wait on a GitHub answering slowly."""
    async with database(backend) as url, Harness(url) as env:
        _seed(env)
        for n in range(samples):  # the cards to click, posted while GitHub is still quick
            env.github.add_pr("acme/api", 100 + n, f"Change {n}", author="ana")
            await env.driver.mention(f"merge pr {100 + n} in acme/api", user="U1")
        await env.settle()
        to_click = cards(env)
        env.github.set_latency(latency)
        for n in range(background):
            await env.driver.mention(LIST, user=f"U{n % 19 + 1}")
        deadline = time.monotonic() + 5
        while env.github.in_flight < min(background, 8) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # a benchmark, not a test: let the background reach GitHub
        in_flight = env.github.in_flight
        measured = [await _sample(env, n, card) for n, card in enumerate(to_click)]
        env.github.set_latency(0)
        env.github.release_holds()
        return in_flight, [_latency([m[i] for m in measured]) for i in range(3)]


async def _sample(env: Harness, n: int, card: Call) -> tuple[float | None, float | None, float | None]:
    """One `help`, one `/ops pending` and one approving click, one after the other."""
    asked: list[str] = []

    async def ask_help() -> None:
        asked.append((await env.driver.mention("help", user="U4")).payload["event"]["ts"])

    help_s = await _timed(
        env, ask_help, "chat.postMessage", lambda c: bool(asked) and c.params.get("thread_ts") == asked[0]
    )
    user = f"U{n % 10 + 5}"
    pending_s = await _timed(
        env,
        lambda: env.driver.command("pending", user=user),
        "response_url",  # a slash command is answered through its response_url
        lambda c: hook_user(c.params["path"]) == user,
    )
    ts = card.response["ts"]
    click_s = await _timed(
        env,
        lambda: env.driver.click("opsbot.approve", approval_of(card), as_user="U2", message_ts=ts),
        "chat.update",
        lambda c: c.params.get("ts") == ts,
    )
    return help_s, pending_s, click_s


async def measure(backend: str, options: argparse.Namespace) -> Result:
    seconds, max_in_flight = await fast(backend, latency=options.fast_latency, mentions=options.mentions)
    in_flight, (help_, pending, click) = await slow(
        backend, latency=options.slow_latency, background=options.background, samples=options.samples
    )
    return Result(
        backend=backend,
        fast_latency_s=options.fast_latency,
        mentions=options.mentions,
        fast_seconds=round(seconds, 2),
        list_prs_per_s=round(options.mentions / seconds, 2),
        fast_max_in_flight=max_in_flight,
        slow_latency_s=options.slow_latency,
        background=options.background,
        slow_in_flight=in_flight,
        help=help_,
        pending=pending,
        click=click,
    )


def _ms(value: float | None) -> str:
    return f"> {ANSWER_TIMEOUT:.0f} s" if value is None else f"{value:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mentions", type=int, default=50, help="concurrent `list prs` in the fast scenario")
    parser.add_argument("--fast-latency", type=float, default=0.2)
    parser.add_argument("--slow-latency", type=float, default=10.0)
    parser.add_argument("--background", type=int, default=8, help="`list prs` in flight in the slow scenario")
    parser.add_argument("--samples", type=int, default=20, help="help, /ops pending and clicks, each")
    parser.add_argument("--backends", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    results = [asyncio.run(measure(b, options)) for b in options.backends]
    print("| backend | list prs/s (GitHub 200 ms) | GitHub requests in flight | in flight (10 s) | help p50 / p95 "
          "| /ops pending p50 / p95 | click p50 / p95 |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        cells = [f"{_ms(x.p50_ms)} / {_ms(x.p95_ms)}" for x in (r.help, r.pending, r.click)]
        print(
            f"| {r.backend} | {r.list_prs_per_s:g} ({r.mentions} in {r.fast_seconds:g} s) | {r.fast_max_in_flight} "
            f"| {r.slow_in_flight} | " + " | ".join(cells) + " |"
        )
    if options.json:
        options.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
