"""GitHub threads keyed by what they are about: a PR by its number, a commit's CI by the commit; CI messages that
later pass say so and lose their rerun button."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.fakes.github import webhooks
from bot.sandbox.fakes.github.shapes import sha
from tests.approvals_helpers import buttons
from tests.harness import Harness
from tests.triggers.conftest import posts, send_github, ts_of, updates

HEAD = sha("acme/api#7")  # the head commit of webhooks.pull_request(number=7)
RERUN = "opsbot.rerun_failed_jobs"


def job(name: str, *, run_id: int = 77, conclusion: str = "failure", attempt: int = 1) -> webhooks.Webhook:
    return webhooks.workflow_job_completed(
        job=name, run_id=run_id, head_sha=HEAD, branch="rate-limit", conclusion=conclusion, attempt=attempt
    )


def run(*, run_id: int = 77, conclusion: str = "failure", attempt: int = 1, pulls: tuple[int, ...] = ()) -> Any:
    return webhooks.workflow_run_completed(
        run_id=run_id, head_sha=HEAD, branch="rate-limit", conclusion=conclusion, attempt=attempt, pulls=pulls
    )


def text_of(message: dict[str, Any]) -> str:
    """A message's blocks and text as Slack shows them (emoji as they are)."""
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + str(message.get("text", ""))


def top(env: Harness) -> list[str]:
    """The ts of each top-level message in C1, oldest first."""
    return [ts_of(env, p) for p in posts(env, "C1", top_level=True)]


def replies(env: Harness, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in env.slack.messages("C1") if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]


def held(env: Harness, ts: str) -> dict[str, Any]:
    """The message as the fake Slack holds it now (after every update)."""
    return next(m for m in env.slack.messages("C1") if m["ts"] == ts)


async def test_two_prs_from_one_head_commit_keep_two_cards_and_their_own_comments(hooks: Harness) -> None:
    await send_github(hooks, webhooks.pull_request())  # #7 from `rate-limit`
    await send_github(hooks, webhooks.pull_request("closed"))
    await send_github(hooks, webhooks.pull_request(number=8, head_sha=HEAD, title="Rate limiting, take two"))
    first, second = top(hooks)
    assert "PR #7" in text_of(held(hooks, first)) and "take two" not in text_of(held(hooks, first))
    assert "PR #8" in text_of(held(hooks, second))
    await send_github(hooks, webhooks.issue_comment_created(number=7, body="Closed in favour of #8."))
    await send_github(hooks, job("unit"))  # names no PR: the open PR whose head it is
    assert [m["text"] for m in replies(hooks, first)][-1].endswith("Closed in favour of #8.")
    assert ["CI failed" in m["text"] for m in replies(hooks, second)] == [True]
    assert len(top(hooks)) == 2


async def test_a_pr_opened_after_ci_failed_on_its_head_gets_a_new_card_linking_the_ci_thread(hooks: Harness) -> None:
    await send_github(hooks, job("unit"))
    await send_github(hooks, run())
    [ci_root] = top(hooks)
    [failure] = replies(hooks, ci_root)
    assert [b["action_id"] for b in buttons(failure)] == [RERUN]

    await send_github(hooks, webhooks.pull_request())
    ci_root_now, card = top(hooks)  # a new message, which notifies
    assert ci_root_now == ci_root and updates(hooks, ci_root) == []  # the CI thread's first message is as it was
    assert "PR #7" in text_of(held(hooks, card))
    assert f"/archives/C1/p{ci_root.replace('.', '')}" in text_of(held(hooks, card))  # the CI thread's permalink

    await send_github(hooks, job("unit", conclusion="success", attempt=2))
    await send_github(hooks, run(conclusion="success", attempt=2, pulls=(7,)))  # lists #7 now: the run stays put
    shown = held(hooks, failure["ts"])
    assert "passed on attempt 2" in text_of(shown) and "failed on" not in text_of(shown)
    assert buttons(shown) == []
    assert replies(hooks, card) == [] and len(replies(hooks, ci_root)) == 1


async def test_a_check_that_passes_later_updates_its_failure_and_drops_the_rerun_button(hooks: Harness) -> None:
    await send_github(hooks, webhooks.pull_request())
    [card] = top(hooks)
    await send_github(hooks, webhooks.check_run_completed(name="lint", pull=7))
    [failure] = replies(hooks, card)
    assert [b["action_id"] for b in buttons(held(hooks, failure["ts"]))] == [RERUN]
    assert "❌" in text_of(held(hooks, failure["ts"]))
    await send_github(hooks, webhooks.check_run_completed(name="lint", pull=7, conclusion="success"))
    shown = held(hooks, failure["ts"])
    assert "✅ `lint` passed" in text_of(shown) and "❌" not in text_of(shown)
    assert buttons(shown) == [] and len(replies(hooks, card)) == 1
    assert "1 passing" in text_of(held(hooks, card))


async def test_a_run_whose_failed_jobs_all_pass_says_so_and_has_no_button(hooks: Harness) -> None:
    await send_github(hooks, webhooks.pull_request())
    [card] = top(hooks)
    await send_github(hooks, job("linters"))
    await send_github(hooks, job("tests"))
    [failure] = replies(hooks, card)
    await send_github(hooks, job("linters", conclusion="success", attempt=2))
    shown = held(hooks, failure["ts"])
    assert "`linters` (✅ passed since)" in text_of(shown) and [b["action_id"] for b in buttons(shown)] == [RERUN]
    await send_github(hooks, job("tests", conclusion="success", attempt=2))
    shown = held(hooks, failure["ts"])
    assert "✅ `tests` passed on attempt 2" in text_of(shown) and "✅ *CI* passed" in text_of(shown)
    assert buttons(shown) == []


async def test_ci_events_listing_a_pr_go_to_its_thread_not_to_the_commits(hooks: Harness) -> None:
    await send_github(hooks, job("unit"))  # before the PR: the commit's own thread
    await send_github(hooks, webhooks.pull_request())
    ci_root, card = top(hooks)
    await send_github(hooks, webhooks.check_run_completed(name="lint", pull=7))  # lists #7
    await send_github(hooks, run(run_id=88, pulls=(7,)))  # another run, listing #7
    await send_github(hooks, job("e2e", run_id=88))  # names no PR: #7 is open and its head is this commit
    assert len(replies(hooks, ci_root)) == 1
    lint, run_88 = replies(hooks, card)
    assert "`lint`" in text_of(lint) and "`e2e`" in text_of(held(hooks, run_88["ts"]))
    assert "`lint`" in text_of(updates(hooks, card)[-1])  # the card's checks line


async def test_ci_of_a_commit_in_no_open_pr_gets_a_thread_of_its_own(hooks: Harness) -> None:
    await send_github(hooks, webhooks.pull_request())
    await send_github(hooks, webhooks.pull_request("closed"))
    [card] = top(hooks)
    await send_github(hooks, job("unit"))  # #7 is closed: its head commit is in no open PR
    await send_github(hooks, webhooks.check_run_completed(name="lint", pull=None, head_sha=sha("x"), branch="main"))
    _, head_ci, other_ci = top(hooks)
    assert "CI for `acme/api` · commit `" + HEAD[:7] in text_of(held(hooks, head_ci))
    assert "commit `" + sha("x")[:7] in text_of(held(hooks, other_ci))
    assert len(replies(hooks, head_ci)) == 1 and len(replies(hooks, other_ci)) == 1
    assert [m["text"] for m in replies(hooks, card)] == ["⚪ Closed without merging by ana."]
