"""`opsbot sandbox --data DIR`: the database, the fake Slack's conversations and what the demo GitHub changed survive
a restart; a DIR that cannot be used is one stderr line and exit 2."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.app.settings import Settings
from bot.core.jsonvalue import items, objects
from bot.sandbox import demo, saved_state
from bot.sandbox.fakes.github import FakeGitHub
from bot.sandbox.fakes.github.github_state import FakeIssue
from bot.sandbox.fakes.slack_api import FakeSlackApi
from bot.sandbox.sandbox_app import Sandbox
from tests.approvals_helpers import buttons
from tests.sandbox.test_sandbox_exit import START_TIMEOUT, read_until, sandbox_env


def settings() -> Settings:
    return Settings(_env_file=None, github_token=None, openai_api_key=None, tryton_url=None, odoo_url=None)


async def settled(sandbox: Sandbox) -> None:
    assert sandbox.bot is not None
    await sandbox.bot.worker.drain()


async def test_an_approved_merge_and_its_thread_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "state"  # made on first use
    async with Sandbox(settings(), port=0, sweep_interval=None, data=data) as first:
        await first.send("U1", "C1", "@opsbot merge pr 7 in acme/api")
        await settled(first)
        card = next(
            m for m in first.slack.messages("C1") if any(b["action_id"] == "opsbot.approve" for b in buttons(m))
        )
        [approve] = [b for b in buttons(card) if b["action_id"] == "opsbot.approve"]
        block = next(str(b["block_id"]) for b in objects(card["blocks"]) if b["type"] == "actions")
        await first.click("U2", "C1", str(card["ts"]), "opsbot.approve", approve["value"], block)
        await settled(first)
        before = first.state("U1")["messages"]["C1"]
    assert {p.name for p in data.iterdir()} >= {saved_state.DATABASE, saved_state.SLACK, saved_state.GITHUB}

    async with Sandbox(settings(), port=0, sweep_interval=None, data=data) as again:
        shown = again.state("U1")
        assert [(m["ts"], m["html"]) for m in shown["messages"]["C1"]] == [(m["ts"], m["html"]) for m in before]
        assert "Done: Merge #7" in shown["messages"]["C1"][1]["html"]
        assert shown["messages"]["C1"][0]["reply_count"] == 2  # the card's thread: the card and "Merged #7"
        github = shown["github"]
        assert github["merges"] == 1
        merged = {"number": 7, "title": "Add rate limiting to /login", "state": "merged", "author": "ana"}
        assert merged in items(github["pulls"])
        newer = again.slack.add_message("C1", "after the restart", "U1")
        assert float(newer) > max(float(m["ts"]) for m in before)  # ts stay unique and increasing
        await again.send("U1", "C1", "/ops audit today")  # the database too: the audit trail still has the merge
        await settled(again)
        audit = json.dumps(again.slack.ephemerals("U1")[-1])
        assert "approval.approved by <@U2>" in audit and "step.result" in audit


def test_what_the_demo_github_changed_is_taken_back(tmp_path: Path) -> None:
    github = FakeGitHub(token=demo.GITHUB_TOKEN)
    demo.seed_github(github)
    repo = github.repos[demo.REPO]
    pull, run = repo.pulls[7], repo.runs[demo.CI_RUN_ID]
    when = datetime(2026, 1, 2, tzinfo=UTC)
    pull.merged, pull.state, pull.merged_by, pull.closed_at = True, "closed", "opsbot", when
    run.status, run.conclusion, run.attempt = "queued", None, 2
    demo_issue = repo.issues[3]  # one of the demo's own, closed by opsbot
    demo_issue.state, demo_issue.state_reason = "closed", "not_planned"
    demo_issue.closed_at, demo_issue.closed_by = when, "opsbot"
    issue = FakeIssue(number=12, title="Crash on login", body=None, user="opsbot", created_at=when)
    repo.issues[12] = issue
    github.issues.append(issue)
    github.merges.append({"repo": demo.REPO, "number": 7, "method": "squash", "sha": "abc"})
    github.reruns.append({"repo": demo.REPO, "run_id": demo.CI_RUN_ID})
    github.dispatches.append(
        {"repo": demo.REPO, "workflow": "deploy.yml", "ref": "main", "inputs": {"environment": "staging"}}
    )
    saved_state.save(tmp_path, FakeSlackApi(), github)

    again = FakeGitHub(token=demo.GITHUB_TOKEN)
    demo.seed_github(again)
    saved_state.load(tmp_path, FakeSlackApi(), again)
    kept = again.repos[demo.REPO]
    changed = kept.pulls[7]
    assert (changed.merged, changed.state, changed.merged_by, changed.closed_at) == (True, "closed", "opsbot", when)
    assert (kept.pulls[8].merged, kept.pulls[8].state) == (False, "open")
    rerun = kept.runs[demo.CI_RUN_ID]
    assert (rerun.status, rerun.conclusion, rerun.attempt) == ("queued", None, 2)
    assert again.issues == [issue] and kept.issues[12] == issue
    closed = kept.issues[3]
    assert (closed.state, closed.state_reason, closed.closed_at, closed.closed_by) == (
        "closed",
        "not_planned",
        when,
        "opsbot",
    )
    assert (kept.issues[5].state, kept.issues[5].labels) == ("open", ["documentation"])
    assert (again.merges, again.reruns, again.dispatches) == (github.merges, github.reruns, github.dispatches)


async def test_a_saved_file_that_is_not_json_is_an_exit_2_error(tmp_path: Path) -> None:
    (tmp_path / saved_state.SLACK).write_text("{not json", encoding="utf-8")
    with pytest.raises(saved_state.DataDirError) as raised:
        async with Sandbox(settings(), port=0, sweep_interval=None, data=tmp_path):
            pass
    assert raised.value.exit_code == 2
    assert str(raised.value).startswith(f"cannot read {tmp_path / saved_state.SLACK} (")
    assert (tmp_path / saved_state.SLACK).read_text(encoding="utf-8") == "{not json"  # not overwritten at stop


async def run_cli(cwd: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.cli", "sandbox", "--port", "0", *args,
        cwd=cwd, env=sandbox_env(), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_the_command_keeps_its_state_in_dir_and_a_bad_dir_is_one_line_and_exit_2(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("", encoding="utf-8")
    bad = await run_cli(tmp_path, "--data", str(not_a_dir / "state"))
    async with asyncio.timeout(START_TIMEOUT):
        out, err = await bad.communicate()
    assert bad.returncode == 2
    assert out == b""
    assert err.decode().splitlines() == [
        f"opsbot: cannot keep the sandbox's state in {not_a_dir / 'state'} (not a directory) — pass --data a "
        "directory this user can write (it is made if missing), or leave --data out"
    ]

    proc = await run_cli(tmp_path, "--data", "kept")  # relative to where it runs
    assert proc.stdout is not None and proc.stderr is not None
    try:
        banner, match = await read_until(proc.stdout, r"open (http://127\.0\.0\.1:\d+/)")
        assert "state kept in kept;" in banner
        async with aiohttp.ClientSession() as http:
            sent = {"user": "U1", "channel": "C1", "text": "remember me"}
            async with http.post(match.group(1) + "api/send", json=sent) as resp:
                assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    saved = json.loads((tmp_path / "kept" / saved_state.SLACK).read_text(encoding="utf-8"))
    assert [m["text"] for m in saved["messages"]["C1"]] == ["remember me"]
    assert re.fullmatch(r"\d{10}\.\d{6}", saved["messages"]["C1"][0]["ts"])
    assert (tmp_path / "kept" / saved_state.DATABASE).is_file()
