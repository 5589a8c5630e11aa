"""Issue 18 (item 2, first part): a `deployment_protection_rule.requested` webhook is read — environment, ref,
commit, who triggered it, and the workflow run to answer for (from `deployment_callback_url`, only when it names
the same repository) — routed by repository and environment, and announced once per run and environment."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app.settings import parse_github_people
from bot.core.domain import Event, Source
from bot.core.errors import ConfigurationError
from bot.sandbox.fakes.github import webhooks
from bot.triggers.deploy_changes import DeploymentGate
from bot.triggers.github_changes import github_change
from bot.triggers.trigger_rules import When, matches
from tests.approvals_helpers import cards, click, submit_last_modal
from tests.harness import Harness
from tests.triggers.conftest import WEBHOOK_SECRET, inbox_count, posts, send_github, ts_of, updates

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


REVIEW_RULES = """\
routes:
  - name: production-gate
    when: {source: github, events: ["deployment_protection_rule.requested"], environments: [production]}
    notify: C7
    run:
      tool: review_deployment
      args: {repo: "{repo}", run_id: "{run_id}", environment: "{environment}"}
"""


async def test_a_gate_approved_in_slack_answers_github_once(db_url: str, tmp_path: Any) -> None:
    rules = tmp_path / "review.yaml"
    rules.write_text(REVIEW_RULES, encoding="utf-8")
    async with Harness(db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules)) as env:
        env.github.add_run("acme/api", 4312, name="Deploy", branch="main", conclusion=None, status="waiting")
        env.slack.set_members("C7", ["U1", "U2", "U3"])
        env.slack.set_user("U2", name="dana", profile={"display_name": "Dana Ito"})
        hook = webhooks.deployment_protection_rule_requested(run_id=4312)
        await send_github(env, hook)
        [root] = posts(env, "C7", top_level=True)
        [card] = cards(env)  # the approval card, in the gate's thread
        assert card.params["thread_ts"] == ts_of(env, root)
        shown = str(card.params["blocks"])
        assert "Approve deployment to production in acme/api" in shown and "Deploy #4312" in shown
        assert env.github.repos["acme/api"].gate_reviews == []  # nothing is answered before the approval

        await click(env, "opsbot.approve", card, "U2", channel="C7")
        [review] = env.github.repos["acme/api"].gate_reviews
        assert (review["run_id"], review["environment"], review["state"]) == (4312, "production", "approved")
        assert review["comment"] == "Approved in Slack by Dana Ito through opsbot's approval policy."
        await click(env, "opsbot.approve", card, "U3", channel="C7")  # decided already: nothing is sent again
        await send_github(env, hook)  # GitHub redelivers: dropped
        assert len(env.github.repos["acme/api"].gate_reviews) == 1 and len(cards(env)) == 1


async def gate_env(db_url: str, tmp_path: Any) -> Harness:
    rules = tmp_path / "review.yaml"
    rules.write_text(REVIEW_RULES, encoding="utf-8")
    env = Harness(db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules))
    return env


async def test_a_gate_rejected_in_slack_tells_github_rejected_with_the_reason(db_url: str, tmp_path: Any) -> None:
    async with await gate_env(db_url, tmp_path) as env:
        env.github.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
        env.slack.set_members("C7", ["U1", "U2", "U3"])
        env.slack.set_user("U2", name="ben", profile={"display_name": "Ben Keller"})
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4312))
        [card] = cards(env)
        await click(env, "opsbot.reject", card, "U2", channel="C7")
        await submit_last_modal(env, "U2", {"reason": "checks are failing"})
        [review] = env.github.repos["acme/api"].gate_reviews
        assert (review["state"], review["environment"]) == ("rejected", "production")
        assert review["comment"] == "Rejected in Slack by Ben Keller: checks are failing"
        said = [str(c.params.get("text")) for c in env.slack.calls_to("chat.postMessage")]
        assert any("Rejected the deployment of run 4312" in s for s in said)


async def test_a_gate_that_expires_tells_github_rejected_once(db_url: str, tmp_path: Any) -> None:
    async with await gate_env(db_url, tmp_path) as env:
        assert env.bot is not None
        env.github.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4312))
        env.clock.advance(3 * 3600)  # past the default two hours
        await env.bot.timers.tick()
        await env.settle()
        await env.bot.timers.tick()  # a second pass sends nothing again
        await env.settle()
        [review] = env.github.repos["acme/api"].gate_reviews
        assert review["state"] == "rejected" and "expired" in str(review["comment"])


async def test_a_refusal_github_does_not_take_is_said_in_the_thread(db_url: str, tmp_path: Any) -> None:
    async with await gate_env(db_url, tmp_path) as env:
        env.github.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
        env.slack.set_members("C7", ["U1", "U2"])
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4312))
        [card] = cards(env)
        env.github.repos["acme/api"].gate_reviews.append(  # answered elsewhere meanwhile: GitHub refuses ours
            {"run_id": 4312, "environment": "production", "state": "approved", "comment": None}
        )
        await click(env, "opsbot.reject", card, "U2", channel="C7")
        await submit_last_modal(env, "U2", {"reason": "no"})
        said = [str(c.params.get("text")) for c in env.slack.calls_to("chat.postMessage")]
        assert any("couldn't pass the refusal on" in s for s in said)
        assert len(env.github.repos["acme/api"].gate_reviews) == 1


async def test_who_triggered_the_deployment_cannot_approve_it(db_url: str, tmp_path: Any) -> None:
    rules = tmp_path / "review.yaml"
    rules.write_text(REVIEW_RULES, encoding="utf-8")
    people = "ana=U1,Ben=U2"
    async with Harness(
        db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules), opsbot_github_people=people
    ) as env:
        env.github.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
        env.slack.set_members("C7", ["U1", "U2"])
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4312, sender="ana"))
        [card] = cards(env)
        assert "<@U1>" in str(card.params["blocks"])  # requested by ana, as she is in Slack
        await click(env, "opsbot.approve", card, "U1", channel="C7")
        assert "someone else has to approve it" in env.slack.ephemerals("U1")[-1]["text"]
        assert env.github.repos["acme/api"].gate_reviews == []
        await click(env, "opsbot.approve", card, "U2", channel="C7")
        assert [r["state"] for r in env.github.repos["acme/api"].gate_reviews] == ["approved"]


def test_github_people_are_read_or_refused_in_one_line() -> None:
    assert parse_github_people("ana=U0123ABC, Ben=W0456DEF;") == {"ana": "U0123ABC", "ben": "W0456DEF"}
    for bad in ("ana", "ana=ana", "-x=U0123ABC", "ana=C0123ABC"):
        with pytest.raises(ConfigurationError, match="OPSBOT_GITHUB_PEOPLE"):
            parse_github_people(bad)


async def test_the_gate_card_follows_its_deployment_to_the_end(db_url: str, tmp_path: Any) -> None:
    async with await gate_env(db_url, tmp_path) as env:
        env.github.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4312))
        [root] = posts(env, "C7", top_level=True)
        root_ts = ts_of(env, root)
        for state in ("in_progress", "success", "success"):  # GitHub may say a state twice
            await send_github(env, webhooks.deployment_status_created(run_id=4312, state=state))
        headers = [u["blocks"][0]["text"]["text"] for u in updates(env, root_ts)]
        assert headers == ["⏳ Deployment to production: in_progress", "✅ Deployed to production"]
        replies = [p["text"] for p in posts(env, "C7", top_level=False) if p.get("thread_ts") == root_ts]
        assert replies.count("✅ Deployed to production.") == 1

        before = len(posts(env, "C7"))
        await send_github(env, webhooks.deployment_status_created(run_id=9999, state="failure"))  # never gated
        assert len(updates(env, root_ts)) == 2 and len(posts(env, "C7")) == before and posts(env, "C2") == []
