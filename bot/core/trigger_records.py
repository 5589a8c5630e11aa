"""The trigger store's rows as typed records, and the JSON a thread keeps about its PR, CI runs or alert.

A thread's `data` is JSON in the database and stays plain JSON here: TypedDicts name its keys, so that a card
can be updated in place with what an earlier event said (a PR's size, the jobs a CI run failed so far).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from bot.core.jsonvalue import JsonObject


class EarlierCi(TypedDict, total=False):
    """A commit's CI thread that was there before the PR of that head commit was announced."""

    sha: str
    channel: str
    url: str | None  # its permalink; None when Slack would not say


class PrCard(TypedDict, total=False):
    """A pull request as its card shows it."""

    number: int | None
    title: str
    url: str | None
    author: str | None
    head: str | None
    base: str | None
    merged: bool
    state: str | None
    repo: str | None
    additions: int
    deletions: int
    changed_files: int
    checks: dict[str, str | None]  # check name → conclusion (None while it runs)
    checks_summary: str
    sha: str | None  # the head commit, last seen
    earlier_ci: EarlierCi  # CI had a thread for the head commit when the PR was announced


class CiCard(TypedDict, total=False):
    """One workflow run (or failing check) as its message in the thread shows it, from its first failure until
    everything that failed passed."""

    key: str
    jobs: list[str]
    branch: str | None
    sha: str | None
    workflow: str | None
    url: str | None
    rerun: JsonObject  # the rerun button's arguments
    passed: int  # the attempt of the workflow run that passed
    passed_jobs: dict[str, int]  # failed jobs or checks that passed since → the attempt that passed
    ts: str  # the message, once posted


class ThreadData(TypedDict, total=False):
    """What a thread remembers: its PR and checks, its CI messages, an alert group's status, or whose alias it is."""

    pr: PrCard
    checks: dict[str, str | None]
    ci: dict[str, CiCard]
    status: str
    alias_of: str
    gate: JsonObject  # a deployment gate's card values, and its deployment's last state (`outcome`)
    requested: JsonObject  # a deploy asked in Slack: `by` who, `until` when, `used` (bot.core.deploy_threads)


@dataclass(frozen=True, kw_only=True)
class ThreadRecord:
    key: str
    channel: str
    thread_ts: str | None
    card_ts: str | None
    data: ThreadData


@dataclass(frozen=True, kw_only=True)
class DigestSpec:
    """What a digest shows and where: all its builder needs."""

    id: str
    channel: str
    cadence: str  # a CronTrigger day_of_week: "*", "mon-fri", "mon,thu"
    at: str  # HH:MM
    timezone: str
    kind: str
    target: str | None = None  # the repository of a PR digest


@dataclass(frozen=True, kw_only=True)
class DigestRecord(DigestSpec):
    """A digest as stored, made with `/ops digest add`."""

    team_id: str
    created_by: str
    created_at: datetime
    last_hash: str | None = None
    active: bool = True


@dataclass(frozen=True, kw_only=True)
class SlotRecord:
    digest_id: str
    slot_at: datetime
    claimed_by: str
    claimed_at: datetime
    outcome: str | None = None


@dataclass(frozen=True, kw_only=True)
class RunOutcome:
    """A run for the runs digest: failed or unknown, or `corrected` (succeeded after a failed step)."""

    id: str
    status: str
    text: str
    channel: str | None
    created_at: datetime
    corrected: bool


@dataclass(frozen=True, kw_only=True)
class ProbeSample:
    at: float  # a timestamp
    ms: float
    ok: bool


@dataclass(frozen=True, kw_only=True)
class ProbeState:
    name: str
    status: str  # ok, degraded
    samples: tuple[ProbeSample, ...]
    failures: int
    updated_at: datetime
