"""What the core needs from the outside world, as protocols: the store, the audit log, Slack (the Web API and
the messages it shows) and the model. The orchestration imports these, never SQLAlchemy or slack_sdk; the
composition root (bot.app.wiring) passes the implementations (bot.store, bot.slack_ui.slack_messages, integrations)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.domain import (
    ApprovalCase,
    ApprovalRecord,
    ApprovalStatus,
    Decision,
    DecisionRecord,
    RunKind,
    RunRecord,
    RunStatus,
    StepRecord,
    StepStatus,
)
from bot.core.jsonvalue import JsonObject

if TYPE_CHECKING:
    from bot.core.approval_rules import ApprovalRules
    from bot.core.card_view import CardView
    from bot.core.runbook_state import Failure
    from bot.core.tool_registry import ToolResult
    from bot.core.trigger_records import ThreadData

Blocks = list[JsonObject]  # Block Kit JSON, as the Web API takes it


class Store(Protocol):
    """Runs, steps and approvals: typed records in, typed records out; every status change a compare-and-set
    that the transition table (bot.core.transitions) allows. bot.store.repository.Repository implements it."""

    async def create_run(self, run: RunRecord, run_steps: Sequence[StepRecord]) -> None: ...
    async def run(self, run_id: str) -> RunRecord | None: ...
    async def run_for_inbox(self, inbox_id: int) -> RunRecord | None: ...
    async def step(self, step_id: str) -> StepRecord | None: ...
    async def steps_of(self, run_id: str) -> list[StepRecord]: ...
    async def steps_in(self, statuses: Iterable[StepStatus]) -> list[StepRecord]: ...
    async def move_step(self, step_id: str, from_: Iterable[StepStatus], to: StepStatus, **values: Any) -> bool: ...
    async def move_run(self, run_id: str, to: RunStatus, now: datetime) -> bool: ...
    async def set_run_thread(self, run_id: str, thread_ts: str) -> None: ...
    async def lock_thread(self, channel: str, thread_ts: str, run_id: str, now: datetime) -> bool: ...
    async def unlock_thread(self, channel: str, thread_ts: str, run_id: str) -> bool: ...
    async def next_queued(self, channel: str, thread_ts: str) -> RunRecord | None: ...
    async def claim_turn(self, run_id: str, now: datetime, until: datetime) -> bool: ...
    async def save_turn(
        self, run_id: str, state: Mapping[str, Any], new_steps: Sequence[StepRecord], now: datetime
    ) -> None: ...
    async def release_turn(self, run_id: str) -> None: ...
    async def agent_runs_since(self, actor: str, since: datetime) -> int: ...
    async def recent_runs(self, *, source: str, actor: str, limit: int) -> list[RunRecord]: ...
    async def stalled_runs(self, kind: RunKind, now: datetime) -> list[RunRecord]: ...
    async def create_approval(self, approval: ApprovalRecord) -> None: ...
    async def approval(self, approval_id: str) -> ApprovalRecord | None: ...
    async def set_approval_message(self, approval_id: str, message_ts: str) -> None: ...
    async def add_decision(
        self,
        approval_id: str,
        user_id: str,
        decision: Decision,
        now: datetime,
        reason: str | None = None,
        *,
        external: bool = False,
    ) -> tuple[DecisionRecord, ...] | None: ...
    async def decisions_of(self, approval_id: str) -> list[DecisionRecord]: ...
    async def approval_case(self, approval_id: str) -> ApprovalCase | None: ...
    async def approve_step(self, case: ApprovalCase, now: datetime) -> bool: ...
    async def move_approval(
        self, approval_id: str, from_: ApprovalStatus, to: ApprovalStatus, now: datetime
    ) -> bool: ...
    async def approval_for_step(self, step_id: str) -> ApprovalRecord | None: ...
    async def supersede(self, approval_id: str, new_id: str, now: datetime) -> bool: ...
    async def pending_approvals(self, *, channel: str | None = None) -> list[ApprovalRecord]: ...
    async def due_expiries(self, now: datetime) -> list[ApprovalRecord]: ...
    async def due_reminders(self, now: datetime) -> list[ApprovalRecord]: ...
    async def claim_reminder(self, approval_id: str, now: datetime) -> bool: ...
    async def stale_executing(self, started_before: datetime, beat_before: datetime) -> list[StepRecord]: ...
    async def take_stale_step(
        self, step_id: str, worker: str, now: datetime, cut_off: tuple[datetime, datetime]
    ) -> bool: ...
    async def replace_step_args(self, step_id: str, args: JsonObject) -> bool: ...


class ThreadKeys(Protocol):
    """Where the keys a tool's result names (`ToolResult.threads`) are pointed at the run's thread
    (bot.store.triggers.TriggerStore)."""

    async def point_thread(
        self, key: str, *, channel: str, thread_ts: str, data: ThreadData, now: datetime
    ) -> None: ...


class PolicyPort(Protocol):
    """The approval policy as the runner sees it (bot.approvals.policy behind, with channel names resolved)."""

    async def rules_for(self, tool: str, args: JsonObject, channel: str | None) -> ApprovalRules: ...

    async def refusal(self, tool: str, rules: ApprovalRules, channel: str | None) -> str | None: ...


class Audit(Protocol):
    """The append-only, hash-chained audit log (bot.store.audit.AuditLog); secrets are redacted on the way in."""

    async def append(
        self, kind: str, *, at: datetime, run_id: str | None = None, actor: str | None = None, **data: Any
    ) -> None: ...


class Messages(Protocol):
    """What the core says in Slack, as Block Kit JSON: bot.slack_ui.slack_messages builds it with slack_sdk's
    models, and escapes outside text there."""

    def result(self, tool: str, result: ToolResult) -> Blocks: ...
    def error(self, message: str, hint: str | None = None) -> Blocks: ...
    def unknown_outcome(self, step_id: str, tool: str, message: str) -> Blocks: ...
    def approval_card(self, view: CardView) -> Blocks: ...
    def reject_modal(self, approval_id: str, channel: str | None) -> JsonObject: ...
    def edit_modal(
        self, approval_id: str, channel: str | None, tool: str, fields: list[tuple[str, str, bool]]
    ) -> JsonObject: ...
    def note(self, text: str, *context: str) -> Blocks: ...
    def status(self, headline: str, lines: Sequence[str] = ()) -> Blocks: ...
    def runbook_finished(
        self, name: str, failure: Failure | None, outputs: Mapping[str, object]
    ) -> tuple[str, Blocks]: ...


SECRET_SLOT = "{{opsbot:secret}}"  # noqa: S105 - where `Chat.reveal` puts the secret, once the message is clean


class Chat(Protocol):
    """The Slack Web API, as far as the service uses it. Blocks are Block Kit dicts."""

    async def post(
        self, channel: str, text: str, blocks: Sequence[JsonObject], *, thread_ts: str | None = None
    ) -> str: ...

    async def update(self, channel: str, ts: str, text: str, blocks: Sequence[JsonObject]) -> None: ...

    async def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[JsonObject] = (),
        *,
        thread_ts: str | None = None,
        response_url: str | None = None,
    ) -> None:
        """Shown to `user` only. With a `response_url` (a slash command's), through it: that works where opsbot is
        not a member (a private channel, a DM); where Slack refuses it (expired, used up), as chat.postEphemeral;
        where that is refused too, as a direct message."""
        ...

    async def reveal(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[JsonObject],
        *,
        secret: str,
        response_url: str | None = None,
    ) -> bool:
        """Show `user` a secret once (a new MCP token), where `SECRET_SLOT` stands in `blocks`: ephemeral, through
        the `response_url` or chat.postEphemeral, never stored (not through the outbox), never logged, never as a
        direct message (Slack would keep it). False when Slack did not take it: the caller gives the secret up."""
        ...

    async def message_text(self, channel: str, ts: str) -> str | None: ...

    async def permalink(self, channel: str, ts: str) -> str | None:
        """A link to the message (chat.getPermalink); None when Slack will not say."""
        ...

    async def open_modal(self, trigger_id: str, view: JsonObject) -> bool: ...


class Directory(Protocol):
    """Who belongs where, for approval checks, and who people are. Lookups may raise; callers fail closed."""

    async def group_members(self, group: str) -> frozenset[str]: ...

    async def channel_members(self, channel: str) -> frozenset[str]: ...

    async def channel_name(self, channel: str) -> str | None: ...

    async def user_id(self, handle: str) -> str | None:
        """The active person whose Slack handle or display name is `handle` (without `@`, ignoring case); None when
        nobody is. Raises AmbiguousHandle when several people share that display name."""
        ...

    async def user_name(self, user: str) -> str | None:
        """What Slack shows for the user id (display name, else real name, else handle), for plain text; None if
        unknown."""
        ...


@dataclass(frozen=True, kw_only=True)
class ModelToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True, kw_only=True)
class ModelReply:
    content: str | None
    tool_calls: tuple[ModelToolCall, ...] = ()
    refusal: str | None = None
    finish_reason: str = "stop"
    tokens: int = 0


class Model(Protocol):
    """An OpenAI-compatible chat model with tool calling. Raises ModelUnavailable when it cannot answer."""

    name: str

    async def complete(self, messages: Sequence[JsonObject], tools: Sequence[Any]) -> ModelReply: ...

    async def close(self) -> None: ...
