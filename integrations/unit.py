"""An external system as one unit: its settings section, its secrets, its tools and its `opsbot check` probe.

Each integration (Slack, GitHub, OpenAI, Tryton, Odoo) is one `Unit`. Its `section` is a pydantic model of the
settings it reads (the composed `Settings` inherits every section, so the environment names stay flat:
`GITHUB_TOKEN`, `TRYTON_URL`…); its secrets are found by type — every `SecretStr` field of its section — so a new
secret setting is redacted without anyone listing it; `tools` is what it offers the registry; `check` is its line
in `opsbot check`. The composition root (bot.app.wiring, bot.app.checks) walks the list of units and nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

import aiohttp
from pydantic import BaseModel, ConfigDict, SecretStr

from bot.core.clock import Clock
from bot.core.tool_registry import Tool

UserName = Callable[[str], Awaitable[str | None]]


class Section(BaseModel):
    """The settings one integration reads: a slice of `Settings`, by field name."""

    model_config = ConfigDict(extra="ignore")


def secret_values(settings: BaseModel, section: type[BaseModel] | None = None) -> tuple[str, ...]:
    """The value of every `SecretStr` field that is set — of `section`'s fields only, when given."""
    values = (getattr(settings, name) for name in (section or type(settings)).model_fields)
    return tuple(v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value())


def secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() or None if value is not None else None


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """What building an integration's tools may use: the shared HTTP session, the clock, and a Slack user's name for
    text written outside Slack (None when unknown; without a directory, nobody is named)."""

    http: aiohttp.ClientSession
    clock: Clock
    user_name: UserName | None = None


@dataclass(frozen=True, kw_only=True)
class Probe:
    """One line of `opsbot check`; never a secret in it. `off`: an optional integration left unset (`[off ]`, not a
    failure). `error`: what failed, for bot.app.checks to say in words (`line` is the short fallback)."""

    ok: bool
    line: str
    off: bool = False
    error: Exception | None = None


S = TypeVar("S", bound=Section)


class Unit(Generic[S]):
    name: ClassVar[str]
    section: type[S]
    exclusive: ClassVar[str | None] = None  # units of one group (the ERP) cannot be configured together

    def of(self, settings: BaseModel) -> S:
        """This unit's section of the composed settings."""
        return self.section.model_validate(settings, from_attributes=True)

    def secrets(self, settings: BaseModel) -> tuple[str, ...]:
        return secret_values(self.of(settings), self.section)

    def configured(self, section: S) -> bool:
        return True

    def tools(self, section: S, context: ToolContext) -> Sequence[Tool]:
        return ()

    async def check(self, section: S) -> Probe:
        raise NotImplementedError


def reason(exc: Exception) -> str:
    """What went wrong, for a probe line: an API's error code when it gave one, else the exception's type."""
    response = getattr(exc, "response", None)
    error = response.get("error") if response is not None and hasattr(response, "get") else None
    return str(error or type(exc).__name__)
