"""GitHub webhooks over HTTP: signature first, once per delivery, PR cards, CI failures with a rerun, one thread."""

from __future__ import annotations

import json
from typing import Any

from bot.signing import github_signature, verify_github
from tests.approvals_helpers import buttons, cards, click, text_of
from tests.harness import Harness
from tests.triggers.conftest import (
    FIXTURES,
    WEBHOOK_SECRET,
    github_payload,
    inbox_count,
    posts,
    send_github,
    updates,
)

PR_HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
RUN_SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"


def test_githubs_documented_test_vector() -> None:
    vector = json.loads((FIXTURES / "webhook_signature_vector.json").read_text(encoding="utf-8"))
    body = vector["payload"].encode()
    assert github_signature(vector["secret"], body) == vector["expected_signature"]
    assert verify_github(vector["secret"], vector["expected_signature"], body)
    assert not verify_github(vector["secret"], vector["expected_signature"], body + b" ")
    assert not verify_github("", github_signature("", body), body)  # no secret: refuse, whatever is sent


async def test_bad_or_missing_signature_is_401_and_nothing_is_stored(hooks: Harness) -> None:
    bad = await send_github(hooks, "pull_request.opened.json", secret="not-the-secret")
    missing = await send_github(hooks, "pull_request.opened.json", secret=None)
    garbage = await send_github(hooks, "pull_request.opened.json", signature="sha256=00")
    assert [bad[0], missing[0], garbage[0]] == [401, 401, 401]
    assert await inbox_count(hooks) == 0
    assert posts(hooks, "C1") == []


async def test_without_a_configured_secret_every_delivery_is_refused(db_url: str, rules_file: Any) -> None:
    async with Harness(db_url, opsbot_rules=str(rules_file)) as env:
        empty_key = github_signature("", json.dumps(github_payload("pull_request.opened.json")).encode())
        status, _ = await send_github(env, "pull_request.opened.json", signature=empty_key)
        assert status == 401
        assert await inbox_count(env) == 0


async def test_a_delivery_is_stored_then_acknowledged_and_worked_on_later(hooks: Harness) -> None:
    assert hooks.bot is not None
    hooks.bot.worker.paused = True  # accept stores the event but does not start its work
    status, body = await send_github(hooks, "pull_request.opened.json", delivery="d-1", settle=False)
    assert (status, body) == (202, {"ok": True})
    assert await hooks.bot.repo.inbox_status("github:d-1") == "pending"
    assert posts(hooks, "C1") == []  # the ack did not wait for Slack
    hooks.bot.worker.paused = False
    await hooks.bot.worker.sweep()
    assert len(posts(hooks, "C1")) == 1


async def test_the_same_delivery_twice_is_processed_once(hooks: Harness) -> None:
    first = await send_github(hooks, "pull_request.opened.json", delivery="same-guid")
    again = await send_github(hooks, "pull_request.opened.json", delivery="same-guid")
    assert first[0] == 202 and again == (200, {"ok": True, "duplicate": True})
    assert await inbox_count(hooks) == 1
    assert len(posts(hooks, "C1")) == 1


async def test_ping_is_answered_and_a_bad_body_is_a_400(hooks: Harness) -> None:
    assert (await send_github(hooks, "ping.json"))[0] == 200
    status, _ = await send_github(hooks, "push.new_branch_one_commit.json", payload=[1, 2])  # type: ignore[arg-type]
    assert status == 400
    assert await inbox_count(hooks) == 0


async def test_pr_opened_posts_a_card_in_the_routed_channel_and_a_merge_updates_it(hooks: Harness) -> None:
    await send_github(hooks, "pull_request.opened.json")
    [card] = posts(hooks, "C1")
    shown = text_of(card)
    for part in ("PR #2", "Update the README with new information.", "Codertocat", "+1", "1 files", "Checks"):
        assert part in shown, part
    assert posts(hooks, "C2") == []
    card_ts = hooks.slack.calls_to("chat.postMessage")[0].response["ts"]

    merged = github_payload("pull_request.closed.not_merged.json")
    merged["pull_request"].update(merged=True, merged_at="2019-05-15T15:21:00Z")
    await send_github(hooks, "pull_request.closed.not_merged.json", merged)
    assert "merged" in text_of(updates(hooks, card_ts)[-1])
    replies = [p for p in posts(hooks, "C1") if p.get("thread_ts") == card_ts]
    assert len(replies) == 1 and "Merged by Codertocat" in replies[0]["text"]
    assert len(posts(hooks, "C1", top_level=True)) == 1


async def test_other_repositories_and_unrouted_events_post_nothing(hooks: Harness) -> None:
    status, _ = await send_github(hooks, "pull_request.opened.json", github_payload("pull_request.opened.json", "x/y"))
    await send_github(hooks, "push.new_branch_one_commit.json")
    await send_github(hooks, "issue_comment.created.json")  # no thread for that PR yet: nothing to add to
    assert status == 202
    assert hooks.slack.calls_to("chat.postMessage") == []


def failed_run(run_id: int = 289782451, branch: str = "main", sha: str = RUN_SHA) -> dict[str, Any]:
    payload = github_payload("workflow_run.completed.success.json")
    payload["workflow_run"].update(conclusion="failure", head_branch=branch, head_sha=sha, id=run_id, name="CI")
    return payload


def failed_job(job: str, run_id: int = 289782451, sha: str = RUN_SHA) -> dict[str, Any]:
    payload = github_payload("workflow_job.completed.failure.json")
    payload["workflow_job"].update(name=job, run_id=run_id, head_sha=sha)
    return payload


async def test_ci_failure_on_main_names_the_failed_jobs_and_offers_a_rerun_through_approval(hooks: Harness) -> None:
    hooks.github.add_run("acme/api", 289782451, name="CI", head_sha=RUN_SHA, conclusion="failure")
    await send_github(hooks, "workflow_job.completed.failure.json", failed_job("linters"))
    await send_github(hooks, "workflow_job.completed.failure.json", failed_job("tests"))
    await send_github(hooks, "workflow_run.completed.success.json", failed_run())
    assert len(posts(hooks, "C1", top_level=True)) == 1
    root_ts = hooks.slack.calls_to("chat.postMessage")[0].response["ts"]
    [failure] = [p for p in posts(hooks, "C1") if p.get("thread_ts") == root_ts]  # one message, updated in place
    failure_ts = next(c.response["ts"] for c in hooks.slack.calls_to("chat.postMessage") if c.params is failure)
    latest = updates(hooks, failure_ts)[-1]
    assert "`linters`" in text_of(latest) and "`tests`" in text_of(latest) and "main" in text_of(latest)
    [button] = [b for b in buttons(latest) if b["action_id"] == "opsbot.rerun_failed_jobs"]
    assert json.loads(button["value"]) == {"repo": "acme/api", "run_id": 289782451}

    message = {**hooks.slack.messages("C1")[1], "thread_ts": root_ts}
    await hooks.driver.click(button["action_id"], button["value"], as_user="U1", message_ts=failure_ts, message=message)
    await hooks.settle()
    [card] = cards(hooks)
    assert card.params["thread_ts"] == root_ts  # the approval card is in the same thread
    assert hooks.github.reruns == []  # nothing runs before approval
    await click(hooks, "opsbot.approve", card, "U2")
    assert hooks.github.reruns == [{"repo": "acme/api", "run_id": 289782451}]


async def test_a_second_click_on_the_same_rerun_button_does_not_ask_twice(hooks: Harness) -> None:
    hooks.github.add_run("acme/api", 289782451, name="CI", head_sha=RUN_SHA, conclusion="failure")
    await send_github(hooks, "workflow_run.completed.success.json", failed_run())
    calls = hooks.slack.calls_to("chat.postMessage")
    failure = calls[1]
    [button] = [b for b in buttons(failure.params) if b["action_id"] == "opsbot.rerun_failed_jobs"]
    for user in ("U1", "U3"):
        await hooks.driver.click(button["action_id"], button["value"], as_user=user, message_ts=failure.response["ts"])
        await hooks.settle()
    assert len(cards(hooks)) == 1
    assert "already requested" in json.dumps(hooks.slack.ephemerals("U3"))


async def test_events_for_one_pr_and_its_commit_land_in_one_thread(hooks: Harness) -> None:
    await send_github(hooks, "pull_request.opened.json")
    card_ts = hooks.slack.calls_to("chat.postMessage")[0].response["ts"]
    await send_github(hooks, "check_run.completed.failure.json")  # names PR #2
    await send_github(hooks, "workflow_job.completed.failure.json", failed_job("unit", run_id=77, sha=PR_HEAD))
    comment = github_payload("issue_comment.created.json")
    comment["issue"]["number"] = 2
    await send_github(hooks, "issue_comment.created.json", comment)
    assert len(posts(hooks, "C1", top_level=True)) == 1
    in_thread = [p for p in posts(hooks, "C1") if p.get("thread_ts") == card_ts]
    assert len(in_thread) == 3  # the failing check, the failing job's run, the comment
    assert "Octocoders-linter" in text_of(updates(hooks, card_ts)[-1])  # the card shows the failing check


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
        await send_github(env, "workflow_run.completed.success.json", failed_run())
        [card] = cards(env)
        assert "CI failed on main: CI" in text_of(card.params)
        root_ts = env.slack.calls_to("chat.postMessage")[0].response["ts"]
        assert card.params["thread_ts"] == root_ts
        await click(env, "opsbot.approve", card, "U2")
        assert [i.title for i in env.github.issues] == ["CI failed on main: CI"]
        await send_github(env, "workflow_run.completed.success.json", failed_run(branch="dev", run_id=9, sha="9" * 40))
        assert len(cards(env)) == 1  # not on main: the second route, which only notifies
        assert len(posts(env, "C2", top_level=True)) == 1
