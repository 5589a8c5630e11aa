"""Extra, with the upstream corpus: octokit's recorded webhook examples go through the app, and ours have their keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.edges.hook_events import github_dedupe_key
from bot.sandbox.fakes.github import webhooks
from tests import upstream
from tests.harness import Harness
from tests.triggers.conftest import WEBHOOK_SECRET, posts, send_github

WHAT = "octokit's recorded GitHub webhook examples (github/webhooks, with headers.json)"
EVERY_GITHUB_EVENT = """\
routes:
  - name: everything from GitHub
    when: {source: github}
    notify: C1
"""
OURS: dict[str, Callable[[], webhooks.Webhook]] = {  # our builder for the same event and action as a recorded example
    "pull_request.opened": webhooks.pull_request,
    "pull_request.closed": lambda: webhooks.pull_request("closed"),
    "pull_request.synchronize": lambda: webhooks.pull_request("synchronize"),
    "check_run.completed": webhooks.check_run_completed,
    "workflow_job.completed": webhooks.workflow_job_completed,
    "workflow_run.completed": webhooks.workflow_run_completed,
    "issue_comment.created": webhooks.issue_comment_created,
    "ping": webhooks.ping,
    "push": webhooks.push,
}
APP_ONLY = {"installation", "enterprise"}  # what a GitHub App's delivery adds; ours are a repository's webhook


def recorded() -> list[tuple[str, webhooks.Webhook]]:
    """Each recorded example as a delivery, with the event and action that headers.json gives it."""
    found = upstream.files("github/webhooks", "*.json", what=WHAT)
    meta = json.loads(found.pop("headers.json"))["files"]
    assert set(meta) == set(found), "headers.json names every example"
    return [(name, webhooks.Webhook(meta[name]["X-GitHub-Event"], json.loads(text))) for name, text in found.items()]


async def test_every_recorded_example_is_accepted_and_handled(db_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(EVERY_GITHUB_EVENT, encoding="utf-8")
    examples = recorded()
    async with Harness(db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules)) as env:
        assert env.bot is not None
        for name, hook in examples:
            status, _ = await send_github(env, hook, delivery=name)
            assert status == (200 if hook.event == "ping" else 202), name
            if hook.event != "ping":
                key = github_dedupe_key(json.dumps(hook.payload).encode())  # as send_github sends it
                assert await env.bot.repo.inbox_status(key) == "done", name
        assert any(p.get("thread_ts") is None for p in posts(env, "C1")), "the opened PR got its card"


def test_ours_have_every_key_of_the_recorded_example_two_levels_down() -> None:
    compared = 0
    for name, hook in recorded():
        build = OURS.get(hook.name)
        if build is None:
            continue
        compared += 1
        missing = sorted(set(_keys(hook.payload)) - set(_keys(build().payload)))
        assert missing == [], f"{name}: the recorded example has {missing}; our builder does not"
    assert compared >= len(OURS)


def _keys(payload: dict[str, Any]) -> list[str]:
    found = []
    for key, value in payload.items():
        if key in APP_ONLY:
            continue
        found.append(key)
        if isinstance(value, dict):
            found += [f"{key}.{inner}" for inner in value]
    return found
