"""Slack refusing posts: every answer delivered once afterwards, none replaced by an error (see bench/README.md).

    python bench/bench_slack_faults.py [--window 12] [--mentions 20] [--share-mentions 100] [--backends sqlite]

The whole app on loopback (tests/harness.py: real HTTP to opsbot, real slack_sdk to the fake Slack). Two scenarios:

- **window**: the fake answers every `chat.postMessage` with 429 (Retry-After 1) for `--window` seconds while
  `--mentions` `help` mentions arrive at once: answers delivered, answers posted twice, error replies, 429s received,
  and how long after the window ended the last answer arrived.
- **share**: a tenth of `chat.postMessage` calls answered 500 (seeded), `--share-mentions` mentions: the same counts.

The harness turns pacing off (one channel, dozens of answers at once); with the production pacing (1/s per channel,
bursts of 10) the last answers of one channel follow the window by another (N - 10) seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from bench.bench_slow_github import database  # noqa: E402
from tests.harness import Harness  # noqa: E402

HELP = "Here is what I can do."


@dataclass
class Outcome:
    scenario: str
    backend: str
    mentions: int
    delivered_once: int
    posted_twice: int
    error_replies: int
    refused_calls: int
    seconds: float  # window: from the window's end to the last answer; share: from the first mention to the last


async def run(backend: str, scenario: str, mentions: int, window: float) -> Outcome:
    async with database(backend) as url, Harness(url) as env:
        assert env.bot is not None
        if scenario == "window":
            env.slack.refuse_for("chat.postMessage", window, retry_after=1)
        else:
            env.slack.fail_share("chat.postMessage", 0.1, status=500, seed=7)
        started = time.monotonic()
        sent = [await env.driver.mention("help", user="U1", channel="C1") for _ in range(mentions)]
        await env.settle()
        ended = time.monotonic()
        threads = [str(r.payload["event"]["ts"]) for r in sent]
        in_slack = Counter(m.get("thread_ts") for m in env.slack.messages("C1") if m.get("bot_id"))
        said = [str(c.params.get("text")) for c in env.slack.calls if c.method.startswith("chat.") and c.ok]
        return Outcome(
            scenario=scenario,
            backend=backend,
            mentions=mentions,
            delivered_once=sum(in_slack[t] == 1 for t in threads),
            posted_twice=sum(in_slack[t] > 1 for t in threads),
            error_replies=sum("went wrong" in text for text in said),
            refused_calls=sum(not c.ok for c in env.slack.calls_to("chat.postMessage")),
            seconds=round(ended - (started + window if scenario == "window" else started), 2),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--window", type=float, default=12.0, help="seconds every post is refused with 429")
    parser.add_argument("--mentions", type=int, default=20)
    parser.add_argument("--share-mentions", type=int, default=100)
    parser.add_argument("--backends", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    results = []
    for backend in options.backends:
        results.append(asyncio.run(run(backend, "window", options.mentions, options.window)))
        results.append(asyncio.run(run(backend, "share", options.share_mentions, 0.0)))
    print("| scenario | backend | answers delivered once | posted twice | error replies | refused calls | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        what = f"429 for {options.window:g} s" if r.scenario == "window" else "10 % answered 500"
        print(
            f"| {what} | {r.backend} | {r.delivered_once} of {r.mentions} | {r.posted_twice} | {r.error_replies} "
            f"| {r.refused_calls} | {r.seconds:g} |"
        )
    if options.json:
        options.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
