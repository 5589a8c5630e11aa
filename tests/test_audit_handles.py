"""`/ops audit @ana`: a handle (or a display name) as Slack sends it with `should_escape: false`, resolved through
users.list (cached, paged); and the trail names people instead of showing their ids."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from integrations.slack_directory import CACHE_TTL, USERS_PAGE
from tests.approvals_helpers import cards, click
from tests.harness import Harness
from tests.test_scoped_reads import World, answer, build_world, shows_run


def name_people(env: Harness) -> None:
    env.slack.add_person("U1", "ana")
    env.slack.add_person("U2", "ben.k", display_name="Ben Keller")
    env.slack.add_person("U3", "cy", display_name="Cy")
    env.slack.add_person("U5", "eve")
    env.slack.add_person("U6", "fay")


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    """tests.test_scoped_reads' world (ana asked in C1, ben approved; eve asked in C2, fay rejected), with names."""
    async with Harness(db_url, opsbot_approvers="U2,U3,U6") as env:
        name_people(env)
        yield await build_world(env)


def users_list_calls(env: Harness) -> int:
    return len(env.slack.calls_to("users.list"))


async def test_audit_of_a_handle_typed_in_a_slash_command_is_that_persons_trail(world: World) -> None:
    env = world.env
    of_ana = await answer(env, "audit @ana", user="U2", channel="C1")  # exactly what Slack sends: no <@U1>
    assert "Audit trail for <@U1>" in of_ana and shows_run(of_ana, world.run_c1)
    assert "approval.requested by <@U1>" in of_ana and "approval.decision" not in of_ana  # ben's row, not ana's
    assert "@ana" not in of_ana  # the label is her mention, which Slack shows with her name
    assert "approval.rejected by <@U6>" in await answer(env, "audit @Fay", user="U5", channel="C2")  # any case


async def test_a_display_name_with_spaces_resolves_too(world: World) -> None:
    env = world.env
    of_ben = await answer(env, "audit @ben keller", user="U1", channel="C1")
    assert "Audit trail for <@U2>" in of_ben and "approval.decision by <@U2>" in of_ben
    assert "No audit entries for <@U3>" in await answer(env, "audit @CY", user="U1", channel="C1")


async def test_an_unknown_or_deleted_handle_is_refused_clearly(world: World) -> None:
    env = world.env
    env.slack.add_person("U7", "zoe", deleted=True)
    for handle in ("zed", "zoe"):
        reply = await answer(env, f"audit @{handle}", user="U1", channel="C1")
        assert f"I don't know @{handle} in this workspace." in reply and "display name" in reply
        assert "Audit trail" not in reply and "No audit entries" not in reply


async def test_a_display_name_two_people_share_is_not_guessed(world: World) -> None:
    env = world.env
    env.slack.add_person("U8", "ben.o", display_name="Ben Keller")
    reply = await answer(env, "audit @Ben Keller", user="U1", channel="C1")
    assert "2 people here go by @Ben Keller" in reply and "Audit trail" not in reply
    assert "Audit trail for <@U2>" in await answer(env, "audit @ben.k", user="U1", channel="C1")  # the handle is one


async def test_the_directory_is_cached_and_read_again_after_its_ttl(world: World) -> None:
    env = world.env
    await answer(env, "audit @ana", user="U2", channel="C1")
    await answer(env, "audit @ben keller", user="U2", channel="C1")
    assert users_list_calls(env) == 1
    env.slack.add_person("U9", "gil")
    assert "I don't know @gil" in await answer(env, "audit @gil", user="U2", channel="C1")  # not asked again yet
    env.clock.advance(CACHE_TTL.total_seconds())
    assert "No audit entries for <@U9>" in await answer(env, "audit @gil", user="U2", channel="C1")
    assert users_list_calls(env) == 2


async def test_users_list_is_read_page_by_page(db_url: str) -> None:
    async with Harness(db_url) as env:
        crowd = 2 * USERS_PAGE + 10
        for n in range(crowd):
            env.slack.add_person(f"U9{n:04d}", f"person{n}")
        await env.driver.command("audit @person" + str(crowd - 1), user="U1", channel="C1")
        await env.settle()
        assert f"No audit entries for <@U9{crowd - 1:04d}>" in json.dumps(env.slack.ephemerals("U1")[-1])
        calls = env.slack.calls_to("users.list")
        assert [c.params.get("limit") for c in calls] == [str(USERS_PAGE)] * 3
        assert [bool(c.params.get("cursor")) for c in calls] == [False, True, True]
        assert [len(c.response["members"]) for c in calls] == [USERS_PAGE, USERS_PAGE, 11]  # and the bot


async def test_a_failed_lookup_says_so_and_shows_nothing(world: World) -> None:
    env = world.env
    env.slack.fail_next("users.list", status=200, error="fatal_error")
    reply = await answer(env, "audit @ana", user="U2", channel="C1")
    assert "I couldn't look up @ana in Slack just now" in reply and not shows_run(reply, world.run_c1)
    assert shows_run(await answer(env, "audit @ana", user="U2", channel="C1"), world.run_c1)


async def test_ids_in_a_stored_reason_are_shown_as_names_not_as_ids(db_url: str) -> None:
    async with Harness(db_url, opsbot_approvers="U2,U3,U6") as env:
        name_people(env)
        await build_world(env, decide=False)
        [card_c1, _] = cards(env)
        env.slack.set_members("C1", ["U1", "U2", "U3", "U5", "U19"])
        await click(env, "opsbot.approve", card_c1, "U19")  # not an approver: refused, naming who may decide
        told = json.dumps(env.slack.ephemerals("U19")[-1])
        assert "Only <@U2>, <@U3>, <@U6> can decide on this." in told  # to the clicker: live mentions
        trail = await answer(env, "audit today", user="U1", channel="C1")
        assert "click.not_allowed by <@U19>" in trail
        # users.list's names (fay set none: Slack shows her real name), never an id
        assert "Only @Ben Keller, @Cy, @Fay can decide on this." in trail
        assert "&lt;@U" not in trail and "U2&gt;" not in trail
        assert env.bot is not None
        [row] = [r for r in await env.bot.audit.rows() if r.kind == "click.not_allowed"]
        assert row.data["reason"] == "Only <@U2>, <@U3>, <@U6> can decide on this."  # stored as Slack text, unmarked
