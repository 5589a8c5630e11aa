"""`/ops audit` and `/ops pending` are scoped: a channel sees its own runs and requests, a DM the asker's own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from sqlalchemy import select

from bot.approvals.membership import Membership
from bot.dispatch.queries import Queries
from bot.store.audit import TrailScope
from bot.store.models import approvals, runs
from integrations.slack import make_client
from integrations.slack_directory import SlackDirectory
from tests.approvals_helpers import cards, click, submit_last_modal
from tests.harness import BOT_TOKEN, Harness

PRIVATE_REASON = "the C2 launch is embargoed"


@dataclass(frozen=True)
class World:
    """ana (U1) asked in C1 and ben (U2) approved; eve (U5, also in C1) asked in the private C2 (only eve and fay)
    and fay (U6) rejected it, with a reason nobody outside C2 may read."""

    env: Harness
    run_c1: str
    run_c2: str
    approval_c1: str
    approval_c2: str


async def ask(env: Harness, pr: int, *, user: str, channel: str) -> tuple[str, str]:
    await env.driver.command(f"merge pr {pr} in acme/api", user=user, channel=channel)
    await env.settle()
    assert env.bot is not None
    async with env.bot.engine.connect() as conn:
        row = (
            await conn.execute(
                select(runs.c.id, approvals.c.id)
                .join(approvals, approvals.c.run_id == runs.c.id)
                .where(runs.c.channel == channel, runs.c.actor == user)
            )
        ).one()
    return str(row[0]), str(row[1])


async def build_world(env: Harness, *, decide: bool = True) -> World:
    env.slack.set_members("C1", ["U1", "U2", "U3", "U5"])
    env.slack.set_members("C2", ["U5", "U6"])
    env.github.add_pr("acme/api", 7, "Public change")
    env.github.add_pr("acme/api", 8, "Embargoed launch")
    run_c1, approval_c1 = await ask(env, 7, user="U1", channel="C1")
    run_c2, approval_c2 = await ask(env, 8, user="U5", channel="C2")
    if decide:
        card_c1, card_c2 = cards(env)
        await click(env, "opsbot.approve", card_c1, "U2")  # U2 is listed, but the merge is approved by one
        await click(env, "opsbot.reject", card_c2, "U6", channel="C2")
        await submit_last_modal(env, "U6", {"reason": PRIVATE_REASON})
    return World(env=env, run_c1=run_c1, run_c2=run_c2, approval_c1=approval_c1, approval_c2=approval_c2)


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    async with Harness(db_url, opsbot_approvers="U2,U3,U6") as env:
        yield await build_world(env)


async def answer(env: Harness, text: str, *, user: str, channel: str) -> str:
    await env.driver.command(text, user=user, channel=channel)
    await env.settle()
    reply = env.slack.ephemerals(user)[-1]
    assert reply["channel"] == channel
    return json.dumps(reply, ensure_ascii=False)


def shows_run(reply: str, run_id: str) -> bool:
    """Whether an audit line of the run is in the reply (the lines end `· run `abcd1234``)."""
    return f"· run `{run_id[:8]}`" in reply


# -- /ops audit ------------------------------------------------------------------------------------


async def test_audit_today_in_a_channel_lists_only_that_channels_runs(world: World) -> None:
    env = world.env
    in_c1 = await answer(env, "audit today", user="U1", channel="C1")
    assert shows_run(in_c1, world.run_c1) and "approval.approved" in in_c1
    assert not shows_run(in_c1, world.run_c2)
    assert PRIVATE_REASON not in in_c1 and "<@U5>" not in in_c1 and "<@U6>" not in in_c1
    assert "only runs of this channel" in in_c1
    # the one who asked in C2 asking in C1 sees no more of C2 than anyone else there
    assert not shows_run(await answer(env, "audit today", user="U5", channel="C1"), world.run_c2)
    in_c2 = await answer(env, "audit today", user="U5", channel="C2")
    assert shows_run(in_c2, world.run_c2) and PRIVATE_REASON in in_c2 and not shows_run(in_c2, world.run_c1)


async def test_audit_of_a_user_in_a_channel_leaves_out_their_work_elsewhere(world: World) -> None:
    env = world.env
    of_eve = await answer(env, "audit <@U5|eve>", user="U1", channel="C1")
    assert "No audit entries for <@U5>" in of_eve and not shows_run(of_eve, world.run_c2)
    of_fay = await answer(env, "audit <@U6>", user="U1", channel="C1")
    assert "No audit entries" in of_fay and PRIVATE_REASON not in of_fay
    of_ben = await answer(env, "audit <@U2>", user="U1", channel="C1")
    assert shows_run(of_ben, world.run_c1) and "approval.decision" in of_ben
    assert "approval.rejected" in await answer(env, "audit <@U6>", user="U5", channel="C2")


async def test_audit_of_a_run_id_answers_only_in_the_runs_channel(world: World) -> None:
    env = world.env
    for query in (world.run_c2, world.run_c2[:8]):
        elsewhere = await answer(env, f"audit {query}", user="U1", channel="C1")
        assert "No audit entries" in elsewhere and not shows_run(elsewhere, world.run_c2)
        assert PRIVATE_REASON not in elsewhere
    assert PRIVATE_REASON in await answer(env, f"audit {world.run_c2[:8]}", user="U6", channel="C2")


async def test_audit_in_a_dm_shows_the_runs_the_asker_requested_or_decided_on(world: World) -> None:
    env = world.env
    ana = await answer(env, "audit today", user="U1", channel="D1")  # requested the C1 merge
    assert shows_run(ana, world.run_c1) and not shows_run(ana, world.run_c2)
    assert "runs you asked for or decided on" in ana
    fay = await answer(env, "audit today", user="U6", channel="D6")  # rejected the C2 merge, asked nothing
    assert shows_run(fay, world.run_c2) and PRIVATE_REASON in fay and not shows_run(fay, world.run_c1)
    ben = await answer(env, f"audit {world.run_c1[:8]}", user="U2", channel="D2")  # approved the C1 merge
    assert shows_run(ben, world.run_c1)
    assert "No audit entries" in await answer(env, f"audit {world.run_c2[:8]}", user="U2", channel="D2")
    nobody = await answer(env, "audit today", user="U9", channel="D9")
    assert "No audit entries" in nobody and not shows_run(nobody, world.run_c1) and "<@U5>" not in nobody
    assert "No audit entries" in await answer(env, "audit <@U5>", user="U1", channel="D1")


async def test_audit_rows_outside_a_run_are_not_shown_anywhere(world: World) -> None:
    env = world.env
    await env.driver.click("opsbot.approve", "0" * 32, as_user="U3", channel="C1")  # a request that isn't there
    await env.settle()
    assert env.bot is not None
    [stray] = [r for r in await env.bot.audit.rows() if r.kind == "click.unknown"]
    assert stray.run_id is None and stray.actor == "U3"
    for user, channel in (("U3", "C1"), ("U3", "D3")):
        reply = await answer(env, "audit <@U3>", user=user, channel=channel)
        assert "click.unknown" not in reply and "No audit entries" in reply
    assert "click.unknown" not in await answer(env, "audit today", user="U1", channel="C1")


async def test_the_trail_is_filtered_in_sql_through_the_runs(world: World) -> None:
    assert world.env.bot is not None
    audit = world.env.bot.audit
    in_c1 = await audit.trail(TrailScope(channel="C1"), last=100)
    assert in_c1 and {r.run_id for r in in_c1} == {world.run_c1}
    assert {r.run_id for r in await audit.trail(TrailScope(user="U6"), last=100)} == {world.run_c2}
    assert [r.kind for r in await audit.trail(TrailScope(channel="C1"), last=2)] == [r.kind for r in in_c1[-2:]]
    with pytest.raises(ValueError, match="exactly one"):
        TrailScope(channel="C1", user="U1")


# -- /ops pending ----------------------------------------------------------------------------------


@pytest.fixture
async def waiting(db_url: str) -> AsyncIterator[World]:
    async with Harness(db_url, opsbot_approvers="U2,U3,U6") as env:
        yield await build_world(env, decide=False)


async def test_pending_in_a_channel_lists_only_that_channels_requests(waiting: World) -> None:
    env = waiting.env
    for user in ("U1", "U5", "U2"):  # the C2 requester and an approver of both, asking in C1
        in_c1 = await answer(env, "pending", user=user, channel="C1")
        assert waiting.approval_c1[:8] in in_c1 and waiting.approval_c2[:8] not in in_c1
        assert "Embargoed" not in in_c1 and "in this channel" in in_c1
    in_c2 = await answer(env, "pending", user="U6", channel="C2")
    assert waiting.approval_c2[:8] in in_c2 and waiting.approval_c1[:8] not in in_c2


async def test_pending_in_a_dm_lists_what_the_asker_requested_or_may_decide(waiting: World) -> None:
    env = waiting.env
    eve = await answer(env, "pending", user="U5", channel="D5")
    assert waiting.approval_c2[:8] in eve and waiting.approval_c1[:8] not in eve and "<#C2>" in eve
    ben = await answer(env, "pending", user="U2", channel="D2")  # a listed approver of both
    assert waiting.approval_c1[:8] in ben and waiting.approval_c2[:8] in ben
    nobody = await answer(env, "pending", user="U9", channel="D9")
    assert "Nothing is waiting for approval for you" in nobody
    assert waiting.approval_c1[:8] not in nobody and waiting.approval_c2[:8] not in nobody


async def test_pending_in_a_dm_asks_slack_who_may_decide_by_channel_or_group(db_url: str) -> None:
    async with Harness(db_url, opsbot_approvers="") as env:  # anyone in the request's channel may decide
        world = await build_world(env, decide=False)
        env.slack.set_members("C2", ["U5", "U6", "U9"])
        assert env.bot is not None
        async with aiohttp.ClientSession() as session:
            directory = SlackDirectory(make_client(BOT_TOKEN, env.slack.url, session), env.clock)
            queries = Queries(repo=env.bot.repo, audit=env.bot.audit, clock=env.clock, membership=Membership(directory))
            _, blocks = await queries.pending(user="U9", channel="D9")  # a member of C2 only
            shown = json.dumps(blocks)
            assert world.approval_c2[:8] in shown and world.approval_c1[:8] not in shown
            _, blocks = await queries.pending(user="U3", channel="D3")  # a member of C1 only
            shown = json.dumps(blocks)
            assert world.approval_c1[:8] in shown and world.approval_c2[:8] not in shown
            env.slack.fail_next("conversations.members", status=200, error="fatal_error", times=5)
            fresh = Queries(
                repo=env.bot.repo,
                audit=env.bot.audit,
                clock=env.clock,
                membership=Membership(SlackDirectory(make_client(BOT_TOKEN, env.slack.url, session), env.clock)),
            )
            _, blocks = await fresh.pending(user="U9", channel="D9")  # a failed lookup hides, and says so
            shown = json.dumps(blocks)
            assert world.approval_c2[:8] not in shown and "could not be checked" in shown
