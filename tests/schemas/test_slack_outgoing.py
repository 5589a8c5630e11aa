"""Every Block Kit message and modal the bot sends, across its flows, parses through slack_sdk's models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sandbox.fakes.slack_blockkit import block_problems, view_problems
from bot.slack_ui.trigger_blocks import (
    DigestSection,
    DigestView,
    alert_card,
    ci_failure,
    digest_blocks,
    pr_card,
    probe_card,
)
from tests.approvals_helpers import approval_of, cards, click, submit_last_modal
from tests.fakes.slack_api import Call, FakeSlackApi
from tests.harness import Harness

SENDS_BLOCKS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
SENDS_VIEWS = ("views.open", "views.update")


@pytest.fixture
async def strict(db_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    """The app with the fake Slack refusing any block or view slack_sdk refuses (as Slack would)."""
    monkeypatch.setattr(FakeSlackApi, "check_blocks", True)
    async with Harness(db_url) as harness:
        yield harness


def problems(calls: list[Call]) -> list[str]:
    found: list[str] = []
    for call in calls:
        if call.method in SENDS_BLOCKS and call.params.get("blocks") is not None:
            found += [f"{call.method}: {p}" for p in block_problems(call.params["blocks"])]
        if call.method in SENDS_VIEWS:
            found += [f"{call.method}: {p}" for p in view_problems(call.params.get("view"))]
    return found


async def test_every_message_and_modal_of_the_main_flows_parses(strict: Harness) -> None:
    env = strict
    env.github.add_pr("acme/api", 42, title="Fix login redirect", author="ana", head="fix/login", base="main")
    env.github.add_pr("acme/api", 43, title="Add rate limiting", author="ben", head="rate", base="main")
    await env.driver.command("help", user="U1", channel="C1")  # the help list, ephemeral
    await env.driver.mention("list prs in acme/api", user="U1", channel="C1")  # a read, answered in the thread
    await env.driver.dm("list prs in acme/api", user="U1", channel="D1")
    await env.driver.mention("mrege pr 42 in acme/api", user="U1")  # a typo: did you mean
    await env.driver.mention("merge pr 42 in acme/api", user="U1", channel="C1")  # an approval card
    await env.settle()
    [first] = cards(env)
    await click(env, "opsbot.approve", first, "U1")  # refused: one's own request (ephemeral)
    await click(env, "opsbot.edit", first, "U1")  # the edit modal
    await submit_last_modal(env, "U1", {"repo": "acme/api", "number": "43", "method": "squash"})
    second = cards(env)[-1]
    await click(env, "opsbot.reject", second, "U2")  # the reject modal
    await submit_last_modal(env, "U2", {"reason": "not before the release"})
    await env.driver.mention("merge pr 42 in acme/api", user="U1", channel="C1")
    await env.settle()
    third = cards(env)[-1]
    await click(env, "opsbot.approve", third, "U2")  # approved, merged, the card updated
    assert approval_of(third) != approval_of(second)

    sent = {c.method for c in env.slack.calls}
    assert {"chat.postMessage", "chat.update", "chat.postEphemeral", "views.open"} <= sent
    assert [c.method for c in env.slack.calls if not c.ok] == []  # nothing was refused as invalid
    assert problems(env.slack.calls) == []
    assert len(env.github.merges) == 1


def test_a_broken_card_would_be_caught() -> None:
    call = Call(
        method="chat.postMessage",
        params={"blocks": [{"type": "header", "text": {"type": "plain_text"}}]},  # the header's text lost its text
        time=0.0,
    )
    [problem] = problems([call])
    assert problem.startswith("chat.postMessage: blocks[0] (header):")


TRIGGER_CARDS: dict[str, list[dict[str, Any]]] = {
    "pr": pr_card(
        {
            "number": 42,
            "title": "Fix login redirect",
            "repo": "acme/api",
            "author": "ana",
            "checks": {"test": "success", "lint": "failure"},
            "head": "fix/login",
            "base": "main",
            "url": "https://github.example/acme/api/pull/42",
        }
    ),
    "ci": ci_failure(
        {"workflow": "CI", "branch": "main", "sha": "a1b2c3d4e5", "jobs": ["test"], "rerun": {"run": 7}, "key": "7"}
    ),
    "alert": alert_card(
        {
            "status": "firing",
            "severity": "critical",
            "alertname": "ApiDown",
            "labels": {"service": "api"},
            "summary": "api is down",
            "runbook": "https://runbooks.example/api",
        }
    ),
    "probe": probe_card({"status": "degraded", "name": "web", "url": "https://web.example", "p95": 900, "why": "slow"}),
    "digest": digest_blocks(
        DigestView(title="Morning digest", sections=[DigestSection(title="Open PRs", lines=["#42 Fix"])], footer="ok")
    ),
}


@pytest.mark.parametrize("name", sorted(TRIGGER_CARDS))
def test_every_trigger_card_parses(name: str) -> None:
    assert block_problems(TRIGGER_CARDS[name]) == []
