"""New runs and what they record: ids, the run for an event, the trigger in the first audit row, default previews."""

from __future__ import annotations

import uuid
from datetime import datetime

from bot.core.domain import Event, RunKind, RunRecord, RunStatus, StepRecord
from bot.core.jsonvalue import JsonObject
from bot.core.tool_registry import Preview, ToolResult


def new_id() -> str:
    return uuid.uuid4().hex


def trigger_of(event: Event) -> JsonObject:
    """What started a run, for its first audit row."""
    return {"source": event.source.value, "type": event.type, "channel": event.channel, "text": event.text}


def run_row(
    run_id: str,
    event: Event,
    *,
    inbox_id: int | None,
    thread_ts: str | None,
    now: datetime,
    kind: RunKind = RunKind.GRAMMAR,
    state: JsonObject | None = None,
    status: RunStatus = RunStatus.RUNNING,
) -> RunRecord:
    """A new run for this event: a command, the AI agent or a runbook."""
    return RunRecord(
        id=run_id,
        inbox_id=inbox_id,
        source=event.source.value,
        team_id=event.team_id,
        actor=event.actor,
        channel=event.channel,
        thread_ts=thread_ts,
        text=event.text,
        status=status,
        created_at=now,
        updated_at=now,
        kind=kind,
        state=state,
        actor_team_id=event.user_team_id,
    )


def default_preview(step: StepRecord) -> Preview:
    return Preview(title=step.tool, fields=tuple((k, str(v)) for k, v in step.args.items()))


def result_data(result: ToolResult) -> JsonObject:
    """A successful step's stored result."""
    return {"text": result.text, "data": result.data, "link": result.link}
