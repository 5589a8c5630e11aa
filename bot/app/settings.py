"""Settings: the only module that reads the environment (and `.env`)."""

from __future__ import annotations

import logging
import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.app.mcp_settings import McpSettings
from bot.app.placeholders import placeholder_error, required_placeholders
from bot.core.errors import ConfigurationError
from integrations.erp.erp_units import OdooSettings, TrytonSettings
from integrations.github.github_unit import GitHubSettings
from integrations.openai_unit import OpenAISettings
from integrations.slack_unit import SlackSettings
from integrations.unit import secret_values

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///opsbot.db"


class LogSettings(BaseSettings):
    """How opsbot logs (bot.app.logs): read on its own first, so that even a bad setting elsewhere is reported with
    the traceback OPSBOT_LOG_LEVEL=DEBUG asks for."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    opsbot_log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL")
    opsbot_log_format: Literal["json", "text"] | None = Field(default=None, description="unset: text on a terminal")

    @field_validator("opsbot_log_level")
    @classmethod
    def _level_name(cls, value: str) -> str:
        name = value.strip().upper()
        if not isinstance(logging.getLevelName(name), int):
            raise ValueError("not a log level (DEBUG, INFO, WARNING, ERROR, CRITICAL)")
        return name

    @field_validator("opsbot_log_format", mode="before")
    @classmethod
    def _format_name(cls, value: object) -> object:
        return value.strip().lower() or None if isinstance(value, str) else value

    @property
    def log_level(self) -> int:
        level = logging.getLevelName(self.opsbot_log_level)
        return level if isinstance(level, int) else logging.INFO


class Settings(SlackSettings, GitHubSettings, OpenAISettings, TrytonSettings, OdooSettings, McpSettings, LogSettings):
    """Every setting: each integration's section (integrations/*: Slack, GitHub, OpenAI, Tryton, Odoo, inherited
    here so the environment names stay flat) and opsbot's own."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str | None = None
    opsbot_policy: str | None = None
    opsbot_channel_repos: str = Field(default="", description="C123=acme/api,C456=acme/web")
    opsbot_approvers: str = Field(default="", description="comma-separated Slack user ids")
    opsbot_approval_ttl_minutes: int = 120
    opsbot_runbooks: str = "runbooks"
    opsbot_github_people: str = Field(default="", description="ana=U0123ABC,ben=U0456DEF: GitHub login → Slack user")
    # `/ops deploy <environment> [<ref>]` dispatches this workflow with inputs.environment (through approval)
    opsbot_deploy_workflow: str = Field(default="deploy.yml", min_length=1, pattern=r"^[\w./-]+$")
    opsbot_agent_max_turns: int = 8
    opsbot_agent_max_tokens: int = 40_000
    opsbot_agent_requests_per_hour: int = 30
    opsbot_refuse_double_texts_in: str = Field(default="", description="channel ids where a second request is refused")
    opsbot_alertmanager_token: SecretStr | None = None
    opsbot_rules: str | None = None
    opsbot_digest_stale_days: int = 7
    host: str = "0.0.0.0"  # noqa: S104 - a server binds all interfaces unless told otherwise
    port: int = 3000
    otel_exporter_otlp_endpoint: str | None = Field(default=None, description="unset: no tracing (bot.app.tracing)")
    otel_service_name: str = "opsbot"
    opsbot_drain_seconds: float = Field(default=10.0, ge=0, description="after SIGTERM: keep storing, let work end")
    opsbot_lease_seconds: float = Field(default=30.0, ge=3, description="work's lease, renewed every third of it")
    opsbot_slack_delivery_deadline_seconds: float = Field(default=3600.0, gt=0, description="then dead-lettered")
    opsbot_slack_pace_per_second: float = Field(default=1.0, ge=0, description="posts per channel; 0: unpaced")
    opsbot_slack_pace_burst: int = Field(default=10, ge=1, description="posts per channel sent at once")

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def async_database_url(self) -> str:
        return to_async_url(self.database_url or DEFAULT_SQLITE_URL)

    @property
    def channel_repos(self) -> dict[str, str]:
        return parse_channel_repos(self.opsbot_channel_repos)

    @property
    def github_people(self) -> dict[str, str]:
        return parse_github_people(self.opsbot_github_people)

    @property
    def approvers(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.opsbot_approvers.split(",") if u.strip())

    def secret_values(self) -> tuple[str, ...]:
        """Every secret setting's value, found by type (each `SecretStr` field, of every section), so a new one
        cannot be forgotten: these are redacted from logs, Slack messages, prompts and the database."""
        return secret_values(self)

    def require_for_run(self) -> None:
        """Fail with one clear line when a setting the chosen mode needs is missing, or still holds an example
        value from `.env.example` (bot/app/placeholders.py)."""
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN")
        if self.socket_mode:
            pass
        elif self.slack_signing_secret is None:
            missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
        if missing:
            raise ConfigurationError("Missing setting: " + ", ".join(missing) + ". See README, 'Configuration'.")
        if examples := required_placeholders(self):
            raise placeholder_error(examples)
        self.channel_repos  # noqa: B018 - validates the mapping at start-up
        self.github_people  # noqa: B018


def to_async_url(url: str) -> str:
    """Give a plain database URL the async driver opsbot uses (aiosqlite, asyncpg)."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def parse_channel_repos(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for raw in text.replace(";", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        channel, sep, repo = item.partition("=")
        if not sep or "/" not in repo.strip() or not channel.strip():
            raise ConfigurationError(
                f"OPSBOT_CHANNEL_REPOS: {item!r} is not CHANNEL_ID=owner/repo (e.g. C123=acme/api)."
            )
        mapping[channel.strip()] = repo.strip()
    return mapping


SLACK_USER = re.compile(r"^[UW][A-Z0-9]{1,20}$")
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


def parse_github_people(text: str) -> dict[str, str]:
    """`ana=U0123ABC,ben=U0456DEF` → {"ana": "U0123ABC", …}: who a GitHub login is in Slack, so a deployment (or a
    CI failure) someone triggered on GitHub is their request in Slack, and they cannot approve it themselves."""
    mapping: dict[str, str] = {}
    for raw in text.replace(";", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        login, sep, user = (part.strip() for part in item.partition("="))
        if not sep or not GITHUB_LOGIN.match(login) or not SLACK_USER.match(user):
            raise ConfigurationError(
                f"OPSBOT_GITHUB_PEOPLE: {item!r} is not github-login=SLACK_USER_ID (e.g. ana=U0123ABC)."
            )
        mapping[login.lower()] = user
    return mapping
