"""The store asks the transition table before every state change: an illegal move writes nothing, and is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.domain import RunStatus, StepStatus
from bot.core.transitions import IllegalTransition
from bot.sandbox.fakes.slack_hooks import hook_user
from bot.store.models import runs, steps
from tests.approvals_helpers import cards, click
from tests.harness import Harness


async def merged(env: Harness) -> tuple[str, str]:
    env.github.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana")
    await env.driver.mention("merge pr 7 in acme/api", user="U1")
    await env.settle()
    [card] = cards(env)
    await click(env, "opsbot.approve", card, "U2")
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        run_id, step_id, status = (await conn.execute(select(steps.c.run_id, steps.c.id, steps.c.status))).one()
    assert status == "succeeded" and [m["number"] for m in env.github.merges] == [7]
    return run_id, step_id


async def test_an_illegal_step_move_raises_before_anything_is_written(env: Harness) -> None:
    _, step_id = await merged(env)
    assert env.bot is not None
    with pytest.raises(IllegalTransition, match="succeeded → executing"):
        await env.bot.repo.move_step(step_id, [StepStatus.SUCCEEDED], StepStatus.EXECUTING)
    step = await env.bot.repo.step(step_id)
    assert step is not None and step.status is StepStatus.SUCCEEDED


async def test_a_finished_run_is_not_reopened(env: Harness) -> None:
    run_id, _ = await merged(env)
    assert env.bot is not None
    assert await env.bot.repo.move_run(run_id, RunStatus.RUNNING, env.clock.now()) is False
    async with env.bot.engine.connect() as conn:
        assert (await conn.execute(select(runs.c.status))).scalar_one() == "succeeded"


async def test_the_service_audits_an_illegal_move_and_answers_plainly(
    env: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert env.bot is not None

    async def buggy(**_: object) -> None:
        raise IllegalTransition("step", StepStatus.SUCCEEDED, StepStatus.EXECUTING)

    monkeypatch.setattr(env.bot.service.queries, "pending", buggy)
    await env.driver.command("pending", user="U3")
    await env.settle()
    rows = [r for r in await env.bot.audit.rows() if r.kind == "transition.illegal"]
    assert len(rows) == 1 and rows[0].actor == "U3" and "succeeded → executing" in str(rows[0].data["move"])
    [reply] = [c.params for c in env.slack.calls_to("response_url") if hook_user(c.params["path"]) == "U3"]
    assert "Something went wrong on my side" in reply["text"] and "Traceback" not in reply["text"]
