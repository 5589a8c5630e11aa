"""Shared values of the approval-rule tests: a pending approval, a click on it, the check, a fake directory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.approvals.click_checks import (
    Click,
    Purpose,
    action_hash,
    check_click,
)
from bot.core.domain import ApprovalRecord, ApprovalStatus, StepStatus

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ARGS = {"repo": "acme/api", "number": 42, "method": "squash", "inputs": {"a": "1", "b": "2"}}
BASE = {"tool": "merge_pull_request", "args": ARGS, "requester": "U1", "team_id": "T1"}


def hash_of(**changes: Any) -> str:
    return action_hash(**{**BASE, **changes})


HASH = hash_of()


def approval(**changes: Any) -> ApprovalRecord:
    values: dict[str, Any] = {
        "id": "ap1",
        "run_id": "r1",
        "step_id": "s1",
        "team_id": "T1",
        "channel": "C1",
        "thread_ts": None,
        "status": "pending",
        "expires_at": NOW + timedelta(minutes=10),
        "created_at": NOW - timedelta(minutes=1),
        "action_hash": HASH,
        "requester": "U1",
        "approvers": [],
        "required": 1,
        "preview": {},
        **changes,
    }
    values["status"] = ApprovalStatus(values["status"])
    values["approvers"] = tuple(values["approvers"])
    return ApprovalRecord(**values)


def click(**changes: Any) -> Click:
    values: dict[str, Any] = {
        "approval_id": "ap1",
        "user": "U2",
        "team_id": "T1",
        "channel": "C1",
        "purpose": Purpose.APPROVE,
    }
    return Click(**{**values, **changes})


def check(
    c: Click,
    a: ApprovalRecord | None,
    *,
    current_hash: str | None = HASH,
    now: datetime = NOW,
    step_status: StepStatus | str | None = "waiting_approval",
) -> str | None:
    status = StepStatus(step_status) if step_status else None
    refusal = check_click(c, a, step_status=status, current_hash=current_hash, now=now)
    return None if refusal is None else refusal.audit_kind


class FakeDirectory:
    def __init__(
        self, groups: dict[str, set[str]] | None = None, channels: dict[str, set[str]] | None = None, fail: bool = False
    ) -> None:
        self.groups = groups or {}
        self.channels = channels or {}
        self.fail = fail
        self.asked: list[str] = []

    async def group_members(self, group: str) -> frozenset[str]:
        self.asked.append(f"group:{group}")
        if self.fail:
            raise ConnectionError("slack is down")
        return frozenset(self.groups.get(group, ()))

    async def channel_members(self, channel: str) -> frozenset[str]:
        self.asked.append(f"channel:{channel}")
        if self.fail:
            raise ConnectionError("slack is down")
        return frozenset(self.channels.get(channel, ()))

    async def channel_name(self, channel: str) -> str | None:
        return None

    async def user_id(self, handle: str) -> str | None:
        self.asked.append(f"user:{handle}")
        if self.fail:
            raise ConnectionError("slack is down")
        return None

    async def user_name(self, user: str) -> str | None:
        return None
