"""An agent run's state, as stored in its run: the request, the model's turns so far, the tokens they cost, and
the thread message that shows its progress."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from bot.core.jsonvalue import JsonObject


class AgentState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    request: dict[str, JsonValue]
    turns: list[dict[str, JsonValue]] = Field(default_factory=list)
    tokens: int = 0
    status_ts: str | None = None

    @classmethod
    def of(cls, stored: JsonObject | None) -> AgentState:
        return cls.model_validate(stored or {"request": {}})

    def stored(self) -> JsonObject:
        data: JsonObject = self.model_dump(mode="json", exclude_none=True)
        return data
