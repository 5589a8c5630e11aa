"""Rows to typed records and back: the only place that knows the column names of runs, steps and approvals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.domain import (
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


def run_record(row: Mapping[str, Any]) -> RunRecord:
    return RunRecord(
        id=row["id"],
        inbox_id=row["inbox_id"],
        source=row["source"],
        team_id=row["team_id"],
        actor=row["actor"],
        channel=row["channel"],
        thread_ts=row["thread_ts"],
        text=row["text"],
        status=RunStatus(row["status"]),
        kind=RunKind(row["kind"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        state=row["state"],
        turn_lease_until=row["turn_lease_until"],
        actor_team_id=row["actor_team_id"],
    )


def run_values(run: RunRecord) -> dict[str, object]:
    return {
        "id": run.id,
        "inbox_id": run.inbox_id,
        "source": run.source,
        "team_id": run.team_id,
        "actor": run.actor,
        "channel": run.channel,
        "thread_ts": run.thread_ts,
        "text": run.text,
        "status": run.status.value,
        "kind": run.kind.value,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "state": run.state,
        "turn_lease_until": run.turn_lease_until,
        "actor_team_id": run.actor_team_id,
    }


def step_record(row: Mapping[str, Any]) -> StepRecord:
    return StepRecord(
        id=row["id"],
        run_id=row["run_id"],
        position=row["position"],
        tool=row["tool"],
        args=dict(row["args"] or {}),
        risk=row["risk"],
        status=StepStatus(row["status"]),
        result=row["result"],
        call_id=row["call_id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        claimed_by=row.get("claimed_by"),
        heartbeat_at=row.get("heartbeat_at"),
    )


def step_values(step: StepRecord) -> dict[str, object]:
    return {
        "id": step.id,
        "run_id": step.run_id,
        "position": step.position,
        "tool": step.tool,
        "args": step.args,
        "risk": step.risk,
        "status": step.status.value,
        "result": step.result,
        "call_id": step.call_id,
        "started_at": step.started_at,
        "finished_at": step.finished_at,
    }


def approval_record(row: Mapping[str, Any]) -> ApprovalRecord:
    return ApprovalRecord(
        id=row["id"],
        run_id=row["run_id"],
        step_id=row["step_id"],
        team_id=row["team_id"],
        channel=row["channel"],
        thread_ts=row["thread_ts"],
        message_ts=row["message_ts"],
        requester=row["requester"],
        action_hash=row["action_hash"],
        status=ApprovalStatus(row["status"]),
        required=int(row["required"]),
        approvers=tuple(row["approvers"] or ()),
        preview=dict(row["preview"] or {}),
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        decided_at=row["decided_at"],
        requester_may_approve=bool(row["requester_may_approve"]),
        rule=row["rule"],
        remind_at=row["remind_at"],
        reminded_at=row["reminded_at"],
        escalate_to=tuple(row["escalate_to"] or ()),
        superseded_by=row["superseded_by"],
        external_users=bool(row["external_users"]),
    )


def approval_values(approval: ApprovalRecord) -> dict[str, object]:
    return {
        "id": approval.id,
        "run_id": approval.run_id,
        "step_id": approval.step_id,
        "team_id": approval.team_id,
        "channel": approval.channel,
        "thread_ts": approval.thread_ts,
        "message_ts": approval.message_ts,
        "requester": approval.requester,
        "action_hash": approval.action_hash,
        "status": approval.status.value,
        "required": approval.required,
        "approvers": list(approval.approvers),
        "preview": approval.preview,
        "expires_at": approval.expires_at,
        "created_at": approval.created_at,
        "decided_at": approval.decided_at,
        "requester_may_approve": approval.requester_may_approve,
        "rule": approval.rule,
        "remind_at": approval.remind_at,
        "reminded_at": approval.reminded_at,
        "escalate_to": list(approval.escalate_to),
        "superseded_by": approval.superseded_by,
        "external_users": approval.external_users,
    }


def decision_record(row: Mapping[str, Any]) -> DecisionRecord:
    return DecisionRecord(
        approval_id=row["approval_id"],
        user_id=row["user_id"],
        decision=Decision(row["decision"]),
        reason=row["reason"],
        created_at=row["created_at"],
        external=bool(row["external"]),
    )
