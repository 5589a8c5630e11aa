"""The sandbox's demo buttons: on demo data they work; with GITHUB_TOKEN set, the GitHub demos are refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app.settings import Settings
from bot.sandbox import demo as sandbox_demo
from bot.sandbox.sandbox_app import Sandbox
from tests.approvals_helpers import buttons
from tests.fakes.github import FakeGitHub

TOKEN = "ghp_REALTOKENREALTOKENREALTOKEN0123456"


@pytest.fixture
async def real_github() -> AsyncIterator[FakeGitHub]:
    """Stands for the user's real GitHub: the sandbox must send it nothing on a demo button."""
    async with FakeGitHub(token=TOKEN) as github:
        github.add_repo("acme/api")
        yield github


async def demo(sandbox: Sandbox, name: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sandbox.url}api/demo", json={"user": "U1", "name": name}) as resp,
    ):
        return resp.status, await resp.text()


async def test_with_a_github_token_the_github_demos_are_refused_and_say_why(real_github: FakeGitHub) -> None:
    settings = Settings(
        _env_file=None, github_token=SecretStr(TOKEN), github_api_url=real_github.url, openai_api_key=None,
        tryton_url=None, odoo_url=None,
    )  # fmt: skip
    async with Sandbox(settings, port=0, sweep_interval=None) as sandbox:
        state = sandbox.state("U1")
        assert state["github"] == {"demo": False}
        assert state["demos"]["ci-failure"] and "GITHUB_TOKEN" in state["demos"]["ci-failure"]
        assert state["demos"]["digest"] and state["demos"]["erp-overdue"] is None
        for name in ("ci-failure", "digest"):
            status, text = await demo(sandbox, name)
            assert (status, "GITHUB_TOKEN is set" in text) == (409, True)
        assert sandbox.slack.calls_to("chat.postMessage") == []
        assert real_github.requests == []
        status, _ = await demo(sandbox, "no-such-demo")
        assert status == 400


async def test_on_demo_data_every_demo_is_available() -> None:
    settings = Settings(_env_file=None, github_token=None, openai_api_key=None, tryton_url=None, odoo_url=None)
    async with Sandbox(settings, port=0, sweep_interval=None) as sandbox:
        assert sandbox.state("U1")["demos"] == {"ci-failure": None, "digest": None, "erp-overdue": None}
        status, _ = await demo(sandbox, "digest")
        assert status == 200
        assert [c.params["channel"] for c in sandbox.slack.calls_to("chat.postMessage")] == ["C1"]


async def test_the_ci_failure_demo_reports_the_seeded_run_with_a_rerun_button() -> None:
    settings = Settings(_env_file=None, github_token=None, openai_api_key=None, tryton_url=None, odoo_url=None)
    async with Sandbox(settings, port=0, sweep_interval=None) as sandbox:
        status, _ = await demo(sandbox, "ci-failure")
        assert status == 200
        root, failure = (c.params for c in sandbox.slack.calls_to("chat.postMessage"))
        assert "CI for `acme/api`" in json.dumps(root["blocks"]) and failure["thread_ts"]
        latest = ([failure] + [c.params for c in sandbox.slack.calls_to("chat.update")])[-1]
        assert all(f"`{job}`" in json.dumps(latest["blocks"]) for job in sandbox_demo.CI_JOBS)
        [rerun] = [b for b in buttons(latest) if b["action_id"] == "opsbot.rerun_failed_jobs"]
        assert json.loads(rerun["value"]) == {"repo": "acme/api", "run_id": sandbox_demo.CI_RUN_ID}
        assert sandbox.github is not None and sandbox_demo.CI_RUN_ID in sandbox.github.repos["acme/api"].runs
