"""Issue 18 (item 2, first part): a `deployment_protection_rule.requested` webhook is read — environment, ref,
commit, who triggered it, and the workflow run to answer for (from `deployment_callback_url`, only when it names
the same repository) — routed by repository and environment, and announced once per run and environment."""

from __future__ import annotations

from typing import Any

from bot.core.domain import Event, Source
from bot.sandbox.fakes.github import webhooks
from bot.triggers.github_changes import DeploymentGate, github_change
from bot.triggers.trigger_rules import When, matches
from tests.harness import Harness
from tests.triggers.conftest import WEBHOOK_SECRET, inbox_count, posts, send_github

GATE_RULES = """\
routes:
  - name: production-gate
    when: {source: github, repos: ["acme/*"], events: ["deployment_protection_rule.requested"],
           environments: [production]}
    notify: C7
  - name: the rest
    when: {source: github}
    notify: C2
"""


def change_of(hook: webhooks.Webhook) -> Any:
    event = Event(
        source=Source.GITHUB,
        type=hook.name,
        dedupe_key="github:test",
        team_id="T111",
        actor="github:ana",
        payload={"event": hook.event, "body": hook.payload},
    )
    return github_change(event)


def test_the_gate_is_read_from_the_payload() -> None:
    hook = webhooks.deployment_protection_rule_requested(ref="release/1.4", run_id=4312, sender="ana")
    change = change_of(hook)
    gate = change.detail
    assert isinstance(gate, DeploymentGate)
    assert (gate.environment, gate.ref, gate.run_id, gate.creator) == ("production", "release/1.4", 4312, "ana")
    assert gate.sha == hook.payload["sha"] and change.facts.environment == "production"
    assert change.facts.branch == "release/1.4" and change.facts.values["run_id"] == 4312


def test_a_callback_url_of_another_repository_names_no_run() -> None:
    hook = webhooks.deployment_protection_rule_requested(run_id=4312)
    hook.payload["deployment_callback_url"] = (
        "https://api.github.com/repos/evil/other/actions/runs/4312/deployment_protection_rule"
    )
    assert change_of(hook).detail.run_id is None


def test_rules_match_on_the_environment() -> None:
    facts = change_of(webhooks.deployment_protection_rule_requested(environment="staging")).facts
    assert matches(When(environments=["staging", "qa-*"]), facts)
    assert not matches(When(environments=["production"]), facts)
    assert matches(When(), facts)


async def test_a_gate_is_announced_in_the_routed_channel_once(db_url: str, tmp_path: Any) -> None:
    rules = tmp_path / "gates.yaml"
    rules.write_text(GATE_RULES, encoding="utf-8")
    async with Harness(db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules)) as env:
        hook = webhooks.deployment_protection_rule_requested(run_id=4312, sender="ana")
        assert (await send_github(env, hook))[0] == 202
        [card] = posts(env, "C7", top_level=True)
        shown = str(card["blocks"])
        assert "Deployment to production is waiting" in shown and "acme/api/actions/runs/4312" in shown
        assert "ana" in shown and "`main`" in shown
        assert (await send_github(env, hook))[0] == 200  # the same body again: dropped
        again = webhooks.deployment_protection_rule_requested(run_id=4312, sender="ana")
        deployment = again.payload["deployment"]
        assert isinstance(deployment, dict)
        deployment["updated_at"] = "2026-12-03T08:00:00Z"
        assert (await send_github(env, again))[0] == 202  # a new body for the same run and environment
        assert len(posts(env, "C7", top_level=True)) == 1 and await inbox_count(env) == 2
        await send_github(env, webhooks.deployment_protection_rule_requested(environment="staging", run_id=4313))
        assert len(posts(env, "C2", top_level=True)) == 1  # another environment, another route


async def test_a_gate_without_its_environment_or_callback_is_refused_with_400(hooks: Harness) -> None:
    hook = webhooks.deployment_protection_rule_requested()
    del hook.payload["deployment_callback_url"]
    status, body = await send_github(hooks, hook)
    assert status == 400 and "deployment_callback_url" in str(body)
    assert await inbox_count(hooks) == 0
