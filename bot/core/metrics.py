"""A few process counters, served as Prometheus text at GET /metrics."""

from __future__ import annotations

from collections import Counter


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()

    def inc(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def render(self) -> str:
        lines = []
        for name in sorted(self.counters):
            lines += [f"# TYPE {name} counter", f"{name} {self.counters[name]}"]
        return "\n".join(lines) + "\n"


METRICS = Metrics()
