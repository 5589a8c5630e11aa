"""`/ops digest remove` takes an exact id and only its creator (or an admin) may use it; a digest shows only its
own channel's approvals and runs."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.core.trigger_records import DigestRecord
from tests.harness import Harness
from tests.triggers.test_digests import add_digest, digest_posts, fire


async def stored(env: Harness, digest_id: str, *, by: str = "U1", channel: str = "C1") -> None:
    assert env.bot is not None and env.bot.triggers is not None
    record = DigestRecord(
        id=digest_id, team_id="T111", channel=channel, created_by=by, cadence="*", at="09:00", timezone="UTC",
        kind="approvals", created_at=env.clock.now(),
    )  # fmt: skip
    assert await env.bot.triggers.store.add_digest(record)
    assert not await env.bot.triggers.store.add_digest(record)  # the same id twice: refused, nothing written


async def active(env: Harness) -> set[str]:
    assert env.bot is not None and env.bot.triggers is not None
    return {d.id for d in await env.bot.triggers.store.active_digests()}


async def say(env: Harness, text: str, *, user: str = "U1", channel: str = "C1") -> str:
    await env.driver.command(text, user=user, channel=channel)
    await env.settle()
    return json.dumps(env.slack.ephemerals(user)[-1], ensure_ascii=False)


async def test_remove_takes_the_exact_id_not_a_prefix(env: Harness) -> None:
    for digest_id in ("1", "12", "123"):
        await stored(env, digest_id)
    assert "Digest `1` removed" in await say(env, "digest remove 1")
    assert await active(env) == {"12", "123"}
    assert "No digest `2`" in await say(env, "digest remove 2")  # no id is 2, however many contain it
    assert "No digest `1`" in await say(env, "digest remove 1")  # already gone
    assert await active(env) == {"12", "123"}


async def test_only_the_creator_may_remove_a_digest(env: Harness) -> None:
    digest_id = await add_digest(env, "add daily 09:00 UTC approvals")  # by U1 in C1
    assert len(digest_id) == 8 and f"`{digest_id}`" in await say(env, "digest list", user="U2")
    refused = await say(env, f"digest remove {digest_id}", user="U2")
    assert f"Only <@U1>, who added it, can remove digest `{digest_id}`. It stays." in refused
    assert await active(env) == {digest_id}
    assert "No digest" in await say(env, f"digest remove {digest_id}", channel="C2")  # its creator, elsewhere
    assert await active(env) == {digest_id}
    assert "removed" in await say(env, f"digest remove {digest_id}")
    assert await active(env) == set()


async def test_an_admin_may_remove_anyones_digest_and_the_refusal_names_the_admins(
    env: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert env.bot is not None and env.bot.triggers is not None
    monkeypatch.setattr(env.bot.triggers.commands, "admins", frozenset({"U7", "U8"}))  # what the wiring would give
    await stored(env, "abc", by="U1")
    refused = await say(env, "digest remove abc", user="U2")
    assert "Only <@U1>, who added it, or an admin (<@U7>, <@U8>) can remove digest `abc`" in refused
    assert await active(env) == {"abc"}
    assert "Digest `abc` removed" in await say(env, "digest remove abc", user="U7")
    assert await active(env) == set()


async def test_an_approvals_digest_lists_only_its_channels_requests(env: Harness) -> None:
    env.github.add_pr("acme/api", 42, "Ship it")
    env.github.add_pr("acme/api", 43, "Secret launch")
    await env.driver.command("merge pr 42 in acme/api", channel="C1")
    await env.driver.command("merge pr 43 in acme/api", user="U5", channel="C2")
    await env.settle()
    await add_digest(env, "add daily 09:00 UTC approvals")
    env.clock.advance(timedelta(days=1).total_seconds())
    await fire(env)
    [digest] = digest_posts(env)
    shown = json.dumps(digest)
    assert "Merge #42" in shown and "Waiting (1)" in shown and "#43" not in shown and "U5" not in shown


async def test_a_runs_digest_lists_only_its_channels_runs(env: Harness) -> None:
    await env.driver.command("list prs acme/nowhere", channel="C1")
    await env.driver.command("list prs acme/private-thing", user="U5", channel="C2")
    await env.settle()
    await add_digest(env, "add daily 09:00 UTC runs")
    env.clock.advance(timedelta(days=1).total_seconds())
    await fire(env)
    [digest] = digest_posts(env)
    shown = json.dumps(digest)
    assert "Failed or unknown (1)" in shown and "acme/nowhere" in shown and "private-thing" not in shown
