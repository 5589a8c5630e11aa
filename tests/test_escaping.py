"""Outside text never comes out live in Slack: every kind of post, fed hostile values, reaches the fake Slack with
no `<!channel>`, `<!here>`, forged mention, user-group ping or disguised link in its top-level text, its blocks or
its views — while the mentions and links opsbot means (the requester, a PR link) stay live."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.mrkdwn import escape, link, mention, seal, seal_json, subteam, unmark
from bot.sandbox.fakes.github import ci_webhooks, webhooks
from tests.approvals_helpers import cards, click
from tests.harness import Harness
from tests.triggers.conftest import ALERT_TOKEN, RULES, WEBHOOK_SECRET, send_alert, send_github

EVIL = "fix-<!channel>-<@UEVIL1>-<!here>-<!subteam^SEVIL1>-<https://evil.example|Runbook>"
LIVE_EVIL = re.compile(r"<(?:!channel|!here|!everyone|@UEVIL1|!subteam\^SEVIL1|https://evil\.example)")
BOOK = """\
name: echo
description: echoes its input
inputs:
  text: {required: true}
steps:
  - notify: "you said {{ inputs.text }}"
  - approval: "Go on with {{ inputs.text }}?"
outputs:
  said: "{{ inputs.text }}"
"""


def mrkdwn_texts(node: Any) -> list[str]:
    """Every string Slack parses for control sequences: top-level text, and each mrkdwn text object."""
    found: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("text"), str) and node.get("type") in (None, "mrkdwn"):
            found.append(node["text"])
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                found += mrkdwn_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += mrkdwn_texts(value)
    return found


def live_evil(env: Harness) -> list[str]:
    return [t for c in env.slack.calls for t in mrkdwn_texts(c.params) if LIVE_EVIL.search(t)]


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    books = tmp_path / "books"
    books.mkdir()
    (books / "echo.yaml").write_text(BOOK, encoding="utf-8")
    async with Harness(
        db_url,
        github_webhook_secret=WEBHOOK_SECRET,
        opsbot_alertmanager_token=ALERT_TOKEN,
        opsbot_rules=str(rules),
        opsbot_runbooks=str(books),
    ) as harness:
        yield harness


def test_the_boundary_keeps_only_what_opsbot_marked() -> None:
    ours = f"{mention('U1')} asked: {link('https://github.com/acme/api/pull/7', EVIL)} {subteam('S0ABC')}"
    sealed = seal(f"{ours} {EVIL} {escape(EVIL)}")
    assert sealed.startswith("<@U1> asked: <https://github.com/acme/api/pull/7|")
    assert "<!subteam^S0ABC>" in sealed
    assert not LIVE_EVIL.search(sealed)
    assert not LIVE_EVIL.search(seal(link("javascript:alert(1)", "x") + link("https://evil.example|x", "y")))
    # a mark copied from elsewhere (the model, a stored text of another process) is not honoured
    assert not LIVE_EVIL.search(seal(unmark(mention("UEVIL1"))))
    forged = mention("U1").replace("<@U1>", "<!channel>")
    assert "<!channel>" not in seal(forged.replace(forged[1:17], "0" * 16))
    assert seal_json({"type": "plain_text", "text": mention("U1")}) == {"type": "plain_text", "text": "<@U1>"}


async def test_pr_card_ci_thread_and_alert_card_with_hostile_values(env: Harness) -> None:
    await send_github(env, webhooks.pull_request(title=EVIL, head=EVIL, author="ana"))
    await send_github(env, ci_webhooks.workflow_run_completed(name=EVIL, branch=EVIL, title=EVIL))
    hostile_alert = {
        "status": "firing",
        "labels": {"alertname": EVIL, "service": EVIL, "severity": "critical", "instance": "a1"},
        "annotations": {"summary": EVIL, "runbook_url": "https://evil.example|Runbook"},
        "startsAt": "2026-11-26T08:55:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "javascript:alert(1)",
        "fingerprint": "a1",
    }
    body = {
        "version": "4", "groupKey": EVIL, "truncatedAlerts": 0, "status": "firing", "receiver": "opsbot",
        "groupLabels": {"alertname": EVIL}, "commonLabels": {"severity": "critical"},
        "commonAnnotations": {"summary": EVIL}, "externalURL": "http://alertmanager.acme.test",
        "alerts": [hostile_alert],
    }  # fmt: skip
    assert (await send_alert(env, body))[0] < 500
    assert len(env.slack.calls_to("chat.postMessage")) >= 3
    assert live_evil(env) == []
    pr_card = json.dumps(env.slack.calls_to("chat.postMessage")[0].params)
    assert "https://github.com/acme/api/pull/7|" in pr_card  # our own link stays a link


async def test_approval_card_runbook_notify_summary_and_errors_with_hostile_values(env: Harness) -> None:
    env.github.add_pr("acme/api", 9, EVIL, author="ana")
    await env.driver.mention("merge pr 9 in acme/api", user="U1")
    await env.driver.command(f"run echo text={json.dumps(EVIL)}", user="U1")
    await env.driver.command(EVIL, user="U1")  # an unknown command, echoed in the error reply
    await env.driver.mention(f"list prs in {EVIL}", user="U1")
    await env.settle()
    for card in cards(env):
        await click(env, "opsbot.reject", card, "U2")
    assert live_evil(env) == []
    card_text = json.dumps(cards(env)[0].params)
    assert "<@U1>" in card_text  # the requester is still mentioned
    assert any("you said" in json.dumps(c.params) for c in env.slack.calls_to("chat.postMessage"))


async def test_audit_and_pending_lines_with_hostile_values(env: Harness) -> None:
    env.github.add_pr("acme/api", 11, EVIL, author="ana")
    await env.driver.mention("merge pr 11 in acme/api", user="U1")
    await env.settle()
    await env.driver.command("pending", user="U2")
    await env.driver.command("audit today", user="U2")
    await env.settle()
    assert env.slack.calls_to("chat.postEphemeral") or env.slack.calls_to("chat.postMessage")
    assert live_evil(env) == []


async def test_agent_answers_and_tool_results_with_hostile_values(db_url: str) -> None:
    from tests.fakes.openai_server import text_response, tool_call_response

    async with Harness(db_url, model=True) as aenv:
        assert aenv.model is not None
        aenv.github.add_pr("acme/api", 5, EVIL, author="ana")
        aenv.model.script(
            tool_call_response(("list_pull_requests", {"repo": "acme/api"})),
            text_response(f"Here you go {EVIL} and a forged mark \x020000000000000000<!channel>\x030000000000000000"),
        )
        await aenv.driver.mention("what is open in acme/api?", user="U1")
        await aenv.settle()
        sent = json.dumps([r.json for r in aenv.model.requests])
        assert "\\u0002" not in sent  # no mark of ours reaches the model
        assert any("Here you go" in json.dumps(c.params) for c in aenv.slack.calls_to("chat.postMessage"))
        assert live_evil(aenv) == []


async def test_a_digest_with_hostile_pull_requests(env: Harness) -> None:
    from datetime import UTC, datetime

    env.github.add_pr("acme/api", 21, EVIL, author="ana", checks="failing")
    env.github.add_pr("acme/api", 22, EVIL, author="ana", checks="passing", reviewers=("ben",))
    await env.driver.command("digest add daily 09:00 UTC prs acme/api", channel="C1")
    await env.settle()
    assert env.bot is not None and env.bot.triggers is not None
    env.clock.advance((datetime(2026, 11, 27, 9, 0, tzinfo=UTC) - env.clock.now()).total_seconds())
    assert await env.bot.triggers.scheduler.fire_due(env.clock.now())
    digest = json.dumps([c.params for c in env.slack.calls_to("chat.postMessage")])
    assert "#21" in digest and "https://github.com/acme/api/pull/21|" in digest  # our link stays a link
    assert live_evil(env) == []


async def test_erp_results_with_hostile_records(db_url: str) -> None:
    from tests.fakes.odoo import DATABASE, LOGIN, FakeOdoo

    async with FakeOdoo("opsbot-test-odoo-key-escaping") as odoo:
        odoo.orm.add(
            "res.partner",
            {"name": f"Oakline {EVIL}", "ref": "C-666", "is_company": True, "city": EVIL, "email": EVIL,
             "customer_rank": 1, "supplier_rank": 0},
        )  # fmt: skip
        erp: dict[str, Any] = {"odoo_url": odoo.url, "odoo_database": DATABASE, "odoo_user": LOGIN,
               "odoo_api_key": "opsbot-test-odoo-key-escaping"}  # fmt: skip
        async with Harness(db_url, **erp) as eenv:
            await eenv.driver.command("erp_find_partner query=Oakline", user="U1", channel="C1")
            await eenv.settle()
            shown = json.dumps([c.params for c in eenv.slack.calls])
            assert "C-666" in shown
            assert live_evil(eenv) == []
