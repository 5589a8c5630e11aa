"""GitHub as a unit: the token, the API address and the webhook secret; its tools; `GET /user` as its probe."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, SecretStr

from bot.core.clock import SystemClock
from bot.core.tool_registry import Tool
from integrations.github.gateway import GitHubGateway
from integrations.github.github_pool import DEFAULT_MAX_CONCURRENT_CALLS
from integrations.github.github_tools import github_tools
from integrations.unit import Probe, Section, ToolContext, Unit, reason, secret


class GitHubSettings(Section):
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_webhook_secret: SecretStr | None = None
    # GitHub calls in flight at once for this installation (GitHub asks for at most 100 concurrent requests)
    github_max_concurrent_calls: int = Field(default=DEFAULT_MAX_CONCURRENT_CALLS, ge=1, le=100)


class GitHubUnit(Unit[GitHubSettings]):
    name = "github"
    section = GitHubSettings

    def tools(self, section: GitHubSettings, context: ToolContext) -> Sequence[Tool]:
        """Always offered: without a token, GitHub answers public reads and refuses the rest with a clear error."""
        gateway = GitHubGateway(
            secret(section.github_token),
            section.github_api_url,
            context.clock,
            max_concurrent_calls=section.github_max_concurrent_calls,
        )
        return github_tools(gateway)

    async def check(self, section: GitHubSettings) -> Probe:
        token = secret(section.github_token)
        if token is None:
            unset = "github: GITHUB_TOKEN unset (GitHub tools read public repositories only; set it for the rest)"
            return Probe(ok=True, off=True, line=unset)
        gateway = GitHubGateway(token=token, base_url=section.github_api_url, clock=SystemClock())
        try:
            return Probe(ok=True, line=await gateway.check())
        except Exception as exc:
            return Probe(ok=False, line=f"github: {section.github_api_url} ({reason(exc)})", error=exc)


GITHUB = GitHubUnit()
