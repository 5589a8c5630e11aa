"""GitHub's rate-limit budget as its answers give it, on /metrics: gauges per resource (core REST, graphql)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from prometheus_client import Counter, Gauge

from bot.core.metrics import REGISTRY

RESOURCES = ("core", "graphql")
RESERVE = 100  # requests (or points) of a budget kept for people: below it, work that can wait (digests) waits
RESERVE_SHARE = 0.05  # …or below this share of the limit, whichever is more


@dataclass(frozen=True, kw_only=True)
class Budget:
    """GitHub's budget for one resource as its last answer said (for the whole process: the last installation's)."""

    resource: str
    remaining: int
    limit: int
    reset: float  # Unix seconds


_LAST: dict[str, Budget] = {}

RATE_REMAINING = Gauge(
    "opsbot_github_rate_limit_remaining",
    "Requests (REST) or points (GraphQL) left in GitHub's hourly budget, by resource, as its last answer said "
    "(X-RateLimit-Remaining, or the GraphQL `rateLimit` field); NaN before the first answer",
    ["resource"],
    registry=REGISTRY,
)
RATE_LIMIT = Gauge(
    "opsbot_github_rate_limit_limit",
    "GitHub's hourly budget, by resource (X-RateLimit-Limit, or `rateLimit.limit`); NaN before the first answer",
    ["resource"],
    registry=REGISTRY,
)
RATE_RESET = Gauge(
    "opsbot_github_rate_limit_reset_timestamp_seconds",
    "When GitHub's budget resets, by resource, in Unix seconds (X-RateLimit-Reset, or `rateLimit.resetAt`)",
    ["resource"],
    registry=REGISTRY,
)
NOT_MODIFIED = Counter(
    "opsbot_github_not_modified_total",
    "REST reads GitHub answered 304 Not Modified (served from opsbot's ETag cache; they cost no rate limit)",
    registry=REGISTRY,
)

for _resource in RESOURCES:
    for _gauge in (RATE_REMAINING, RATE_LIMIT, RATE_RESET):
        _gauge.labels(_resource).set(math.nan)


def github_rate_limit(resource: str, *, remaining: int, limit: int, reset: float) -> None:
    """Note GitHub's budget for `resource`; an answer without the headers (-1 from PyGithub) changes nothing."""
    if remaining < 0 or limit <= 0:
        return
    RATE_REMAINING.labels(resource).set(remaining)
    RATE_LIMIT.labels(resource).set(limit)
    RATE_RESET.labels(resource).set(reset)
    _LAST[resource] = Budget(resource=resource, remaining=remaining, limit=limit, reset=reset)


def low_budget(now: float) -> Budget | None:
    """A budget below its reserve until a reset still to come (the one resetting last, when several are): what
    work that can wait should wait for. None when GitHub has room, or has not said yet."""
    low = [b for b in _LAST.values() if b.reset > now and b.remaining < max(RESERVE, b.limit * RESERVE_SHARE)]
    return max(low, key=lambda b: b.reset, default=None)


def forget_budgets() -> None:
    """Before a test, or after GitHub's credentials changed: nothing known."""
    _LAST.clear()
