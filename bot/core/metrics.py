"""opsbot's Prometheus metrics, served at GET /metrics (README, "Deploying", **Metrics.**).

One registry of opsbot's own (`REGISTRY`), never prometheus_client's global one: it holds these metrics and the
process, GC and platform collectors, and nothing a library registers by itself. Every metric has help text; the
labelled ones are created at 0 for every label value known in advance, so a scrape before the first event already
lists them. The gauges that come from the database are read when /metrics is scraped (`scrape`). Latencies are
measured on the process's monotonic clock (`time.perf_counter`), not the injectable `Clock` (which does not move in
tests); the wait for an approval decision is the app's clock, like the approval's own times.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics import MetricWrapperBase

from bot.core.errors import OutcomeUnknown, ToolError

log = logging.getLogger(__name__)
T = TypeVar("T")

# no `*_created` series beside every counter and histogram: twice the lines, of no use here
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
CONTENT_TYPE = CONTENT_TYPE_LATEST

# what names a Slack request (bot.edges.slack_gate.surface_of), and how the edge answered it
SLACK_SURFACES = ("command", "event", "action", "view", "options", "shortcut", "other", "unknown")
SLACK_OUTCOMES = ("accepted", "unhandled", "malformed", "rejected", "failed")
WEBHOOK_SOURCES = ("github", "alertmanager")
WEBHOOK_OUTCOMES = ("accepted", "duplicate", "ping", "malformed", "rejected", "failed")
INBOX_SOURCES = (  # bot.core.domain.Source
    "slack.command", "slack.mention", "slack.dm", "slack.reaction", "slack.action", "slack.view", "github",
    "alertmanager", "schedule",
)  # fmt: skip
TOOL_OUTCOMES = ("ok", "error", "unknown", "crashed", "refused", "cancelled")
DECISIONS = ("approved", "rejected", "expired", "superseded")
STATUS_CLASSES = ("2xx", "4xx", "5xx")  # at 0 from the start; a 1xx or 3xx is counted too

SLACK_REQUESTS = Counter(
    "opsbot_slack_requests_total",
    "Slack requests to POST /slack/events, by surface and by how the edge answered: accepted (stored in the inbox "
    "and acknowledged), unhandled (acknowledged, nothing to do), malformed (not Slack's shape), rejected (bad or "
    "stale signature), failed (503, could not be stored: Slack retries)",
    ["surface", "outcome"],
    registry=REGISTRY,
)
SLACK_ACK = Histogram(
    "opsbot_slack_ack_duration_seconds",
    "Time from receiving a Slack request to answering it, by surface (Slack gives up after 3 s)",
    ["surface"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
    registry=REGISTRY,
)
WEBHOOKS = Counter(
    "opsbot_webhooks_total",
    "Webhook deliveries, by source (github, alertmanager) and outcome: accepted (stored), duplicate (stored before), "
    "ping, malformed, rejected (signature or token), failed (503, could not be stored)",
    ["source", "outcome"],
    registry=REGISTRY,
)
HTTP_RESPONSES = Counter(
    "opsbot_http_responses_total",
    "HTTP responses opsbot answered, by route (unmatched paths as `other`) and status class (1xx … 5xx)",
    ["route", "status_class"],
    registry=REGISTRY,
)
INBOX_EVENTS = Counter(
    "opsbot_inbox_events_total",
    "Events offered to the inbox, by source and outcome: accepted (stored) or duplicate (its dedupe key was seen)",
    ["source", "outcome"],
    registry=REGISTRY,
)
INBOX_HANDLED = Counter(
    "opsbot_inbox_handled_total",
    "Inbox events handled by a worker, by source and outcome (ok, failed: the handler raised)",
    ["source", "outcome"],
    registry=REGISTRY,
)
TOOL_CALLS = Counter(
    "opsbot_tool_calls_total",
    "Tool calls, by tool and outcome: ok, error (the tool said why), unknown (outcome unknown), crashed "
    "(unexpected exception), refused (not approved, or the requester may not ask), cancelled (the process stopped)",
    ["tool", "outcome"],
    registry=REGISTRY,
)
TOOL_DURATION = Histogram(
    "opsbot_tool_duration_seconds",
    "Time a tool call took, by tool",
    ["tool"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
    registry=REGISTRY,
)
APPROVALS_REQUESTED = Counter(
    "opsbot_approvals_requested_total", "Approval cards posted (risky steps waiting for a decision)", registry=REGISTRY
)
APPROVALS = Counter(
    "opsbot_approvals_total",
    "Approval requests decided, by decision: approved (quorum reached), rejected, expired (not enough approvals "
    "before the deadline), superseded (replaced by an edited request)",
    ["decision"],
    registry=REGISTRY,
)
APPROVAL_WAIT = Histogram(
    "opsbot_approval_decision_seconds",
    "Time from an approval card being posted to its decision, by decision",
    ["decision"],
    buckets=(5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0, 86400.0),
    registry=REGISTRY,
)
MODEL_DURATION = Histogram(
    "opsbot_model_request_duration_seconds",
    "Time a language model chat completion took (the client's retries included), by outcome (ok, error)",
    ["outcome"],
    buckets=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0),
    registry=REGISTRY,
)
MODEL_TOKENS = Histogram(
    "opsbot_model_tokens",
    "Tokens per language model chat completion, by kind (prompt, completion); the sum is the tokens used",
    ["kind"],
    buckets=(64.0, 256.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0, 32768.0, 65536.0, 131072.0),
    registry=REGISTRY,
)
DB_PINGS = Counter("opsbot_db_pings_total", "Pings of pooled PostgreSQL connections that sat idle", registry=REGISTRY)
DB_REPLACED = Counter(
    "opsbot_db_connections_replaced_total",
    "Pooled PostgreSQL connections found closed or dead at checkout and replaced",
    registry=REGISTRY,
)
APPROVALS_PENDING = Gauge(
    "opsbot_approvals_pending", "Approval requests waiting for a decision (read at scrape time)", registry=REGISTRY
)
INBOX_BACKLOG = Gauge(
    "opsbot_inbox_backlog",
    "Inbox events stored and not finished, by status: pending (waiting for a worker), processing (claimed)",
    ["status"],
    registry=REGISTRY,
)
OLDEST_PENDING = Gauge(
    "opsbot_inbox_oldest_pending_age_seconds",
    "Age of the oldest inbox event waiting for a worker (pending, or claimed under a lease that ran out); 0 when "
    "none waits",
    registry=REGISTRY,
)
LEASES = Gauge(
    "opsbot_leases_held",
    "Leases held and not expired, by kind: inbox (an event claimed by a worker), agent_turn (a run's model turn)",
    ["kind"],
    registry=REGISTRY,
)
GAUGE_FAILURES = Counter(
    "opsbot_metrics_database_failures_total",
    "Scrapes whose database gauges could not be read (they show NaN until the next scrape that can)",
    registry=REGISTRY,
)


def _at_zero(metric: MetricWrapperBase, *values: Sequence[str]) -> None:
    """Create a labelled metric's series for every combination of these label values, at 0."""
    for labels in itertools.product(*values):
        metric.labels(*labels)


_at_zero(SLACK_REQUESTS, SLACK_SURFACES, SLACK_OUTCOMES)
_at_zero(SLACK_ACK, SLACK_SURFACES)
_at_zero(WEBHOOKS, WEBHOOK_SOURCES, WEBHOOK_OUTCOMES)
_at_zero(INBOX_EVENTS, INBOX_SOURCES, ("accepted", "duplicate"))
_at_zero(INBOX_HANDLED, INBOX_SOURCES, ("ok", "failed"))
_at_zero(APPROVALS, DECISIONS)
_at_zero(APPROVAL_WAIT, DECISIONS)
_at_zero(MODEL_DURATION, ("ok", "error"))
_at_zero(MODEL_TOKENS, ("prompt", "completion"))
_at_zero(INBOX_BACKLOG, ("pending", "processing"))
_at_zero(LEASES, ("inbox", "agent_turn"))


def known_tools(names: Iterable[str]) -> None:
    """Show every tool's calls and latency at 0 from the start (the composition root knows the registry)."""
    tools = tuple(names)
    _at_zero(TOOL_DURATION, tools)
    _at_zero(TOOL_CALLS, tools, TOOL_OUTCOMES)


def known_routes(routes: Iterable[str]) -> None:
    _at_zero(HTTP_RESPONSES, tuple(routes), STATUS_CLASSES)


def slack_answered(surface: str, outcome: str, started: float) -> None:
    """One Slack request answered; `started` is `time.perf_counter()` when it arrived."""
    SLACK_REQUESTS.labels(surface, outcome).inc()
    SLACK_ACK.labels(surface).observe(time.perf_counter() - started)


def http_answered(route: str, status: int) -> None:
    HTTP_RESPONSES.labels(route, f"{min(max(status // 100, 1), 5)}xx").inc()


async def tool_call(tool: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run one tool call, counted by outcome and timed; what it raises is raised again."""
    started, outcome = time.perf_counter(), "crashed"
    try:
        result = await call()
        outcome = "ok"
        return result
    except OutcomeUnknown:
        outcome = "unknown"
        raise
    except ToolError:
        outcome = "error"
        raise
    except asyncio.CancelledError:
        outcome = "cancelled"
        raise
    finally:
        TOOL_DURATION.labels(tool).observe(time.perf_counter() - started)
        TOOL_CALLS.labels(tool, outcome).inc()


def tool_refused(tool: str) -> None:
    TOOL_CALLS.labels(tool, "refused").inc()


def decided(decision: str, waited: timedelta) -> None:
    """An approval request decided (`DECISIONS`), `waited` after its card was posted."""
    APPROVALS.labels(decision).inc()
    APPROVAL_WAIT.labels(decision).observe(max(waited.total_seconds(), 0.0))


def model_answered(outcome: str, seconds: float, *, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
    MODEL_DURATION.labels(outcome).observe(seconds)
    if outcome == "ok":
        MODEL_TOKENS.labels("prompt").observe(prompt_tokens)
        MODEL_TOKENS.labels("completion").observe(completion_tokens)


@dataclass(frozen=True, kw_only=True)
class Backlog:
    """What the database says when /metrics is scraped (bot.store.gauges.read_backlog)."""

    approvals_pending: int
    inbox_pending: int
    inbox_processing: int
    oldest_pending_seconds: float
    inbox_leases: int
    turn_leases: int


def set_backlog(backlog: Backlog | None) -> None:
    """The database gauges; None (the database did not answer) shows them as NaN rather than as stale numbers."""
    nan = math.nan
    APPROVALS_PENDING.set(nan if backlog is None else backlog.approvals_pending)
    INBOX_BACKLOG.labels("pending").set(nan if backlog is None else backlog.inbox_pending)
    INBOX_BACKLOG.labels("processing").set(nan if backlog is None else backlog.inbox_processing)
    OLDEST_PENDING.set(nan if backlog is None else backlog.oldest_pending_seconds)
    LEASES.labels("inbox").set(nan if backlog is None else backlog.inbox_leases)
    LEASES.labels("agent_turn").set(nan if backlog is None else backlog.turn_leases)


async def scrape(backlog: Callable[[], Awaitable[Backlog]] | None = None) -> bytes:
    """The text exposition of `REGISTRY`, after reading the database gauges with `backlog`. A database that does
    not answer never fails the scrape: one WARNING line, and those gauges are NaN."""
    if backlog is not None:
        try:
            set_backlog(await backlog())
        except Exception:
            log.warning("metrics: could not read the database gauges", exc_info=True)
            GAUGE_FAILURES.inc()
            set_backlog(None)
    return generate_latest(REGISTRY)
