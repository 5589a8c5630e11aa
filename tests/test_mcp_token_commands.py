"""`/ops mcp token create|revoke` and `/ops mcp tokens` through the whole app (signed requests in, fake Slack out).

The secret is shown once, to the person, in a DM: it reaches Slack in exactly one call (never in a message's `text`,
which notifications show) and is stored nowhere — every column of every table, the SQLite files' bytes and every
log line (at DEBUG, where slack_sdk logs request bodies) are scanned for it."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.mcp_tokens import McpToken, token_hash
from bot.dispatch.mcp_token_commands import DM_ONLY, GUIDE
from bot.sandbox.fakes import slack_bodies as bodies
from bot.store.mcp_token_rows import McpTokenStore
from bot.store.models import Base, audit
from tests.harness import Harness

SECRET = re.compile(r"opsbot_mcp_[A-Za-z0-9_-]{20,}")


def tokens(env: Harness) -> McpTokenStore:
    assert env.bot is not None and env.bot.service.mcp is not None
    return env.bot.service.mcp.store


def said(message: dict[str, object]) -> str:
    return json.dumps(message)


def secret_in(env: Harness, user: str = "U1") -> str:
    found: set[str] = {s for m in env.slack.ephemerals(user) for s in SECRET.findall(said(m))}
    [secret] = found
    return secret


async def stored_anywhere(env: Harness, text: str) -> list[str]:
    """Every table.column (and, on SQLite, database file) holding `text`."""
    assert env.bot is not None
    found: list[str] = []
    async with env.bot.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                found += [f"{table.name}.{c}" for c, v in row.items() if text in json.dumps(v, default=str)]
    if env.db_url.startswith("sqlite"):
        path = Path(env.db_url.split(":///", 1)[1])
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists() and text.encode() in file.read_bytes():
                found.append(file.name)
    return found


async def audit_rows(env: Harness) -> list[dict[str, object]]:
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        rows = (await conn.execute(select(audit.c.kind, audit.c.actor, audit.c.data).order_by(audit.c.id))).all()
    return [{"kind": kind, "actor": actor, **data} for kind, actor, data in rows if kind.startswith("mcp.")]


async def test_a_token_made_in_a_dm_is_shown_once_and_stored_nowhere(
    env: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # slack_sdk logs every request body at DEBUG: none may be the secret's
    await env.driver.command("mcp token create claude-laptop", user="U1", channel="D1")
    await env.settle()

    [shown] = env.slack.ephemerals("U1")
    secret = secret_in(env)
    assert said(shown).count(secret) == 1 and secret not in str(shown["text"])
    assert f"Authorization: Bearer {secret}" in said(shown) and GUIDE in said(shown)
    assert sum(said(call.params).count(secret) for call in env.slack.calls) == 1  # one call to Slack, once in it
    [call] = [c for c in env.slack.calls if secret in said(c.params)]
    assert call.method == "response_url" and call.params["response_type"] == "ephemeral"

    token = await tokens(env).by_secret(secret)
    assert token is not None and (token.name, token.user_id, token.channel, token.tools) == (
        "claude-laptop", "U1", "D1", ()
    )  # fmt: skip  (no channel named: this DM, where opsbot can post and update its cards)
    assert token.team_id == env.driver.team_id and token.created_by == "U1"
    await env.driver.command("mcp tokens", user="U1", channel="D1")  # an ordinary reply: its body is logged
    await env.settle()
    assert "Sending a request" in caplog.text and "Your MCP tokens (1)" in caplog.text  # so DEBUG was on
    assert secret not in caplog.text
    assert await stored_anywhere(env, secret) == []

    [created] = await audit_rows(env)
    assert created["kind"] == "mcp.token_created" and created["actor"] == "U1"
    assert (created["name"], created["user"], created["id"], created["tools"]) == ("claude-laptop", "U1", token.id, [])
    assert token_hash(secret) not in said(created)


@pytest.mark.parametrize("channel", ["C1", "G7"])  # a channel, a private channel: never there
async def test_a_token_is_only_made_in_a_dm(env: Harness, channel: str) -> None:
    await env.driver.command("mcp token create claude-laptop", user="U1", channel=channel)
    await env.settle()
    [answer] = env.slack.ephemerals("U1")
    assert answer["text"] == DM_ONLY
    assert await tokens(env).all_live() == [] and await audit_rows(env) == []


async def test_a_dm_message_names_the_cards_channel_and_tools_and_hears_of_unknown_ones(env: Harness) -> None:
    await env.driver.dm("mcp token create ci-agent tools list_*, nothing_here_* in <#C2|ops>", user="U1")
    await env.settle()
    [shown] = env.slack.ephemerals("U1")
    assert shown["channel"] == "D1" and env.slack.calls_to("chat.postEphemeral")  # no response_url in a DM message
    assert "`nothing_here_*`" in said(shown) and "No tool here matches" in said(shown)
    assert "`list_*`" not in said(shown).split("No tool here matches")[1]
    [token] = await tokens(env).of_user("U1")
    assert (token.name, token.channel, token.tools) == ("ci-agent", "C2", ("list_*", "nothing_here_*"))
    assert token.allows("list_issues") and not token.allows("merge_pull_request")
    assert await stored_anywhere(env, secret_in(env)) == []
    assert not env.slack.messages("D1")  # ephemeral only: not kept in the DM's history


async def test_the_list_shows_names_channels_and_tools_never_a_secret_or_its_hash(env: Harness) -> None:
    await env.driver.command("mcp token create claude-laptop tools get_*", user="U1", channel="D1")
    await env.driver.command("mcp token create u2-only in C2", user="U2", channel="D2")
    await env.settle()
    secret = secret_in(env)
    await env.driver.command("mcp tokens", user="U1", channel="C1")
    await env.settle()
    listing = env.slack.ephemerals("U1")[-1]
    assert "claude-laptop" in said(listing) and "`get_*`" in said(listing) and "never" in said(listing)
    assert "approval cards in our DM" in said(listing) and "u2-only" not in said(listing)  # U2's is not listed
    assert secret not in said(listing) and token_hash(secret) not in said(listing)
    assert not SECRET.search(said(listing))


async def test_a_second_live_token_of_the_same_name_is_refused(env: Harness) -> None:
    for _ in range(2):
        await env.driver.command("mcp token create claude-laptop", user="U1", channel="D1")
        await env.settle()
    first, second = env.slack.ephemerals("U1")
    assert SECRET.search(said(first)) and not SECRET.search(said(second))
    assert "You already have an MCP token named `claude-laptop`" in str(second["text"])
    assert len(await tokens(env).all_live()) == 1


async def test_only_your_own_token_is_revoked_and_then_it_opens_nothing(env: Harness) -> None:
    await env.driver.command("mcp token create claude-laptop", user="U1", channel="D1")
    await env.settle()
    secret = secret_in(env)
    await env.driver.command("mcp token revoke claude-laptop", user="U2", channel="C1")
    await env.driver.command("mcp token revoke nope", user="U1", channel="C1")
    await env.settle()
    assert "You have no MCP token named `claude-laptop`" in str(env.slack.ephemerals("U2")[-1]["text"])
    assert "You have no MCP token named `nope`" in str(env.slack.ephemerals("U1")[-1]["text"])
    assert await tokens(env).by_secret(secret) is not None

    await env.driver.command("mcp token revoke claude-laptop", user="U1", channel="C1")
    await env.settle()
    assert "MCP token `claude-laptop` revoked" in str(env.slack.ephemerals("U1")[-1]["text"])
    assert await tokens(env).by_secret(secret) is None
    kinds = [(r["kind"], r["actor"], r["name"]) for r in await audit_rows(env)]
    assert kinds == [("mcp.token_created", "U1", "claude-laptop"), ("mcp.token_revoked", "U1", "claude-laptop")]


async def test_a_secret_slack_did_not_take_is_given_up_and_the_token_revoked(env: Harness) -> None:
    env.slack.fail_next("response_url", status=404, error="expired_url")
    env.slack.fail_next("chat.postEphemeral", status=200, error="channel_not_found")
    await env.driver.command("mcp token create claude-laptop", user="U1", channel="D1")
    await env.settle()
    [answer] = env.slack.ephemerals("U1")
    assert "couldn't show you the new token, so I revoked it" in str(answer["text"])
    assert not SECRET.search(said(answer))
    assert await tokens(env).all_live() == []
    assert [r["kind"] for r in await audit_rows(env)] == ["mcp.token_created", "mcp.token_revoked"]
    assert not env.slack.calls_to("chat.postMessage")  # never as a direct message: Slack would keep it


async def test_help_and_a_bad_request_answer_with_the_usage(env: Harness) -> None:
    await env.driver.command("mcp", user="U1", channel="C1")
    await env.driver.command("mcp token create bad name! in #general", user="U1", channel="D1")
    await env.driver.command("mcp token create ok-name in #general", user="U1", channel="D1")
    await env.driver.command("mcp frobnicate", user="U1", channel="C1")
    await env.settle()
    texts = sorted(str(m["text"]) for m in env.slack.ephemerals("U1"))
    assert any(t.startswith("MCP tokens let a coding agent ask opsbot as you") for t in texts)
    assert any("I didn't understand `name!` there." in t for t in texts)
    assert any("I can't tell which channel `#general` is." in t for t in texts)
    assert any("I didn't understand that MCP command." in t for t in texts)
    assert await tokens(env).all_live() == []


async def test_a_guest_of_another_organisation_gets_no_token(env: Harness) -> None:
    """A Slack Connect guest's token would let their agent ask as one of ours: refused."""
    inner = bodies.message_event(
        "mcp token create laptop", user="U5", channel="D5", ts="1795683600.000100", team="T999",
        client_msg_id="m-guest", channel_type="im",
    )  # fmt: skip
    inner["user_team"] = "T999"
    body = bodies.event_callback(
        inner, team_id=env.driver.team_id, bot_user_id="W111", event_id="EvGuest", event_time=1
    )
    await env.driver.event(body)
    await env.settle()
    [answer] = [m for m in env.slack.messages("D5") if "MCP" in str(m.get("text"))]
    assert answer["text"] == "MCP tokens are for people of this workspace."
    assert await tokens(env).all_live() == []


def test_a_token_record_keeps_no_secret() -> None:
    assert "secret" not in McpToken.__dataclass_fields__ and "token_hash" not in McpToken.__dataclass_fields__
