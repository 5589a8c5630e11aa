"""Runbooks end to end: conditions, loops with concurrency, gates in loops, retries, failures, restarts, races."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.wiring import build
from bot.store.models import runs, steps
from tests.approvals_helpers import cards, click, text_of
from tests.harness import RUNBOOKS, Harness

BOOKS = {
    "triage.yaml": """
name: triage
description: test conditions, loops and outputs
inputs:
  repo: {required: true}
  numbers: {default: "1,2,3"}
steps:
  - id: prs
    tool: list_pull_requests
    args: {repo: "{{ inputs.repo }}", limit: 5}
  - id: skipped
    when: "steps.prs.data.pull_requests | length > 100"
    notify: never
  - id: comments
    for_each: "inputs.numbers.split(',') | map('int') | list"
    concurrency: 2
    tool: comment
    args: {repo: "{{ inputs.repo }}", number: "{{ item }}", body: "ping {{ item }}"}
  - notify: "done with {{ steps.comments | length }}"
outputs:
  commented: "{{ steps.comments | length }}"
  skipped: "{{ steps.skipped.skipped }}"
""",
    "gates.yaml": """
name: gates
description: an approval gate inside a loop
inputs:
  envs: {default: "staging,prod"}
steps:
  - for_each: "inputs.envs.split(',')"
    approval: "Go ahead in {{ item }}?"
  - notify: all approved
""",
    "retry.yaml": """
name: retry
description: retries by error class
inputs:
  repo: {required: true}
steps:
  - id: prs
    tool: list_pull_requests
    args: {repo: "{{ inputs.repo }}"}
    retry: {count: 2, backoff: 30s, on: [rate_limited]}
  - notify: "got {{ steps.prs.text }}"
on_failure:
  - notify: "failed at {{ error.step }} with {{ error.error }}"
""",
}


@pytest.fixture
async def renv(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    folder = tmp_path / "books"
    folder.mkdir()
    for name, text in BOOKS.items():
        (folder / name).write_text(text)
    for example in RUNBOOKS.glob("*.yaml"):
        (folder / example.name).write_text(example.read_text())
    async with Harness(db_url, opsbot_runbooks=str(folder)) as env:
        yield env


def posts(env: Harness) -> list[str]:
    return [text_of(c.params) for c in env.slack.calls_to("chat.postMessage")]


async def test_runbooks_are_listed_with_their_inputs(renv: Harness) -> None:
    await renv.driver.command("runbooks", user="U1")
    await renv.settle()
    listing = text_of(renv.slack.calls_to("response_url")[0].params)
    assert "ci-failure" in listing and "`repo` (required)" in listing and "unavailable" in listing
    assert "`*" not in listing  # no "*" after an input: Slack took it for bold


async def test_conditions_loops_with_concurrency_and_outputs(renv: Harness) -> None:
    for n in (1, 2, 3):
        renv.github.add_pr("acme/api", n, f"PR {n}", author="ana")
    await renv.driver.command("run triage repo=acme/api", user="U1")
    await renv.settle()
    assert len(cards(renv)) == 2  # concurrency 2: the third comment waits
    await click(renv, "opsbot.approve", cards(renv)[0], "U2")
    assert len(cards(renv)) == 3
    for card in cards(renv)[1:]:
        await click(renv, "opsbot.approve", card, "U2")
    assert sorted(c["number"] for c in renv.github.comments) == [1, 2, 3]
    assert any("done with 3" in p for p in posts(renv))
    finished = [p for p in posts(renv) if "finished" in p]
    assert finished and "commented" in finished[-1] and "never" not in " ".join(posts(renv))


async def test_an_approval_gate_inside_a_loop(renv: Harness) -> None:
    await renv.driver.command("run gates", user="U1")
    await renv.settle()
    [first] = cards(renv)
    assert "Go ahead in staging?" in text_of(first.params)
    await click(renv, "opsbot.approve", first, "U2")
    second = cards(renv)[-1]
    assert "Go ahead in prod?" in text_of(second.params)
    await click(renv, "opsbot.approve", second, "U3")
    assert any("all approved" in p for p in posts(renv))


async def test_retry_waits_for_the_injected_clock_then_succeeds(renv: Harness) -> None:
    assert renv.bot is not None
    renv.github.add_pr("acme/api", 4, "Four", author="ana")
    renv.github.rate_limit_next("POST", r"/graphql$", reset_in=3600)
    await renv.driver.command("run retry repo=acme/api", user="U1")
    await renv.settle()
    assert not any("got " in p for p in posts(renv))
    renv.clock.advance(10)
    await renv.bot.timers.tick()
    assert not any("got " in p for p in posts(renv))  # backoff is 30 s
    renv.clock.advance(25)
    await renv.bot.timers.tick()
    await renv.settle()
    assert any("got " in p for p in posts(renv))


async def test_errors_the_step_does_not_name_are_not_retried(renv: Harness) -> None:
    await renv.driver.command("run retry repo=acme/missing", user="U1")
    await renv.settle()
    assert any("failed at prs with not_found" in p for p in posts(renv))
    assert any("failed at `prs`" in p for p in posts(renv))


async def test_bad_inputs_get_a_clear_answer(renv: Harness) -> None:
    await renv.driver.command("run triage", user="U1")
    await renv.driver.command("run trage repo=acme/api", user="U1")
    await renv.settle()
    texts = " ".join(text_of(c.params) for c in renv.slack.calls_to("response_url"))
    assert "needs `repo`" in texts and "Did you mean `triage`" in texts


async def test_restart_while_waiting_for_approval_resumes_at_the_right_step(renv: Harness) -> None:
    for n in (1, 2, 3):
        renv.github.add_pr("acme/api", n, f"PR {n}", author="ana")
    await renv.driver.command("run triage repo=acme/api numbers=1", user="U1")
    await renv.settle()
    lists_before = len([r for r in renv.github.requests if r.path.endswith("/graphql")])
    [card] = cards(renv)
    await renv.restart()
    await click(renv, "opsbot.approve", card, "U2")
    assert [c["number"] for c in renv.github.comments] == [1]
    assert len([r for r in renv.github.requests if r.path.endswith("/graphql")]) == lists_before  # not re-run
    assert any("done with 1" in p for p in posts(renv))


async def test_two_workers_racing_on_one_run_run_each_step_once(renv: Harness) -> None:
    assert renv.bot is not None
    for n in (1, 2):
        renv.github.add_pr("acme/api", n, f"PR {n}", author="ana")
    await renv.driver.command("run triage repo=acme/api numbers=1,2", user="U1")
    await renv.settle()
    other = await build(renv.settings(), clock=renv.clock, migrate=False)
    await other.start(sweep_interval=None)
    try:
        for card in cards(renv):
            await click(renv, "opsbot.approve", card, "U2")
        async with renv.bot.engine.connect() as conn:
            run_id = (await conn.execute(select(runs.c.id).where(runs.c.kind == "runbook"))).scalar_one()
        await asyncio.gather(*(b.service.runner.advance(run_id) for b in (renv.bot, other) for _ in range(3)))
    finally:
        await other.close()
    async with renv.bot.engine.connect() as conn:
        tools = [r for r in (await conn.execute(select(steps.c.tool))).scalars()]
    assert tools.count("list_pull_requests") == 1 and tools.count("comment") == 2
    assert len(renv.github.comments) == 2
    assert len([p for p in posts(renv) if "done with 2" in p]) == 1


async def test_example_ci_failure_reruns_flaky_workflows(renv: Harness) -> None:
    renv.github.add_run("acme/api", 71, name="e2e", branch="main", conclusion="failure")
    renv.github.add_run("acme/api", 72, name="nightly", branch="main", conclusion="failure")
    await renv.driver.command("run ci-failure repo=acme/api", user="U1")
    await renv.settle()
    assert len(cards(renv)) == 2 and all("rerun" in text_of(c.params).lower() for c in cards(renv))
    for card in cards(renv):
        await click(renv, "opsbot.approve", card, "U2")
    assert sorted(r["run_id"] for r in renv.github.reruns) == [71, 72]
    assert any("reran" in p for p in posts(renv))


async def test_example_ci_failure_opens_an_issue_for_real_failures(renv: Harness) -> None:
    renv.github.add_run("acme/api", 81, name="build", branch="main", conclusion="failure")
    await renv.driver.command("run ci-failure repo=acme/api", user="U1")
    await renv.settle()
    [card] = cards(renv)
    assert "CI failing on main" in text_of(card.params)
    await click(renv, "opsbot.approve", card, "U2")
    assert [i.title for i in renv.github.issues] == ["CI failing on main"]
    assert renv.github.reruns == []


async def test_example_release_gate_then_two_dispatches(renv: Harness) -> None:
    renv.github.add_workflow("acme/api", "release.yml", optional=("version",))
    renv.github.add_workflow("acme/api", "deploy.yml", optional=("version", "environment"))
    await renv.driver.command("run release repo=acme/api version=1.4.0", user="U1")
    await renv.settle()
    [gate] = cards(renv)
    assert "Release acme/api 1.4.0 to production?" in text_of(gate.params)
    await click(renv, "opsbot.approve", gate, "U2")
    for _ in range(2):
        await click(renv, "opsbot.approve", cards(renv)[-1], "U2")
    assert [d["workflow"] for d in renv.github.dispatches] == ["release.yml", "deploy.yml"]
    assert any("is on its way to production" in p for p in posts(renv))


async def test_run_runbook_from_another_run_starts_it_in_the_same_thread(renv: Harness) -> None:
    """`run_runbook` is a tool like any other: the runner drives the run it started, in the caller's thread."""
    assert renv.bot is not None
    await renv.driver.mention("run_runbook name=retry inputs.repo=acme/api", user="U1")
    await renv.settle()
    async with renv.bot.engine.connect() as conn:
        rows = (await conn.execute(select(runs.c.kind, runs.c.status, runs.c.thread_ts, runs.c.actor))).all()
    kinds = {kind: (status, thread, actor) for kind, status, thread, actor in rows}
    assert set(kinds) == {"grammar", "runbook"}
    assert kinds["runbook"][0] == "succeeded" and kinds["runbook"][2] == "U1"
    assert kinds["runbook"][1] == kinds["grammar"][1]  # the caller's thread
    assert any("got No open pull requests in `acme/api`" in p for p in posts(renv))


async def test_run_runbook_of_a_runbook_there_is_not_says_so_instead_of_crashing(
    renv: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await renv.driver.mention("run_runbook name=trage inputs.repo=acme/api", user="U1")
    await renv.settle()
    said = " ".join(posts(renv))
    assert "There is no runbook called `trage`" in said and "Did you mean `triage`" in said
    assert "failed unexpectedly" not in said
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # a refusal, not a traceback in the log
