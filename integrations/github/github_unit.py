"""GitHub as a unit: the token or the App, the API address and the webhook secret; its tools; its `opsbot check` probe
(`GET /user` for a token, `GET /app` and the App's installations for an App)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, SecretStr, model_validator

from bot.core.clock import SystemClock
from bot.core.tool_registry import Tool
from integrations.github.app_auth import AppCredentials, app_credentials
from integrations.github.deploy_gate import gate_tools
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
    # A GitHub App instead of the token (README, "Running as a GitHub App"): its id and private key (PEM, or a file
    # holding it); the installation is looked up per repository owner unless pinned
    github_app_id: int | None = Field(default=None, gt=0)
    github_app_private_key: SecretStr | None = None
    github_app_private_key_file: str | None = None
    github_app_installation_id: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_usable_app_key(self) -> GitHubSettings:
        """Check the App's key at start-up; a key file's content becomes GITHUB_APP_PRIVATE_KEY, a secret like any
        other (redacted by type), so the file is read once."""
        app = self.app()
        if app is not None and self.github_app_private_key_file:
            self.github_app_private_key, self.github_app_private_key_file = SecretStr(app.private_key), None
        return self

    def app(self) -> AppCredentials | None:
        return app_credentials(
            self.github_app_id,
            secret(self.github_app_private_key),
            self.github_app_private_key_file or None,
            self.github_app_installation_id,
        )


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
            app=section.app(),
        )
        return [*github_tools(gateway), *gate_tools(gateway, context.user_name)]

    async def check(self, section: GitHubSettings) -> Probe:
        token, app, url = secret(section.github_token), section.app(), section.github_api_url
        if token is None and app is None:
            unset = "github: GITHUB_TOKEN unset (GitHub tools read public repositories only; set it for the rest)"
            return Probe(ok=True, off=True, line=unset)
        gateway = GitHubGateway(token=None if app else token, base_url=url, clock=SystemClock(), app=app)
        where = f"App {app.app_id} at {url}" if app is not None else url
        try:
            return Probe(ok=True, line=await gateway.check())
        except Exception as exc:
            return Probe(ok=False, line=f"github: {where} ({reason(exc)})", error=exc)


GITHUB = GitHubUnit()
