"""Opsbot removed from a channel while work goes on there (issue 17, item 1): the run's messages go privately to the
people they are for — never to someone else whose click happened to move them on, never to a person a webhook rule
named who may not be in the channel — and the run ends as it would have (its thread freed for the next request)."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.domain import RunStatus
from bot.sandbox.fakes.github import webhooks
from tests.approvals_helpers import cards, click
from tests.fakes.openai_server import text_response, tool_call_response
from tests.harness import Harness
from tests.triggers.conftest import WEBHOOK_SECRET, send_github
from tests.triggers.test_deployment_gates import REVIEW_RULES

MERGE_31 = {"repo": "acme/api", "number": 31, "method": "merge", "commit_message": None}


def direct_messages(env: Harness, user: str) -> list[str]:
    return [str(c.params["text"]) for c in env.slack.calls_to("chat.postMessage") if c.params["channel"] == user]


async def test_the_next_request_in_a_thread_is_answered_to_its_own_asker_not_to_the_approver(db_url: str) -> None:
    async with Harness(db_url, model=True) as env:
        assert env.model is not None and env.bot is not None
        env.github.add_pr("acme/api", 31, "Tidy the retry loop", author="ana")
        env.model.script(
            tool_call_response(("merge_pull_request", MERGE_31)),
            text_response("Merged #31."),
            text_response("The answer for cy only."),
        )
        first = await env.driver.mention("merge pr 31 in acme/api", user="U1")
        await env.settle()
        await env.driver.mention("what changed in #31?", user="U3", thread_ts=first.payload["event"]["ts"])
        await env.settle()  # queued behind U1's request in the same thread
        [card] = cards(env)
        env.slack.set_outside("C1", "not_in_channel")  # removed while the card waited
        await click(env, "opsbot.approve", card, "U2")
        await env.settle()
        assert len(env.github.merges) == 1
        to_approver = json.dumps(env.slack.ephemerals("U2"))
        assert "Merged #31." in to_approver and "The answer for cy only." not in to_approver
        assert any("The answer for cy only." in said for said in direct_messages(env, "U3"))  # to its own asker
        assert "ask again" not in json.dumps([c.params for c in env.slack.calls])
        statuses = {r.actor: r.status for r in await env.bot.repo.recent_runs(source="slack.mention", actor="U3",
                                                                               limit=5)}  # fmt: skip
        assert statuses == {"U3": RunStatus.SUCCEEDED}  # the thread was freed and the next request ran
        env.model.assert_script_consumed()


async def test_a_webhook_rules_run_in_a_lost_private_channel_tells_nobody_outside_it(
    db_url: str, tmp_path: Path
) -> None:
    rules = tmp_path / "review.yaml"
    rules.write_text(REVIEW_RULES, encoding="utf-8")
    async with Harness(
        db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules), opsbot_github_people="ana=U1"
    ) as env:
        env.github.add_run("acme/api", 4312, name="Deploy", conclusion=None, status="waiting")
        env.slack.set_members("C7", ["U2", "U3"])  # ana (U1), who triggered the deployment, is not in it
        await send_github(env, webhooks.deployment_protection_rule_requested(run_id=4312, sender="ana"))
        [card] = cards(env)
        env.slack.set_outside("C7", "channel_not_found")
        await click(env, "opsbot.approve", card, "U2", channel="C7")
        assert direct_messages(env, "U1") == []  # a message of C7 never goes to a person outside it
        assert any("Approved" in str(e["text"]) for e in env.slack.ephemerals("U2"))  # the approver hears
