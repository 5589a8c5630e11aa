"""Issue 18: `/ops deploy` and the gate GitHub then holds it at live in one thread — the request, its approval, the
gate's card and approval, and the deployment's outcome — and whoever asked for the deploy is the gate's requester,
so they cannot approve it themselves. A gate with no deploy asked for in Slack (or a second one) goes to its route."""

from __future__ import annotations

from typing import Any

from bot.sandbox.fakes.github import webhooks
from tests.approvals_helpers import cards, click
from tests.harness import Harness
from tests.triggers.conftest import WEBHOOK_SECRET, posts, send_github, ts_of
from tests.triggers.test_deployment_gates import REVIEW_RULES


def in_thread(env: Harness, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [p for p in posts(env, channel) if p.get("thread_ts") == thread_ts]


async def test_a_deploy_asked_in_slack_and_its_gate_share_one_thread(db_url: str, tmp_path: Any) -> None:
    rules = tmp_path / "review.yaml"
    rules.write_text(REVIEW_RULES, encoding="utf-8")
    async with Harness(db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules)) as env:
        env.github.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",))
        env.slack.set_members("C7", ["U1", "U2", "U3"])
        await env.driver.command("deploy production", user="U1", channel="C1")
        await env.settle()
        [request] = cards(env)
        await click(env, "opsbot.approve", request, "U2", channel="C1")
        assert [d["inputs"] for d in env.github.dispatches] == [{"environment": "production"}]
        [root] = posts(env, "C1", top_level=True)
        thread = ts_of(env, root)

        env.github.add_run("acme/api", 4312, name="Deploy", branch="main", conclusion=None, status="waiting")
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4312, sender="opsbot-acme[bot]"))
        assert posts(env, "C7") == []  # not in the route's channel: in the thread where the deploy was asked for
        said = [str(p.get("text")) for p in in_thread(env, "C1", thread)]
        assert any("Deployment to production waiting" in s for s in said)
        [_, gate] = cards(env)  # the gate's approval card, in the same thread
        assert gate.params["channel"] == "C1" and gate.params["thread_ts"] == thread

        await click(env, "opsbot.approve", gate, "U1", channel="C1")  # U1 asked for the deploy: not theirs to pass
        assert "someone else has to approve it" in env.slack.ephemerals("U1")[-1]["text"]
        assert env.github.repos["acme/api"].gate_reviews == []
        await click(env, "opsbot.approve", gate, "U3", channel="C1")
        assert [r["state"] for r in env.github.repos["acme/api"].gate_reviews] == ["approved"]

        await send_github(env, webhooks.deployment_status_created(run_id=4312, state="success"))
        assert "✅ Deployed to production." in [p.get("text") for p in in_thread(env, "C1", thread)]

        # the request was joined once: a later gate for the same environment and ref is announced on its own
        env.github.add_run("acme/api", 4313, name="Deploy", branch="main", conclusion=None, status="waiting")
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4313))
        assert len(posts(env, "C7", top_level=True)) == 1


async def test_a_gate_long_after_the_deploy_was_asked_is_announced_on_its_own(db_url: str, tmp_path: Any) -> None:
    rules = tmp_path / "review.yaml"
    rules.write_text(REVIEW_RULES, encoding="utf-8")
    async with Harness(db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules)) as env:
        env.github.add_workflow("acme/api", "deploy.yml", name="Deploy", required=("environment",))
        await env.driver.command("deploy production", user="U1", channel="C1")
        await env.settle()
        [request] = cards(env)
        await click(env, "opsbot.approve", request, "U2", channel="C1")
        env.clock.advance(2 * 3600)  # two hours later: not that deploy's gate any more
        env.github.add_run("acme/api", 4312, name="Deploy", branch="main", conclusion=None, status="waiting")
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4312))
        assert len(posts(env, "C7", top_level=True)) == 1
