"""opsbot's MCP server (README, "Use opsbot from your agent"): off unless `OPSBOT_MCP=on`."""

from __future__ import annotations

from pydantic import Field, SecretStr

from integrations.unit import Section


class McpSettings(Section):
    opsbot_mcp: bool = Field(default=False, description="on: serve opsbot's tools over MCP at /mcp")
    # browsers send Origin: only these may call /mcp (comma-separated, e.g. https://ops.example.com); agents send none
    opsbot_mcp_allowed_origins: str = ""
    opsbot_mcp_calls_per_minute: int = Field(default=60, ge=1, le=10_000, description="per token, per replica")
    opsbot_mcp_open_requests: int = Field(default=5, ge=1, le=1000, description="per token: risky calls waiting")
    opsbot_mcp_wait_seconds: float = Field(default=300.0, ge=0, le=3600, description="then the call says pending")
    opsbot_mcp_token: SecretStr | None = None  # `opsbot mcp` (stdio): the token it acts with

    @property
    def mcp_origins(self) -> frozenset[str]:
        return frozenset(o.strip().rstrip("/") for o in self.opsbot_mcp_allowed_origins.split(",") if o.strip())
