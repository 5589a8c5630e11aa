"""A few process counters, served as Prometheus text at GET /metrics."""

from __future__ import annotations

from collections import Counter

KNOWN = (  # shown from the start, at 0, so a scrape before the first event already lists them
    "opsbot_inbox_accepted_total",
    "opsbot_inbox_duplicates_total",
    "opsbot_inbox_failed_total",
    "opsbot_slack_requests_total",
    "opsbot_slack_rejected_total",
    "opsbot_slack_malformed_total",
    "opsbot_slack_unhandled_total",
)


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter({name: 0 for name in KNOWN})

    def inc(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def render(self) -> str:
        lines = []
        for name in sorted(self.counters):
            lines += [f"# TYPE {name} counter", f"{name} {self.counters[name]}"]
        return "\n".join(lines) + "\n"


METRICS = Metrics()
