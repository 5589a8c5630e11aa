"""Database tables, as SQLAlchemy 2 typed models. Queries use Core statements built from these tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false, true
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC) if dialect.name != "sqlite" else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class InboxEvent(Base):
    """Every accepted trigger, stored once under its dedupe key before Slack (or GitHub) gets its ack."""

    __tablename__ = "inbox_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_events.id"), unique=True)
    source: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16), default="grammar", server_default="grammar")
    state: Mapped[dict[str, Any] | None]  # the planner's own: the agent's conversation, a runbook's cursor
    turn_lease_until: Mapped[datetime | None]
    actor_team_id: Mapped[str | None] = mapped_column(String(32))  # the requester's home team (Slack Connect)


class Step(Base):
    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("run_id", "position"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    tool: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]]
    risk: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    result: Mapped[dict[str, Any] | None]
    call_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the worker running it (while `executing`)
    heartbeat_at: Mapped[datetime | None]  # renewed while it runs: a stale one was cut off (a crash)


class ThreadLock(Base):
    """At most one active run per Slack thread: the row is the lock (a unique key, so replicas agree)."""

    __tablename__ = "thread_locks"
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    thread_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(32))
    acquired_at: Mapped[datetime]


class Approval(Base):
    __tablename__ = "approvals"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    step_id: Mapped[str] = mapped_column(ForeignKey("steps.id"), index=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    requester: Mapped[str] = mapped_column(String(64))
    action_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    required: Mapped[int] = mapped_column(Integer, default=1)
    approvers: Mapped[list[Any]]
    preview: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    requester_may_approve: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rule: Mapped[str] = mapped_column(String(64), default="default", server_default="default")
    remind_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    escalate_to: Mapped[list[Any] | None]
    superseded_by: Mapped[str | None] = mapped_column(String(32))
    external_users: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ApprovalDecision(Base):
    __tablename__ = "approval_decisions"
    __table_args__ = (UniqueConstraint("approval_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approvals.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    external: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuditEvent(Base):
    """Append-only and hash-chained: `prev_hash` is unique, so the chain cannot fork under concurrency."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(48))
    run_id: Mapped[str | None] = mapped_column(String(32), index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


inbox = cast(Table, InboxEvent.__table__)
runs = cast(Table, Run.__table__)
steps = cast(Table, Step.__table__)
approvals = cast(Table, Approval.__table__)
decisions = cast(Table, ApprovalDecision.__table__)
audit = cast(Table, AuditEvent.__table__)
thread_locks = cast(Table, ThreadLock.__table__)


class TriggerThread(Base):
    """One Slack thread per PR, commit, alert group or probe, so events about the same thing land together."""

    __tablename__ = "trigger_threads"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TriggerClaim(Base):
    """A unique row is a claim: a probe check or a one-off request happens once, whichever replica asks first."""

    __tablename__ = "trigger_claims"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(index=True)


class Digest(Base):
    """A scheduled digest, managed with `/ops digest`; `last_hash` lets an unchanged digest be skipped."""

    __tablename__ = "digests"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    cadence: Mapped[str] = mapped_column(String(32))
    at: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    last_hash: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class DigestSlot(Base):
    """(digest, slot time) is claimed by inserting this row before posting: one post per slot across replicas."""

    __tablename__ = "digest_slots"
    digest_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot_at: Mapped[datetime] = mapped_column(primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(16))


class ProbeState(Base):
    """An HTTP probe's recent samples and whether it is degraded; the status moves by compare-and-set."""

    __tablename__ = "probe_states"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    samples: Mapped[list[Any]]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """Every message opsbot sends to Slack, stored before it is sent under an idempotency key (the event or step
    and the purpose): delivered once (its `ts` kept), retried through 429s and 5xx until `deadline_at`, then dead."""

    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    method: Mapped[str] = mapped_column(String(48))  # chat.postMessage, chat.update, chat.postEphemeral, …
    channel: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, delivered, dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    ts: Mapped[str | None] = mapped_column(String(32))  # the message Slack made (a post), once delivered
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


trigger_threads = cast(Table, TriggerThread.__table__)
trigger_claims = cast(Table, TriggerClaim.__table__)
digests = cast(Table, Digest.__table__)
digest_slots = cast(Table, DigestSlot.__table__)
probe_states = cast(Table, ProbeState.__table__)
outbox_messages = cast(Table, OutboxMessage.__table__)


class McpTokenRow(Base):
    """An MCP client's bearer token (bot.core.mcp_tokens): only the secret's hash is stored, never the secret. A
    person's live tokens have distinct names (a partial unique index: revoked ones keep theirs)."""

    __tablename__ = "mcp_tokens"
    __table_args__ = (
        Index(
            "ix_mcp_tokens_live_name", "user_id", "name", unique=True,
            sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL"),
        ),
    )  # fmt: skip
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    tools: Mapped[list[Any]]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


mcp_tokens = cast(Table, McpTokenRow.__table__)
