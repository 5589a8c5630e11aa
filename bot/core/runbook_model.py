"""The runbook file format, as pydantic models (unknown keys are errors)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from bot.core.durations import parse_duration

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
STEP_ID = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ERROR_CLASSES = {"rate_limited", "upstream_error", "not_found", "permission_denied", "conflict", "invalid_arguments"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputSpec(Strict):
    type: Literal["string", "integer", "number", "boolean"] = "string"
    required: bool = False
    default: Any = None
    description: str = ""
    choices: list[Any] | None = None


class RetrySpec(Strict):
    count: int = Field(default=2, ge=0, le=10)
    backoff: str = "10s"
    on: list[str] = Field(default_factory=lambda: ["rate_limited", "upstream_error"])

    @field_validator("backoff")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("on")
    @classmethod
    def _classes(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - ERROR_CLASSES)
        if unknown:
            raise ValueError(f"unknown error class {unknown[0]!r}; use one of {', '.join(sorted(ERROR_CLASSES))}")
        return value


class StepSpec(Strict):
    id: str | None = None
    tool: str | None = None
    args: dict[str, JsonValue] = Field(default_factory=dict)
    notify: str | None = None
    approval: str | None = None
    when: str | None = None
    for_each: str | None = None
    concurrency: int = Field(default=1, ge=1, le=10)
    retry: RetrySpec | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not STEP_ID.match(value):
            raise ValueError("a step id is lower-case letters, digits and _ (it is used as `steps.<id>`)")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> StepSpec:
        kinds = [k for k in ("tool", "notify", "approval") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a step has exactly one of `tool`, `notify` or `approval`")
        if self.args and self.tool is None:
            raise ValueError("`args` belongs to a `tool` step")
        return self

    @property
    def kind(self) -> str:
        return "tool" if self.tool else "notify" if self.notify is not None else "approval"


class RunbookFile(Strict):
    name: str
    description: str = ""
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(min_length=1)
    on_failure: list[StepSpec] = Field(default_factory=list)
    outputs: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("a runbook name is lower-case letters, digits, - and _ (e.g. ci-failure)")
        return value


@dataclass(frozen=True, kw_only=True)
class Runbook:
    spec: RunbookFile
    source: str
    unavailable: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name
