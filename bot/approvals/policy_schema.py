"""The policy file's shape as pydantic models (`extra="forbid"`, strict types): what each key may hold."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from bot.approvals import approver_specs as specs
from bot.core.durations import parse_duration


def _as_list(value: Any) -> Any:
    """A single value where a list is expected is a list of one: `tools: create_issue`."""
    return [value] if isinstance(value, str) else value


def _duration(value: Any, info: ValidationInfo) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"`{info.field_name}` must be a duration with a unit, like 30m or 2h, not {value!r}")
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ValueError(f"`{info.field_name}`: {exc}") from None


def _channel(value: Any, info: ValidationInfo) -> str:
    return specs.channel(value, info.field_name or "only_in")


def _pattern(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"each entry of `{info.field_name}` must be a non-empty name or pattern, not {value!r}")
    return value.strip()


def _repo(value: Any, info: ValidationInfo) -> str:
    text = _pattern(value, info)
    if "/" not in text and text != "*":
        raise ValueError(f"`{text}` in `repos` is not a repository: write `owner/name` or a pattern like `acme/*`")
    return text


def _approver_list(value: list[str]) -> list[str]:
    if not value:
        raise ValueError(f"`approvers` is empty: write `{specs.ANYONE}`, `channel` or a list of users and groups")
    if specs.ANYONE in value and len(value) > 1:
        raise ValueError(f"`{specs.ANYONE}` can't be combined with other approvers")
    return value


def _requester_list(value: list[str]) -> list[str]:
    if not value:
        raise ValueError(f"`requesters` is empty: write `{specs.ANYONE}`, `channel` or a list of users and groups")
    if specs.ANYONE in value and len(value) > 1:
        raise ValueError(f"`{specs.ANYONE}` can't be combined with other requesters")
    return value


def _external(value: Any) -> str:
    if value not in ("allow", "deny"):
        raise ValueError(f"`external_users` must be `allow` or `deny`, not {value!r}")
    return str(value)


def _tool_list(value: list[str]) -> list[str]:
    if not value:
        raise ValueError('`tools` is empty: name at least one tool, or "*" for every tool')
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
ChannelSpecs = Annotated[list[Annotated[str, BeforeValidator(_channel)]], BeforeValidator(_as_list)]
Approvers = Annotated[
    list[Annotated[str, BeforeValidator(specs.approver)]], BeforeValidator(_as_list), AfterValidator(_approver_list)
]
Requesters = Annotated[
    list[Annotated[str, BeforeValidator(specs.requester)]], BeforeValidator(_as_list), AfterValidator(_requester_list)
]
ExternalUsers = Annotated[str, BeforeValidator(_external)]
Escalation = Annotated[list[Annotated[str, BeforeValidator(specs.escalation)]], BeforeValidator(_as_list)]
Tools = Annotated[
    list[Annotated[str, BeforeValidator(_pattern)]], BeforeValidator(_as_list), AfterValidator(_tool_list)
]
Repos = Annotated[list[Annotated[str, BeforeValidator(_repo)]], BeforeValidator(_as_list)]
Environment = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Environments = Annotated[list[Environment], BeforeValidator(_as_list)]


class Settings(BaseModel):
    """What a rule decides; `None` means "not written here" (inherited)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    approvers: Approvers | None = None
    required: int | None = None
    expires_after: Duration | None = None
    remind_before: Duration | None = None
    requester_may_approve: bool | None = None
    escalate_to: Escalation | None = None
    only_in: ChannelSpecs | None = None
    requesters: Requesters | None = None
    external_users: ExternalUsers | None = None

    @field_validator("required")
    @classmethod
    def _at_least_one(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"`required` must be at least 1, not {value}")
        return value


class Defaults(Settings):
    """The `defaults:` section."""


class Rule(Settings):
    """One entry of `rules:`: what it matches, and the settings it overrides."""

    name: str | None = None
    tools: Tools
    repos: Repos | None = None
    environments: Environments | None = None  # a deployment's environment (the call's `environment` argument)
    channels: ChannelSpecs | None = None

    @field_validator("name")
    @classmethod
    def _named(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("`name` is empty: leave it out or give the rule a name")
        return value.strip() if value is not None else None


class PolicyFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    defaults: Defaults | None = None
    rules: list[Rule] | None = None


SETTINGS = tuple(Settings.model_fields)
MATCHERS = tuple(name for name in Rule.model_fields if name not in Settings.model_fields)
