"""Domain values shared by every layer: the event envelope, runs, steps and approvals."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Source(enum.StrEnum):
    SLACK_COMMAND = "slack.command"
    SLACK_MENTION = "slack.mention"
    SLACK_DM = "slack.dm"
    SLACK_REACTION = "slack.reaction"
    SLACK_ACTION = "slack.action"
    SLACK_VIEW = "slack.view"
    GITHUB = "github"
    ALERTMANAGER = "alertmanager"
    SCHEDULE = "schedule"


class InboxStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    WAITING_APPROVAL = "waiting_approval"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


class StepStatus(enum.StrEnum):
    PENDING = "pending"
    WAITING_APPROVAL = "waiting_approval"
    APPROVED = "approved"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True, kw_only=True)
class Event:
    """One trigger, whatever its source. `dedupe_key` is unique across all events ever accepted."""

    source: Source
    type: str
    dedupe_key: str
    team_id: str
    actor: str
    channel: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    text: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ToolCall:
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    id: str
    team_id: str
    actor: str
    channel: str | None
    thread_ts: str | None
    status: RunStatus
    text: str


@dataclass(frozen=True, kw_only=True)
class StepRecord:
    id: str
    run_id: str
    position: int
    tool: str
    args: dict[str, Any]
    risk: str
    status: StepStatus
    result: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class ApprovalRecord:
    id: str
    run_id: str
    step_id: str
    team_id: str
    channel: str | None
    thread_ts: str | None
    message_ts: str | None
    requester: str
    action_hash: str
    status: ApprovalStatus
    required: int
    approvers: tuple[str, ...]
    expires_at: Any
    approved_by: tuple[str, ...] = ()
    rejected_by: str | None = None
