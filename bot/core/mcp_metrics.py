"""MCP calls on /metrics: by tool (a name the registry does not know counts as `unknown`: a client's words must not
make new series) and outcome (ok, error)."""

from __future__ import annotations

from prometheus_client import Counter

from bot.core.metrics import REGISTRY

MCP_CALLS = Counter(
    "opsbot_mcp_calls_total",
    "Tool calls MCP clients made, by tool (`unknown` for a name opsbot has no tool for) and outcome: ok, or error "
    "(refused, invalid, rejected, expired, failed)",
    ["tool", "outcome"],
    registry=REGISTRY,
)


def mcp_called(tool: str, known: bool, *, error: bool) -> None:
    MCP_CALLS.labels(tool if known else "unknown", "error" if error else "ok").inc()
