"""A runbook run's cursor, as stored in its run's state: which phase and step it is at, the loop in flight, the
results so far, a retry's due time and the failure that switched it to `on_failure`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from bot.core.jsonvalue import JsonObject


class Failure(BaseModel):
    step: str
    error: str
    message: str = ""
    tool: str | None = None


class Batch(BaseModel):
    """One step's items (a single `None` item without `for_each`): to do, running (index → step id), done."""

    items: list[JsonValue]
    todo: list[int]
    done: dict[str, JsonValue] = Field(default_factory=dict)
    running: dict[str, str] = Field(default_factory=dict)
    attempt: int = 0


class RunbookState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    runbook: str
    inputs: dict[str, JsonValue] = Field(default_factory=dict)
    phase: Literal["steps", "on_failure"] = "steps"
    cursor: int = 0
    results: dict[str, JsonValue] = Field(default_factory=dict)
    batch: Batch | None = None
    retry_at: datetime | None = None
    failure: Failure | None = None
    outputs: dict[str, JsonValue] | None = None
    status_ts: str | None = None  # the thread message that shows its progress (bot.agent.progress)

    @classmethod
    def of(cls, stored: JsonObject | None) -> RunbookState:
        return cls.model_validate(stored or {})

    def stored(self) -> JsonObject:
        data: JsonObject = self.model_dump(mode="json", exclude_none=True)
        return data
