"""Who may ask: the policy's `requesters` for every tool, reads included — by default anyone for GitHub reads and
members of the channel for the ERP's tools — checked before a step runs or is carded, whatever planned it (a
command, the AI agent); a refusal names the rule and who may ask, and nothing reaches GitHub or the ERP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.core.jsonvalue import obj
from tests.approvals_helpers import cards, text_of
from tests.fakes.odoo import DATABASE, LOGIN, FakeOdoo
from tests.fakes.openai_server import text_response, tool_call_response
from tests.github_reads import pull_reads
from tests.harness import Harness

ODOO_KEY = "opsbot-test-odoo-key-requesters"
OUTSIDER = "U25"  # the harness's channels C1 and C2 hold U1…U19


@pytest.fixture
async def odoo() -> AsyncIterator[FakeOdoo]:
    async with FakeOdoo(ODOO_KEY) as fake:
        yield fake


@asynccontextmanager
async def harness(db_url: str, tmp_path: Path, *, policy: str | None = None, **settings: Any) -> AsyncIterator[Harness]:
    if policy is not None:
        path = tmp_path / "policy.yaml"
        path.write_text(policy, encoding="utf-8")
        settings["opsbot_policy"] = str(path)
    async with Harness(db_url, **settings) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana")
        yield env


def erp(odoo: FakeOdoo) -> dict[str, str]:
    return {"odoo_url": odoo.url, "odoo_database": DATABASE, "odoo_user": LOGIN, "odoo_api_key": ODOO_KEY}


def erp_calls(odoo: FakeOdoo) -> int:
    return len([r for r in odoo.requests if r.path != "/web/version"])


def posts(env: Harness) -> list[str]:
    return [text_of(c.params) for c in env.slack.calls_to("chat.postMessage")]


async def test_erp_reads_by_someone_outside_the_channel_are_refused_by_default(
    db_url: str, tmp_path: Path, odoo: FakeOdoo
) -> None:
    async with harness(db_url, tmp_path, **erp(odoo)) as env:
        await env.driver.command("erp_overdue_invoices", user=OUTSIDER, channel="C2")
        await env.settle()
        assert erp_calls(odoo) == 0
        [refusal] = posts(env)
        assert "Only members of this channel may ask for `erp_overdue_invoices` (policy rule `default`)" in refusal
        await env.driver.command("erp_overdue_invoices", user="U1", channel="C2")  # a member of C2 may
        await env.settle()
        assert erp_calls(odoo) > 0 and len(posts(env)) == 2


async def test_github_reads_stay_open_to_anyone(db_url: str, tmp_path: Path) -> None:
    async with harness(db_url, tmp_path) as env:
        await env.driver.mention("list prs in acme/api", user=OUTSIDER)
        await env.settle()
        assert any("Add rate limiting" in p for p in posts(env))


async def test_a_requester_list_refuses_everyone_else_naming_the_rule_and_who_may_ask(
    db_url: str, tmp_path: Path
) -> None:
    policy = "rules:\n  - name: merges\n    tools: [merge_pull_request]\n    requesters: [U5]\n"
    async with harness(db_url, tmp_path, policy=policy) as env:
        await env.driver.mention("merge pr 7 in acme/api", user="U6")
        await env.settle()
        assert cards(env) == [] and env.github.merges == []
        assert pull_reads(env.github, 7) == 0  # not even the card's preview
        [refusal] = posts(env)
        assert "Only <@U5> may ask for `merge_pull_request` (policy rule `merges`)" in refusal
        [shown] = [json.dumps(c.params["blocks"]) for c in env.slack.calls_to("chat.postMessage")]
        assert "Only <@U5> may ask" in shown and "&lt;@U5&gt;" not in shown  # a mention in the blocks, not its text
        assert env.bot is not None
        [row] = [r for r in await env.bot.audit.rows() if r.kind == "step.result"]
        result = obj(row.data.get("result"))
        assert (result.get("error"), result.get("rule")) == ("not_allowed_to_ask", "merges")
        await env.driver.mention("merge pr 7 in acme/api", user="U5")
        await env.settle()
        assert len(cards(env)) == 1


async def test_requesters_apply_to_read_tools_too(db_url: str, tmp_path: Path) -> None:
    policy = 'rules:\n  - name: ops-reads\n    tools: ["list_*"]\n    requesters: ["@ops"]\n'
    async with harness(db_url, tmp_path, policy=policy) as env:
        env.slack.set_usergroup("S0OPS", ["U2"], handle="ops")
        await env.driver.mention("list prs in acme/api", user="U1")
        await env.settle()
        assert env.github.requests == []
        assert "Only @ops may ask for `list_pull_requests` (policy rule `ops-reads`)" in posts(env)[-1]
        await env.driver.mention("list prs in acme/api", user="U2")
        await env.settle()
        assert any("Add rate limiting" in p for p in posts(env))


async def test_the_agent_cannot_read_the_erp_for_someone_outside_the_channel(
    db_url: str, tmp_path: Path, odoo: FakeOdoo
) -> None:
    async with harness(db_url, tmp_path, model=True, **erp(odoo)) as env:
        assert env.model is not None
        seen: list[dict[str, Any]] = []

        def answer(request: dict[str, Any]) -> dict[str, Any]:
            seen.extend(json.loads(m["content"]) for m in request["messages"] if m["role"] == "tool")
            return text_response("I can't show the invoices.")

        env.model.script(tool_call_response(("erp_overdue_invoices", {"customer": None})), answer)
        await env.driver.mention("which invoices are overdue?", user=OUTSIDER, channel="C2")
        await env.settle()
        env.model.assert_script_consumed()
        assert erp_calls(odoo) == 0
        assert [r["status"] for r in seen] == ["error"] and "policy rule `default`" in json.dumps(seen)


async def test_an_invoices_digest_needs_someone_who_may_ask_for_the_erp(
    db_url: str, tmp_path: Path, odoo: FakeOdoo
) -> None:
    """A digest reads the ERP on its own later: whoever adds it must be someone who may ask for that read now."""
    async with harness(db_url, tmp_path, **erp(odoo)) as env:
        await env.driver.command("digest add daily 09:00 UTC invoices", user=OUTSIDER, channel="C2")
        await env.settle()
        [refusal] = [text_of(c.params) for c in env.slack.calls_to("response_url")]
        assert "Only members of this channel may ask for `erp_overdue_invoices`" in refusal
        assert "added" not in refusal
        await env.driver.command("digest add daily 09:00 UTC invoices", user="U1", channel="C2")  # a member
        await env.settle()
        replies = [text_of(c.params) for c in env.slack.calls_to("response_url")]
        assert len(replies) == 2 and "added" in replies[1] and "overdue invoices" in replies[1]
