"""The installation is checked: a command, a mention or a click for another workspace or enterprise changes
nothing (nothing runs, nothing is approved, no reply) and still gets its 200; people of another organisation in a
Slack Connect channel may not approve, or ask for risky actions, unless the rule says `external_users: allow`."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import select

from bot.core.jsonvalue import JsonObject
from bot.sandbox.fakes import slack_bodies as bodies
from bot.store.models import approvals, decisions, steps
from tests.approvals_helpers import approval_of, cards, click, last_card_update, text_of
from tests.fakes.slack_api import Call
from tests.fakes.slack_driver import DriverResponse, SlackDriver
from tests.harness import SIGNING_SECRET, Harness

OURS = "T111"  # the fake Slack's auth.test answers with this workspace (and no enterprise)
PARTNER = "T0PARTNER"  # a Slack Connect organisation's workspace


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Harness]:
    async with Harness(db_url) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana")
        yield env


@asynccontextmanager
async def policy_env(db_url: str, tmp_path: Path, policy: str) -> AsyncIterator[Harness]:
    path = tmp_path / "policy.yaml"
    path.write_text(policy, encoding="utf-8")
    async with Harness(db_url, opsbot_policy=str(path)) as env:
        env.github.add_pr("acme/api", 7, "Add rate limiting to /login", author="ana")
        yield env


# -- signed requests with the identity fields a test chooses ----------------------------------------------------


_seconds = itertools.count(1700000100)


def _unique() -> str:
    return uuid.uuid4().hex[:12]


async def command(env: Harness, text: str, *, team_id: str = OURS, **extra: str) -> DriverResponse:
    fields = bodies.slash_command(
        text, command="/ops", user="U1", channel="C1", team_id=team_id, trigger_id=f"1.2.{_unique()}",
        response_url=f"https://hooks.slack.com/commands/{team_id}/1/{_unique()}",
    )  # fmt: skip
    fields = {**fields, **extra}
    body = urlencode(fields)
    headers = env.driver.signed_headers(body, content_type="application/x-www-form-urlencoded")
    resp = await env.driver.post(body, headers)
    return DriverResponse(status=resp.status, text=resp.text, headers=resp.headers, payload=fields)


async def mention(
    env: Harness, text: str, *, team_id: str = OURS, user: str = "U1", user_team: str | None = None, **outer: str
) -> DriverResponse:
    inner = bodies.message_event(
        f"<@W111> {text}", user=user, channel="C1", ts=f"{next(_seconds)}.000100", team=user_team or team_id,
        client_msg_id=_unique(), type="app_mention",
    )  # fmt: skip
    if user_team is not None:
        inner["user_team"] = user_team
    body = bodies.event_callback(inner, team_id=team_id, bot_user_id="W111", event_id=f"Ev{_unique()}", event_time=1)
    return await env.driver.event({**body, **outer})


async def press(env: Harness, card: Call, as_user: str, **changes: JsonObject | str | None) -> DriverResponse:
    """Approve on `card` as `as_user`, with the payload's top-level keys changed (`team`, `enterprise`, `user`…)."""
    action = bodies.button_action("opsbot.approve", approval_of(card), block_id="b", action_ts=f"1.{_unique()}")
    message = bodies.button_message(action, ts=card.response["ts"], user="W111", bot_id="B111", team=OURS)
    payload = bodies.block_actions(
        action, user=as_user, channel="C1", team_id=OURS, message=message, trigger_id=f"3.4.{_unique()}",
        response_url=f"https://hooks.slack.com/actions/{OURS}/1/{_unique()}",
    )  # fmt: skip
    body = "payload=" + quote(json.dumps({**payload, **changes}))
    resp = await env.driver.post(
        body, env.driver.signed_headers(body, content_type="application/x-www-form-urlencoded")
    )
    await env.settle()
    return resp


async def rows(env: Harness) -> tuple[list[str], int, list[str]]:
    """The steps' statuses, how many decisions there are, and the approvals' statuses."""
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        step_states = [str(s) for s in (await conn.execute(select(steps.c.status))).scalars()]
        decided = len((await conn.execute(select(decisions.c.id))).all())
        approval_states = [str(s) for s in (await conn.execute(select(approvals.c.status))).scalars()]
    return step_states, decided, approval_states


async def audit_kinds(env: Harness) -> list[str]:
    assert env.bot is not None
    return [str(r.kind) for r in await env.bot.audit.rows()]


def replies(env: Harness) -> list[Call]:
    return env.slack.calls_to("chat.postMessage") + env.slack.calls_to("chat.postEphemeral")


# -- another workspace or enterprise: nothing happens ------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [{"team_id": "T999"}, {"enterprise_id": "E999"}],
    ids=["another-workspace", "another-enterprise"],
)
async def test_a_command_for_another_installation_runs_nothing_and_gets_200(
    env: Harness, identity: dict[str, str]
) -> None:
    resp = await command(env, "list prs acme/api", **identity)
    await env.settle()
    assert resp.status == 200
    assert env.github.requests == [] and replies(env) == [] and await rows(env) == ([], 0, [])
    assert env.bot is not None  # stored (so a retry is a duplicate) and done
    assert await env.bot.repo.inbox_status(f"command:{identity.get('team_id', OURS)}:{resp.payload['trigger_id']}") == (
        "done"
    )
    await command(env, "list prs acme/api")  # ours: answered with GitHub's list
    await env.settle()
    assert env.github.requests != [] and await rows(env) == (["succeeded"], 0, [])


async def test_a_command_signed_by_another_workspace_is_not_answered_with_our_github_token(env: Harness) -> None:
    elsewhere = SlackDriver(env.url, SIGNING_SECRET, team_id="T999", now=env.driver.now)
    resp = await elsewhere.command("merge pr 7 in acme/api")
    await env.settle()
    assert resp.status == 200 and env.github.requests == [] and cards(env) == [] and replies(env) == []


@pytest.mark.parametrize(
    "identity",
    [{"team_id": "T999"}, {"enterprise_id": "E999"}],
    ids=["another-workspace", "another-enterprise"],
)
async def test_a_mention_for_another_installation_runs_nothing_and_gets_200(
    env: Harness, identity: dict[str, str]
) -> None:
    team = identity.get("team_id", OURS)
    resp = await mention(
        env, "merge pr 7 in acme/api", team_id=team, **{k: v for k, v in identity.items() if k != "team_id"}
    )
    await env.settle()
    assert resp.status == 200
    assert env.github.requests == [] and replies(env) == [] and await rows(env) == ([], 0, [])
    await mention(env, "merge pr 7 in acme/api")
    await env.settle()
    assert len(cards(env)) == 1  # ours: the card


@pytest.mark.parametrize(
    "changes",
    [
        {"enterprise": {"id": "E999", "name": "Elsewhere"}},
        {"team": {"id": "T999", "domain": "elsewhere"}, "team_id": OURS},  # team.id differs from team_id
        {"team": {"id": OURS, "domain": "acme", "enterprise_id": "E999"}},
    ],
    ids=["enterprise", "team.id-vs-team_id", "team.enterprise_id"],
)
async def test_a_click_for_another_installation_approves_nothing_and_gets_200(
    env: Harness, changes: dict[str, JsonObject | str]
) -> None:
    await mention(env, "merge pr 7 in acme/api")
    await env.settle()
    [card] = cards(env)
    resp = await press(env, card, "U2", **changes)
    assert resp.status == 200
    assert env.github.merges == [] and await rows(env) == (["waiting_approval"], 0, ["pending"])
    assert env.slack.calls_to("chat.postEphemeral") == [] and env.slack.calls_to("chat.update") == []
    assert env.bot is not None
    [refused] = [r for r in await env.bot.audit.rows() if r.kind == "request.foreign"]
    [run_id] = {r.run_id for r in await env.bot.audit.rows() if r.kind == "approval.requested"}
    assert refused.run_id == run_id and refused.actor == "U2"
    await press(env, card, "U2")  # the same click from our workspace counts
    assert [m["number"] for m in env.github.merges] == [7]


# -- people of another organisation (Slack Connect) ---------------------------------------------------------------


async def test_an_external_users_approval_is_refused_by_default(env: Harness) -> None:
    await mention(env, "merge pr 7 in acme/api")
    await env.settle()
    [card] = cards(env)
    resp = await press(env, card, "U2", user=bodies.user_ref("U2", PARTNER))
    assert resp.status == 200
    assert env.github.merges == [] and await rows(env) == (["waiting_approval"], 0, ["pending"])
    [refusal] = env.slack.calls_to("chat.postEphemeral")
    assert refusal.params["user"] == "U2" and "another organisation (Slack Connect)" in refusal.params["text"]
    assert "click.external" in await audit_kinds(env)
    await click(env, "opsbot.approve", card, "U2")  # U2 of our workspace may
    assert [m["number"] for m in env.github.merges] == [7]


async def test_an_external_users_approval_counts_where_the_rule_allows_it(db_url: str, tmp_path: Path) -> None:
    async with policy_env(db_url, tmp_path, "defaults:\n  approvers: channel\n  external_users: allow\n") as env:
        await mention(env, "merge pr 7 in acme/api")
        await env.settle()
        [card] = cards(env)
        assert "other organisations (Slack Connect) may decide" in text_of(card.params)
        await press(env, card, "U2", user=bodies.user_ref("U2", PARTNER))
        assert [m["number"] for m in env.github.merges] == [7]
        assert await rows(env) == (["succeeded"], 1, ["approved"])
        final = text_of(last_card_update(env, card))
        assert "External (another organisation, Slack Connect): <@U2>" in final
        assert env.bot is not None
        [decided] = [r for r in await env.bot.audit.rows() if r.kind == "approval.decision"]
        assert decided.data.get("external") is True


async def test_an_external_user_may_read_but_not_ask_for_a_merge(env: Harness) -> None:
    await mention(env, "list prs in acme/api", user="U2", user_team=PARTNER)
    await env.settle()
    assert any("Add rate limiting" in text_of(c.params) for c in env.slack.calls_to("chat.postMessage"))
    await mention(env, "merge pr 7 in acme/api", user="U2", user_team=PARTNER)
    await env.settle()
    assert cards(env) == [] and env.github.merges == []
    refusal = env.slack.calls_to("chat.postMessage")[-1]
    assert "another organisation (Slack Connect)" in text_of(refusal.params)
    assert "policy rule `default`" in text_of(refusal.params)


async def test_an_external_user_may_ask_for_a_merge_where_the_rule_allows_it(db_url: str, tmp_path: Path) -> None:
    policy = "rules:\n  - name: partner-merges\n    tools: [merge_pull_request]\n    external_users: allow\n"
    async with policy_env(db_url, tmp_path, policy) as env:
        await mention(env, "merge pr 7 in acme/api", user="U2", user_team=PARTNER)
        await env.settle()
        [card] = cards(env)
        await click(env, "opsbot.approve", card, "U3")
        assert [m["number"] for m in env.github.merges] == [7]
