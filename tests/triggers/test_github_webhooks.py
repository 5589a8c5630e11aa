"""GitHub webhooks over HTTP: signature first, once per delivery, PR cards, CI failures with a rerun, one thread."""

from __future__ import annotations

import json
from typing import Any

from bot.edges.hook_events import github_dedupe_key
from bot.edges.signing import github_signature, verify_github
from bot.sandbox.fakes.github import webhooks
from bot.sandbox.fakes.github.shapes import sha
from tests.approvals_helpers import buttons, cards, click, text_of
from tests.harness import Harness
from tests.triggers.conftest import (
    WEBHOOK_SECRET,
    inbox_count,
    posts,
    send_github,
    updates,
)

PR_HEAD = sha("acme/api#7")  # the head commit webhooks.pull_request() and check_run_completed() name for #7
RUN_ID = 4243
RUN_SHA = sha("acme/api@main:4243")
# GitHub's docs ("Validating webhook deliveries") publish this secret, payload and signature to test against
DOCS_SECRET, DOCS_PAYLOAD = "It's a Secret to Everybody", b"Hello, World!"
DOCS_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_githubs_documented_test_vector() -> None:
    assert github_signature(DOCS_SECRET, DOCS_PAYLOAD) == DOCS_SIGNATURE
    assert verify_github(DOCS_SECRET, DOCS_SIGNATURE, DOCS_PAYLOAD)
    assert not verify_github(DOCS_SECRET, DOCS_SIGNATURE, DOCS_PAYLOAD + b" ")
    assert not verify_github(
        "", github_signature("", DOCS_PAYLOAD), DOCS_PAYLOAD
    )  # no secret: refuse, whatever is sent


async def test_bad_or_missing_signature_is_401_and_nothing_is_stored(hooks: Harness) -> None:
    bad = await send_github(hooks, webhooks.pull_request(), secret="not-the-secret")
    missing = await send_github(hooks, webhooks.pull_request(), secret=None)
    garbage = await send_github(hooks, webhooks.pull_request(), signature="sha256=00")
    assert [bad[0], missing[0], garbage[0]] == [401, 401, 401]
    assert await inbox_count(hooks) == 0
    assert posts(hooks, "C1") == []


async def test_without_a_configured_secret_every_delivery_is_refused(db_url: str, rules_file: Any) -> None:
    async with Harness(db_url, opsbot_rules=str(rules_file)) as env:
        hook = webhooks.pull_request()
        empty_key = github_signature("", json.dumps(hook.payload).encode())
        status, _ = await send_github(env, hook, signature=empty_key)
        assert status == 401
        assert await inbox_count(env) == 0


async def test_a_delivery_is_stored_then_acknowledged_and_worked_on_later(hooks: Harness) -> None:
    assert hooks.bot is not None
    hooks.bot.worker.paused = True  # accept stores the event but does not start its work
    hook = webhooks.pull_request()
    status, body = await send_github(hooks, hook, delivery="d-1", settle=False)
    assert (status, body) == (202, {"ok": True})
    key = github_dedupe_key(json.dumps(hook.payload).encode())  # stored under the hash of the body it sent
    assert await hooks.bot.repo.inbox_status(key) == "pending"
    assert posts(hooks, "C1") == []  # the ack did not wait for Slack
    hooks.bot.worker.paused = False
    await hooks.bot.worker.sweep()
    await hooks.bot.worker.drain()
    assert len(posts(hooks, "C1")) == 1


async def test_the_same_delivery_twice_is_processed_once(hooks: Harness) -> None:
    hook = webhooks.pull_request()  # a redelivery is the same bytes (the builder stamps the time: build it once)
    first = await send_github(hooks, hook, delivery="same-guid")
    again = await send_github(hooks, hook, delivery="same-guid")
    assert first[0] == 202 and again == (200, {"ok": True, "duplicate": True})
    assert await inbox_count(hooks) == 1
    assert len(posts(hooks, "C1")) == 1


async def test_ping_is_answered_and_a_bad_body_is_a_400(hooks: Harness) -> None:
    assert (await send_github(hooks, webhooks.ping()))[0] == 200
    status, _ = await send_github(hooks, webhooks.push(), body=[1, 2])
    assert status == 400
    assert await inbox_count(hooks) == 0


async def test_pr_opened_posts_a_card_in_the_routed_channel_and_a_merge_updates_it(hooks: Harness) -> None:
    await send_github(hooks, webhooks.pull_request(additions=12, deletions=3, changed_files=2))
    [card] = posts(hooks, "C1")
    shown = text_of(card)
    for part in ("PR #7", "Add rate limiting to /login", "ana", "+12", "2 files", "Checks", "`rate-limit`"):
        assert part in shown, part
    assert posts(hooks, "C2") == []
    card_ts = hooks.slack.calls_to("chat.postMessage")[0].response["ts"]

    await send_github(hooks, webhooks.pull_request("closed", merged=True, sender="ben"))
    assert "merged" in text_of(updates(hooks, card_ts)[-1])
    replies = [p for p in posts(hooks, "C1") if p.get("thread_ts") == card_ts]
    assert len(replies) == 1 and "Merged by ben" in replies[0]["text"]
    assert len(posts(hooks, "C1", top_level=True)) == 1


async def test_other_repositories_and_unrouted_events_post_nothing(hooks: Harness) -> None:
    status, _ = await send_github(hooks, webhooks.pull_request(repo="x/y"))
    await send_github(hooks, webhooks.push())
    await send_github(hooks, webhooks.issue_comment_created())  # no thread for that PR yet: nothing to add to
    assert status == 202
    assert hooks.slack.calls_to("chat.postMessage") == []


def failed_run(run_id: int = RUN_ID, branch: str = "main", commit: str = RUN_SHA) -> webhooks.Webhook:
    return webhooks.workflow_run_completed(run_id=run_id, branch=branch, head_sha=commit, name="CI")


def failed_job(job: str, run_id: int = RUN_ID, commit: str = RUN_SHA) -> webhooks.Webhook:
    return webhooks.workflow_job_completed(job=job, run_id=run_id, head_sha=commit)


async def test_ci_failure_on_main_names_the_failed_jobs_and_offers_a_rerun_through_approval(hooks: Harness) -> None:
    hooks.github.add_run("acme/api", RUN_ID, name="CI", head_sha=RUN_SHA, conclusion="failure")
    await send_github(hooks, failed_job("linters"))
    await send_github(hooks, failed_job("tests"))
    await send_github(hooks, failed_run())
    assert len(posts(hooks, "C1", top_level=True)) == 1
    root_ts = hooks.slack.calls_to("chat.postMessage")[0].response["ts"]
    [failure] = [p for p in posts(hooks, "C1") if p.get("thread_ts") == root_ts]  # one message, updated in place
    failure_ts = next(c.response["ts"] for c in hooks.slack.calls_to("chat.postMessage") if c.params is failure)
    latest = updates(hooks, failure_ts)[-1]
    assert "`linters`" in text_of(latest) and "`tests`" in text_of(latest) and "main" in text_of(latest)
    [button] = [b for b in buttons(latest) if b["action_id"] == "opsbot.rerun_failed_jobs"]
    assert json.loads(button["value"]) == {"repo": "acme/api", "run_id": RUN_ID}

    message = {**hooks.slack.messages("C1")[1], "thread_ts": root_ts}
    await hooks.driver.click(button["action_id"], button["value"], as_user="U1", message_ts=failure_ts, message=message)
    await hooks.settle()
    [card] = cards(hooks)
    assert card.params["thread_ts"] == root_ts  # the approval card is in the same thread
    assert hooks.github.reruns == []  # nothing runs before approval
    await click(hooks, "opsbot.approve", card, "U2")
    assert hooks.github.reruns == [{"repo": "acme/api", "run_id": RUN_ID}]


async def test_a_second_click_on_the_same_rerun_button_does_not_ask_twice(hooks: Harness) -> None:
    hooks.github.add_run("acme/api", RUN_ID, name="CI", head_sha=RUN_SHA, conclusion="failure")
    await send_github(hooks, failed_run())
    calls = hooks.slack.calls_to("chat.postMessage")
    failure = calls[1]
    [button] = [b for b in buttons(failure.params) if b["action_id"] == "opsbot.rerun_failed_jobs"]
    for user in ("U1", "U3"):
        await hooks.driver.click(button["action_id"], button["value"], as_user=user, message_ts=failure.response["ts"])
        await hooks.settle()
    assert len(cards(hooks)) == 1
    assert "already requested" in json.dumps(hooks.slack.ephemerals("U3"))


async def test_events_for_one_pr_and_its_commit_land_in_one_thread(hooks: Harness) -> None:
    await send_github(hooks, webhooks.pull_request())
    card_ts = hooks.slack.calls_to("chat.postMessage")[0].response["ts"]
    await send_github(hooks, webhooks.check_run_completed(name="lint", pull=7))  # on #7's head commit
    await send_github(hooks, failed_job("unit", run_id=77, commit=PR_HEAD))
    await send_github(hooks, webhooks.issue_comment_created(number=7))
    assert len(posts(hooks, "C1", top_level=True)) == 1
    in_thread = [p for p in posts(hooks, "C1") if p.get("thread_ts") == card_ts]
    assert len(in_thread) == 3  # the failing check, the failing job's run, the comment
    assert "`lint`" in text_of(updates(hooks, card_ts)[-1])  # the card shows the failing check


RUN_RULES = """\
routes:
  - name: main-failures
    when: {source: github, repos: ["acme/*"], events: ["workflow_run.completed"], branches: [main]}
    notify: C1
    run:
      tool: create_issue
      args: {repo: "{repo}", title: "CI failed on {branch}: {workflow}", body: "See {url}"}
  - name: the rest
    when: {source: github}
    notify: C2
"""


async def test_a_route_can_run_a_tool_with_templated_arguments_behind_approval(db_url: str, tmp_path: Any) -> None:
    rules = tmp_path / "run.yaml"
    rules.write_text(RUN_RULES, encoding="utf-8")
    async with Harness(db_url, github_webhook_secret=WEBHOOK_SECRET, opsbot_rules=str(rules)) as env:
        await send_github(env, failed_run())
        [card] = cards(env)
        assert "CI failed on main: CI" in text_of(card.params)
        root_ts = env.slack.calls_to("chat.postMessage")[0].response["ts"]
        assert card.params["thread_ts"] == root_ts
        await click(env, "opsbot.approve", card, "U2")
        assert [i.title for i in env.github.issues] == ["CI failed on main: CI"]
        await send_github(env, failed_run(branch="dev", run_id=9, commit="9" * 40))
        assert len(cards(env)) == 1  # not on main: the second route, which only notifies
        assert len(posts(env, "C2", top_level=True)) == 1
