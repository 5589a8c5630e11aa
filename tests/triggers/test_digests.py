"""Digests: `/ops digest`, one post per slot across replicas, DST, coalesced missed slots, skip-if-unchanged."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from bot.app.wiring import Opsbot, build
from bot.triggers.scheduler import Fired
from tests.approvals_helpers import buttons, cards, click, text_of
from tests.harness import Harness
from tests.triggers.conftest import posts


def move_to(env: Harness, when: datetime) -> None:
    env.clock.advance((when - env.clock.now()).total_seconds())


def digest_posts(env: Harness, channel: str = "C1") -> list[dict[str, object]]:
    return [p for p in posts(env, channel, top_level=True) if "Digest `" in text_of(p)]


async def add_digest(env: Harness, text: str, channel: str = "C1") -> str:
    await env.driver.command(f"digest {text}", channel=channel)
    await env.settle()
    reply = env.slack.ephemerals("U1")[-1]
    assert "added" in reply["text"], reply["text"]
    return str(reply["text"].split("`")[1])


async def fire(env: Harness) -> list[Fired]:
    assert env.bot is not None and env.bot.triggers is not None
    return await env.bot.triggers.scheduler.fire_due(env.clock.now())


async def test_digest_add_list_remove_from_slack(env: Harness) -> None:
    digest_id = await add_digest(env, "add daily 09:00 Europe/Berlin prs acme/api")
    assert "daily at 09:00 Europe/Berlin — pull requests in acme/api" in env.slack.ephemerals("U1")[-1]["text"]
    await env.driver.command("digest list")
    await env.settle()
    assert digest_id in json.dumps(env.slack.ephemerals("U1")[-1])
    await env.driver.command(f"digest remove {digest_id}")
    await env.settle()
    assert "removed" in env.slack.ephemerals("U1")[-1]["text"]
    await env.driver.command("digest list")
    await env.settle()
    assert "No digests" in env.slack.ephemerals("U1")[-1]["text"]


async def test_bad_digest_requests_get_a_clear_answer(env: Harness) -> None:
    for text, expected in (
        ("add daily 09:00 Mars/Olympus prs acme/api", "not a time zone"),
        ("add daily 25:00 UTC prs acme/api", "not a time of day"),
        ("add hourly 09:00 UTC prs acme/api", "not a cadence"),
        ("add daily 09:00 UTC invoices", "need an ERP"),
        ("add daily 09:00 UTC gossip", "don't know the digest kind"),
    ):
        await env.driver.command(f"digest {text}", channel="C2")
        await env.settle()
        assert expected in json.dumps(env.slack.ephemerals("U1")[-1]), text


async def test_a_digest_is_skipped_when_nothing_changed(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Add caching", checks="passing")
    await add_digest(env, "add daily 09:00 Europe/Berlin prs acme/api")
    move_to(env, datetime(2026, 11, 27, 8, 0, tzinfo=UTC))  # 09:00 in Berlin (CET)
    assert [f.outcome for f in await fire(env)] == ["posted"]
    shown = text_of(digest_posts(env)[0])
    assert "#7" in shown and "Add caching" in shown and "Waiting for review" in shown
    env.clock.advance(86400)
    assert [f.outcome for f in await fire(env)] == ["skipped"]
    env.github.add_pr("acme/api", 8, "Fix login", checks="failing")
    env.clock.advance(86400)
    assert [f.outcome for f in await fire(env)] == ["posted"]
    assert len(digest_posts(env)) == 2
    assert await fire(env) == []  # the same slot again: nothing


async def test_waiting_for_review_leaves_drafts_out_and_names_who_github_waits_on(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Add caching", checks="passing", reviewers=("ben",), teams=("platform",))
    env.github.add_pr("acme/api", 8, "Nobody asked", checks="passing")
    env.github.add_pr("acme/api", 9, "Sketch", checks="passing", draft=True)
    await add_digest(env, "add daily 09:00 UTC prs acme/api")
    move_to(env, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    await fire(env)
    shown = json.dumps(digest_posts(env)[0], ensure_ascii=False)
    waiting = shown.split("Waiting for review, checks green (2)", 1)[1]
    assert "#7> Add caching — octocat, 4d → @ben, team platform" in waiting
    assert "#8> Nobody asked — octocat, 4d → nobody requested" in waiting
    assert "#9" not in waiting
    assert "#9> Sketch (draft)" in shown  # still listed among the open ones


async def test_a_digest_says_which_prs_conflict_with_their_base_branch(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Rename the config keys", checks="passing", mergeable=False)
    env.github.add_pr("acme/api", 8, "Add caching", checks="passing")
    await add_digest(env, "add daily 09:00 UTC prs acme/api")
    move_to(env, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    await fire(env)
    shown = json.dumps(digest_posts(env)[0], ensure_ascii=False)
    assert "#7> Rename the config keys — octocat, 4d · conflicts with its base branch" in shown
    assert "#8> Add caching — octocat, 4d →" in shown and "#8> Add caching — octocat, 4d · conflicts" not in shown


async def test_missed_slots_after_downtime_are_coalesced_into_one(env: Harness) -> None:
    await add_digest(env, "add daily 09:00 UTC approvals")
    env.clock.advance(4 * 86400)  # down for four days: four slots missed
    fired = await fire(env)
    assert len(fired) == 1 and fired[0].slot == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert len(digest_posts(env)) == 1
    assert await fire(env) == []


async def test_a_failing_pr_in_a_digest_has_a_rerun_button_that_asks_for_approval(env: Harness) -> None:
    pull = env.github.add_pr("acme/api", 9, "Flaky", checks="failing")
    env.github.add_run("acme/api", 555, head_sha=pull.head_sha, conclusion="failure")
    await add_digest(env, "add weekdays 10:00 UTC prs acme/api")
    move_to(env, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))  # a Friday
    await fire(env)
    [digest] = digest_posts(env)
    [rerun] = [b for b in buttons(digest) if b["action_id"] == "opsbot.rerun_failed_jobs"]
    assert json.loads(rerun["value"]) == {"pr": 9, "repo": "acme/api"}
    ts = next(c.response["ts"] for c in env.slack.calls_to("chat.postMessage") if c.params is digest)
    await env.driver.click(rerun["action_id"], rerun["value"], as_user="U1", message_ts=ts)
    await env.settle()
    [card] = cards(env)
    assert card.params["thread_ts"] == ts and "Re-run failed jobs" in text_of(card.params)
    await click(env, "opsbot.approve", card, "U2")
    assert env.github.reruns == [{"repo": "acme/api", "run_id": 555}]


async def test_a_pr_failing_outside_github_actions_gets_no_rerun_button(env: Harness) -> None:
    """Its checks fail (a commit status, another app's check) but no workflow run failed: a rerun would have nothing
    to re-run, so the digest says so instead of offering a button that can only fail."""
    ours = env.github.add_pr("acme/api", 9, "Flaky", checks="failing")
    env.github.add_run("acme/api", 555, head_sha=ours.head_sha, conclusion="failure")
    env.github.add_pr("acme/api", 8, "Failing elsewhere", checks="failing")
    await add_digest(env, "add weekdays 10:00 UTC prs acme/api")
    move_to(env, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    await fire(env)
    [digest] = digest_posts(env)
    labels = [b["text"]["text"] for b in buttons(digest) if b["action_id"] == "opsbot.rerun_failed_jobs"]
    assert labels == ["Rerun #9"]
    assert text_of(digest).count("no failed workflow run to rerun") == 1


async def test_three_replicas_over_seven_days_post_each_slot_once_across_a_dst_change(env: Harness) -> None:
    move_to(env, datetime(2027, 3, 25, 0, 0, tzinfo=UTC))  # Europe/Berlin moves to summer time on 28 March
    await add_digest(env, "add daily 09:00 Europe/Berlin prs acme/api")
    assert env.bot is not None
    replicas: list[Opsbot] = [env.bot]
    for _ in range(2):
        other = await build(env.settings(), clock=env.clock, migrate=False)
        await other.start(sweep_interval=None)
        replicas.append(other)
    fired: list[Fired] = []
    try:
        for step in range(7 * 48):  # every 30 minutes for a week
            env.clock.advance(1800)
            if step % 48 == 0:
                env.github.add_pr("acme/api", 100 + step, f"Change {step}")  # something new every day
            if step == 3 * 48:
                await replicas.pop().close()  # one replica dies mid-way
            results = await asyncio.gather(
                *(r.triggers.scheduler.fire_due(env.clock.now()) for r in replicas if r.triggers)
            )
            fired += [f for batch in results for f in batch]
    finally:
        for replica in replicas[1:]:
            await replica.close()
    slots = [f.slot for f in fired]
    assert [f.outcome for f in fired] == ["posted"] * 7
    assert slots == [datetime(2027, 3, d, 8, 0, tzinfo=UTC) for d in (25, 26, 27)] + [
        datetime(2027, 3, d, 7, 0, tzinfo=UTC) for d in (28, 29, 30, 31)
    ]
    assert len(digest_posts(env)) == 7


async def test_an_approvals_digest_lists_what_is_waiting(env: Harness) -> None:
    env.github.add_pr("acme/api", 42, "Ship it")
    await env.driver.command("merge pr 42 in acme/api")
    await env.settle()
    await add_digest(env, "add daily 09:00 UTC approvals")
    env.clock.advance(timedelta(days=1).total_seconds())
    await fire(env)
    [digest] = digest_posts(env)
    assert "Merge #42" in text_of(digest) and "Waiting (1)" in text_of(digest)


async def test_the_apscheduler_jobs_follow_the_digests(env: Harness) -> None:
    assert env.bot is not None and env.bot.triggers is not None
    scheduler = env.bot.triggers.scheduler
    digest_id = await add_digest(env, "add daily 09:00 Europe/Berlin approvals")
    scheduler.start()
    try:
        await scheduler._sync()  # what the interval job does every minute
        assert scheduler._scheduler is not None
        [job] = [j for j in scheduler._scheduler.get_jobs() if j.id.startswith("digest:")]
        assert job.id.startswith(f"digest:{digest_id}") and str(job.trigger.timezone) == "Europe/Berlin"
        await env.driver.command(f"digest remove {digest_id}")
        await env.settle()
        await scheduler._sync()
        assert [j.id for j in scheduler._scheduler.get_jobs()] == ["sync"]
    finally:
        await scheduler.stop()


async def test_remind_reviewers_proposes_a_comment_that_mentions_them_and_posts_it_once_approved(env: Harness) -> None:
    env.github.add_pr("acme/api", 7, "Add caching", checks="passing", reviewers=("ben",), teams=("platform",))
    env.github.add_pr("acme/api", 8, "Nobody asked", checks="passing")
    await add_digest(env, "add daily 09:00 UTC prs acme/api")
    move_to(env, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    await fire(env)
    [digest] = digest_posts(env)
    [remind] = [b for b in buttons(digest) if b["action_id"] == "opsbot.remind_reviewers"]  # none for #8
    assert remind["text"]["text"] == "Remind reviewers of #7"
    ts = next(c.response["ts"] for c in env.slack.calls_to("chat.postMessage") if c.params is digest)
    await env.driver.click(remind["action_id"], remind["value"], as_user="U1", message_ts=ts)
    await env.settle()
    [card] = cards(env)
    assert card.params["thread_ts"] == ts and "@ben, @acme/platform: a friendly reminder" in text_of(card.params)
    assert env.github.comments == []  # a comment is a `write`: nothing before someone approves
    await env.driver.click(remind["action_id"], remind["value"], as_user="U2", message_ts=ts)
    await env.settle()
    assert "already proposed" in env.slack.ephemerals("U2")[-1]["text"]
    await click(env, "opsbot.approve", card, "U2")
    [comment] = env.github.comments
    assert comment["number"] == 7 and comment["body"].startswith("@ben, @acme/platform: a friendly reminder")
