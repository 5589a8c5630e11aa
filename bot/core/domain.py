"""Domain values shared by every layer: the event envelope, and the typed records of runs, steps and approvals."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.core.jsonvalue import JsonObject


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
    MCP = "mcp"  # an agent calling opsbot's tools over MCP, for the Slack user its token is bound to


class InboxStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class RunKind(enum.StrEnum):
    """Which planner drives a run: a command (one step after another), the AI agent, or a runbook."""

    GRAMMAR = "grammar"
    AGENT = "agent"
    RUNBOOK = "runbook"


class RunStatus(enum.StrEnum):
    QUEUED = "queued"  # an agent request waiting for the run ahead of it in the same thread
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
    """One trigger, whatever its source. `dedupe_key` is unique across all events ever accepted.

    Who it comes from, as the request says (checked against the installation before anything runs): `team_id` is
    the workspace (a Slack payload that names two different ones gives both, joined by `|`, which matches no
    installation); `enterprise_id` the Enterprise Grid organisation, if it names one; `user_team_id` the actor's
    home team when the payload says (in a Slack Connect channel, another organisation's: an external user)."""

    source: Source
    type: str
    dedupe_key: str
    team_id: str
    actor: str
    channel: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    text: str = ""
    payload: JsonObject = field(default_factory=dict)
    enterprise_id: str | None = None
    user_team_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ToolCall:
    tool: str
    args: JsonObject


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    """One run as stored. `state` is its planner's own state (the agent's conversation, a runbook's cursor)."""

    id: str
    inbox_id: int | None
    source: str
    team_id: str
    actor: str
    channel: str | None
    thread_ts: str | None
    text: str
    status: RunStatus
    kind: RunKind
    created_at: datetime
    updated_at: datetime
    state: JsonObject | None = None
    turn_lease_until: datetime | None = None
    actor_team_id: str | None = None  # the requester's home team when the request said (`Event.user_team_id`)


@dataclass(frozen=True, kw_only=True)
class StepRecord:
    """One tool call of a run. `risk` is the registry's word for it (read, write, dangerous) when it was planned."""

    id: str
    run_id: str
    position: int
    tool: str
    args: JsonObject
    risk: str
    status: StepStatus
    result: JsonObject | None = None
    call_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    claimed_by: str | None = None  # while `executing`: the process running it, which renews `heartbeat_at`
    heartbeat_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ApprovalRecord:
    """One approval request: bound to the exact action by `action_hash`, decided under the rule it names."""

    id: str
    run_id: str
    step_id: str
    team_id: str
    channel: str | None
    thread_ts: str | None
    requester: str
    action_hash: str
    status: ApprovalStatus
    required: int
    approvers: tuple[str, ...]
    preview: JsonObject
    expires_at: datetime
    created_at: datetime
    message_ts: str | None = None
    decided_at: datetime | None = None
    requester_may_approve: bool = False
    rule: str = "default"
    remind_at: datetime | None = None
    reminded_at: datetime | None = None
    escalate_to: tuple[str, ...] = ()
    superseded_by: str | None = None
    external_users: bool = False  # the rule's `external_users: allow`: people of other organisations may decide


@dataclass(frozen=True, kw_only=True)
class DecisionRecord:
    """One person's decision on one approval request (unique per person)."""

    approval_id: str
    user_id: str
    decision: Decision
    created_at: datetime
    reason: str | None = None
    external: bool = False  # the person was of another organisation (Slack Connect), as the rule allowed


@dataclass(frozen=True, kw_only=True)
class ApprovalCase:
    """An approval request with everything a click is checked against and its card is drawn from — its run, the
    run's steps and the decisions so far — read together, once, and passed along instead of read again."""

    approval: ApprovalRecord
    run: RunRecord
    steps: tuple[StepRecord, ...]
    decisions: tuple[DecisionRecord, ...] = ()

    @property
    def step(self) -> StepRecord:
        return next(s for s in self.steps if s.id == self.approval.step_id)

    def with_step(self, step: StepRecord) -> ApprovalCase:
        return replace(self, steps=tuple(step if s.id == step.id else s for s in self.steps))
