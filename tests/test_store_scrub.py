"""The repository scrubs every value it writes: secrets become `[redacted]` on the way in, types and shapes stay
(a count under a secret-named key is still a count), and a row with nothing secret is written as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.domain import (
    ApprovalRecord,
    ApprovalStatus,
    Decision,
    Event,
    RunKind,
    RunRecord,
    RunStatus,
    Source,
    StepRecord,
    StepStatus,
)
from bot.core.jsonvalue import JsonObject
from bot.core.redact import MASK
from bot.store.engine import make_engine
from bot.store.repository import Repository

SECRET = "plain-configured-secret-42"  # no token shape: only the configured value can catch it
GITHUB = "ghp_" + "Z9y8X7w6V5" * 3  # a token shape, configured or not
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def repo(db_url: str) -> AsyncIterator[Repository]:
    engine = make_engine(db_url)
    repository = Repository(engine, (SECRET,))
    yield repository
    repository.db.dispose()
    await engine.dispose()


def run(state: JsonObject | None = None, text: str = "merge pr 7") -> RunRecord:
    return RunRecord(
        id="r1", inbox_id=None, source="slack", team_id="T1", actor="U1", channel="C1", thread_ts=None, text=text,
        status=RunStatus.RUNNING, kind=RunKind.AGENT, created_at=NOW, updated_at=NOW, state=state,
    )  # fmt: skip


def step(position: int, args: JsonObject) -> StepRecord:
    return StepRecord(
        id=f"s{position}", run_id="r1", position=position, tool="create_issue", args=args,
        risk="write", status=StepStatus.PENDING,
    )  # fmt: skip


async def test_runs_steps_and_turns_are_stored_scrubbed_with_their_types(repo: Repository) -> None:
    state: JsonObject = {
        "request": {"text": f"key {SECRET}"},
        "tokens": 1234,
        "turns": [{"role": "assistant", "n": 1.5}],
    }
    await repo.create_run(run(state, text=f"use {GITHUB} please"), [step(0, {"title": f"t {SECRET}", "n": 3})])
    stored = await repo.run("r1")
    assert stored is not None and stored.text == f"use {MASK} please"
    assert stored.state == {
        "request": {"text": f"key {MASK}"},
        "tokens": 1234,
        "turns": [{"role": "assistant", "n": 1.5}],
    }
    [first] = await repo.steps_of("r1")
    assert first.args == {"title": f"t {MASK}", "n": 3}

    turn: JsonObject = {
        "turns": [{"content": f"the token is {SECRET}", "tool_calls": [{"arguments": f'{{"t": "\\n{GITHUB}"}}'}]}]
    }
    await repo.save_turn("r1", turn, [step(1, {"body": GITHUB})], NOW)
    again = await repo.run("r1")
    assert again is not None and again.state == {
        "turns": [{"content": f"the token is {MASK}", "tool_calls": [{"arguments": f'{{"t": "\\n{MASK}"}}'}]}]
    }
    assert (await repo.steps_of("r1"))[1].args == {"body": MASK}

    assert await repo.replace_step_args("s0", {"title": SECRET}) is False  # only while it waits: nothing written
    assert await repo.move_step("s0", [StepStatus.PENDING], StepStatus.EXECUTING, started_at=NOW)
    result: JsonObject = {
        "error": "permission_denied",
        "message": f"GitHub said: Bad credentials {SECRET}",
        "status": 403,
    }
    assert await repo.move_step("s0", [StepStatus.EXECUTING], StepStatus.FAILED, result=result, finished_at=NOW)
    failed = await repo.step("s0")
    assert failed is not None and failed.result == {**result, "message": f"GitHub said: Bad credentials {MASK}"}
    assert failed.started_at == NOW and failed.finished_at == NOW


async def test_an_edit_a_preview_and_a_reason_are_stored_scrubbed(repo: Repository) -> None:
    await repo.create_run(run(), [step(0, {"title": "ok"})])
    assert await repo.move_step("s0", [StepStatus.PENDING], StepStatus.WAITING_APPROVAL)
    assert await repo.replace_step_args("s0", {"title": f"edited {SECRET}"})
    edited = await repo.step("s0")
    assert edited is not None and edited.args == {"title": f"edited {MASK}"}

    preview: JsonObject = {
        "title": "Create issue",
        "body": f"PR title: Rotate {GITHUB}",
        "fields": [["Repo", "acme/api"]],
    }
    await repo.create_approval(
        ApprovalRecord(
            id="a1", run_id="r1", step_id="s0", team_id="T1", channel="C1", thread_ts=None, requester="U1",
            action_hash="h", status=ApprovalStatus.PENDING, required=2, approvers=("U2", "U3"),
            preview=preview, expires_at=NOW + timedelta(hours=2), created_at=NOW,
        )
    )  # fmt: skip
    approval = await repo.approval("a1")
    assert approval is not None and approval.approvers == ("U2", "U3") and approval.required == 2
    assert approval.preview == {**preview, "body": f"PR title: Rotate {MASK}"}
    decided = await repo.add_decision("a1", "U2", Decision.REJECT, NOW, reason=f"not with {SECRET} in it")
    assert decided is not None and decided[0].reason == f"not with {MASK} in it"


async def test_the_inbox_stores_and_hands_back_the_event_scrubbed(repo: Repository) -> None:
    event = Event(
        source=Source.SLACK_MENTION, type="app_mention", dedupe_key="ev-1", team_id="T1", actor="U1", channel="C1",
        text=f"deploy with {SECRET}", payload={"text": f"raw {GITHUB}", "count": 2},
    )  # fmt: skip
    inbox_id = await repo.accept(event, NOW)
    assert inbox_id is not None
    claimed = await repo.claim(inbox_id, "w1", NOW, NOW + timedelta(minutes=5))
    assert claimed is not None
    stored, attempt = claimed
    assert attempt == 1 and stored.dedupe_key == "ev-1"
    assert stored.text == f"deploy with {MASK}" and stored.payload == {"text": f"raw {MASK}", "count": 2}


async def test_without_secrets_configured_token_shapes_are_still_masked(db_url: str) -> None:
    engine = make_engine(db_url)
    repo = Repository(engine)
    try:
        await repo.create_run(run({"note": f"{GITHUB} and {SECRET}"}), [])
        stored = await repo.run("r1")
        assert stored is not None and stored.state == {"note": f"{MASK} and {SECRET}"}
    finally:
        repo.db.dispose()
        await engine.dispose()
