"""close_issue end to end: a mention in Slack, the approval card, another person's approval, one PATCH to GitHub."""

from __future__ import annotations

import json
from typing import Any

from tests.harness import Harness


def buttons(call_params: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in call_params.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def patches(env: Harness, number: int) -> list[Any]:
    return [r.json for r in env.github.requests if r.method == "PATCH" and r.path.endswith(f"/issues/{number}")]


async def test_close_issue_is_approved_by_someone_else_and_closes_once(env: Harness) -> None:
    env.github.add_issue("acme/api", 3, "Login page times out")
    await env.driver.mention("close issue 3 in acme/api as not planned", user="U1", channel="C1")
    await env.settle()

    [card] = env.slack.calls_to("chat.postMessage")
    text = json.dumps(card.params["blocks"], ensure_ascii=False)
    assert "Close #3 Login page times out" in text and "not planned" in text and "open → closed" in text
    approve = next(b for b in buttons(card.params) if b["action_id"] == "opsbot.approve")
    assert patches(env, 3) == [] and env.github.repos["acme/api"].issues[3].state == "open"

    await env.driver.click(
        "opsbot.approve", approve["value"], as_user="U1", channel="C1", message_ts=card.response["ts"]
    )
    await env.settle()
    assert patches(env, 3) == []  # the requester may not approve their own request

    for user in ("U2", "U3"):  # a second click after the decision changes nothing
        await env.driver.click(
            "opsbot.approve", approve["value"], as_user=user, channel="C1", message_ts=card.response["ts"]
        )
    await env.settle()

    issue = env.github.repos["acme/api"].issues[3]
    assert (issue.state, issue.state_reason) == ("closed", "not_planned")
    assert patches(env, 3) == [{"state": "closed", "state_reason": "not_planned"}]
    final = env.slack.calls_to("chat.update")[-1].params
    assert buttons(final) == [] and "Done: Close #3" in json.dumps(final["blocks"])
    said = [
        c for c in env.slack.calls_to("chat.postMessage") if "Closed #3 in `acme/api` as not planned" in str(c.params)
    ]
    assert len(said) == 1 and said[0].params["thread_ts"] == card.params["thread_ts"]  # said once, in the thread


async def test_the_generic_form_and_help_know_close_issue(env: Harness) -> None:
    env.github.add_issue("acme/api", 4, "Flaky deploy")
    await env.driver.command("help", user="U1", channel="C1")
    await env.driver.command("close_issue repo=acme/api number=4 comment=Done", user="U1", channel="C1")
    await env.settle()

    [help_reply] = env.slack.calls_to("response_url")
    assert "close_issue" in json.dumps(help_reply.params.get("blocks", []))
    [card] = env.slack.calls_to("chat.postMessage")
    assert "Close #4 Flaky deploy" in json.dumps(card.params["blocks"], ensure_ascii=False)
    assert patches(env, 4) == [] and env.github.comments == []
