"""Issue 18: when GitHub's budget is nearly used up, a PR digest waits for the reset and says so, so what is left
stays for people's own commands; digests that need no GitHub go on."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.github_metrics import RESERVE
from tests.harness import Harness
from tests.triggers.conftest import posts
from tests.triggers.test_digests import add_digest, digest_posts, fire, move_to


async def spend_githubs_budget(env: Harness, left: int) -> None:
    """Someone else's script used GitHub's budget up to `left`; opsbot learns it from its next answer."""
    env.github.remaining_requests = left
    await env.driver.mention("list prs in acme/api", user="U2")
    await env.settle()


async def test_a_pr_digest_waits_for_the_reset_and_says_so(env: Harness) -> None:
    assert env.bot is not None and env.bot.triggers is not None
    env.github.add_pr("acme/api", 7, "Add caching", checks="passing")
    digest_id = await add_digest(env, "add daily 09:00 Europe/Berlin prs acme/api")
    move_to(env, datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    await spend_githubs_budget(env, RESERVE // 2)
    asked = len(env.github.requests)

    assert [f.outcome for f in await fire(env)] == ["waiting"]
    said = [str(p.get("text")) for p in posts(env, "C1", top_level=True)]
    waits = f"⏳ The digest `{digest_id}` waits for GitHub"
    assert any(s.startswith(waits) and "resets at 09:00 UTC" in s for s in said)
    assert digest_posts(env) == [] and len(env.github.requests) == asked  # nothing asked of GitHub meanwhile

    await env.bot.triggers.scheduler.settled()  # the clock reaches the reset
    assert env.clock.slept and 3500 < env.clock.slept[-1] <= 3601
    [posted] = digest_posts(env)
    assert "Add caching" in str(posted)
    assert await fire(env) == []  # that slot is done: not posted again


async def test_with_room_left_or_without_github_a_digest_does_not_wait(env: Harness) -> None:
    prs = await add_digest(env, "add daily 09:00 Europe/Berlin prs acme/api")
    approvals = await add_digest(env, "add daily 09:00 Europe/Berlin approvals", channel="C2")
    move_to(env, datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    await spend_githubs_budget(env, RESERVE * 3)
    assert {f.digest_id: f.outcome for f in await fire(env)} == {prs: "posted", approvals: "posted"}
    env.clock.advance(86400)
    await spend_githubs_budget(env, 1)
    assert {f.digest_id: f.outcome for f in await fire(env)} == {prs: "waiting", approvals: "skipped"}
