"""The agent end to end: reads at once, risky calls behind approval cards, corrections, restarts, limits."""

from __future__ import annotations

import json
from typing import Any

from tests.approvals_helpers import approval_of, buttons, cards, click, text_of
from tests.fakes.openai_server import (
    Fault,
    length_response,
    refusal_response,
    text_response,
    tool_call_response,
)
from tests.github_reads import pull_reads
from tests.harness import Harness


def tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(m["content"]) for m in request["messages"] if m["role"] == "tool"]


def final_answers(env: Harness) -> list[str]:
    return [c.params["text"] for c in env.slack.calls_to("chat.postMessage") if "AI agent" in text_of(c.params)]


async def test_why_is_ci_red_then_rerun_after_approval(aenv: Harness) -> None:
    assert aenv.model is not None
    run = aenv.github.add_run("acme/api", 501, name="CI", branch="main", conclusion="failure")
    run.title = "Flaky test in test_login"

    def explain_and_propose(request: dict[str, Any]) -> dict[str, Any]:
        [result] = tool_results(request)
        assert result["status"] == "ok" and result["untrusted_data"]["data"]["runs"][0]["id"] == 501
        return tool_call_response(("rerun_failed_jobs", {"repo": "acme/api", "run_id": 501, "pr": None}))

    aenv.model.script(
        tool_call_response(("list_failed_workflow_runs", {"repo": "acme/api", "branch": "main", "limit": 5})),
        explain_and_propose,
        lambda request: text_response(
            "CI failed on a flaky login test; I reran the failed jobs."
            if tool_results(request)[-1]["status"] == "ok"
            else "The rerun did not happen."
        ),
    )
    await aenv.driver.mention("why is CI red on acme/api main, and rerun it if it is flaky", user="U1")
    await aenv.settle()
    [card] = cards(aenv)
    assert "rerun" in text_of(card.params).lower() and aenv.github.reruns == []
    await click(aenv, "opsbot.approve", card, "U2")
    assert len(aenv.github.reruns) == 1
    assert final_answers(aenv) == ["CI failed on a flaky login test; I reran the failed jobs."]
    status_updates = [c.params["text"] for c in aenv.slack.calls_to("chat.update")]
    assert "✅ Finished" in status_updates


async def test_merging_green_dependabot_prs_asks_for_each_merge(aenv: Harness) -> None:
    assert aenv.model is not None
    for number in (11, 12):
        aenv.github.add_pr("acme/api", number, f"Bump dep {number}", author="dependabot[bot]", checks="passing")
    aenv.github.add_pr("acme/api", 13, "Bump dep 13", author="dependabot[bot]", checks="failing")
    aenv.model.script(
        tool_call_response(("list_pull_requests", {"repo": "acme/api", "state": "open", "limit": 20})),
        tool_call_response(*(("get_pull_request", {"repo": "acme/api", "number": n}) for n in (11, 12, 13))),
        tool_call_response(
            *(
                ("merge_pull_request", {"repo": "acme/api", "number": n, "method": "squash", "commit_message": None})
                for n in (11, 12)
            )
        ),
        text_response("Merged #11 and #12; #13 has failing checks."),
    )
    await aenv.driver.mention("merge the dependabot PRs in acme/api that are green", user="U1")
    await aenv.settle()
    merge_cards = cards(aenv)
    assert len(merge_cards) == 2 and aenv.github.merges == []
    for card in merge_cards:
        await click(aenv, "opsbot.approve", card, "U2")
    assert sorted(m["number"] for m in aenv.github.merges) == [11, 12]
    assert final_answers(aenv) == ["Merged #11 and #12; #13 has failing checks."]
    assert aenv.bot is not None
    approvals = [r for r in await aenv.bot.audit.rows() if r.kind == "approval.approved"]
    assert len(approvals) == 2  # each merge individually approved and audited


async def test_a_wrong_repository_is_corrected_from_the_404_suggestions(aenv: Harness) -> None:
    assert aenv.model is not None
    aenv.github.add_repo("acme/web-app")

    def correct(request: dict[str, Any]) -> dict[str, Any]:
        [result] = tool_results(request)
        assert result["untrusted_data"]["error"] == "not_found"
        assert "acme/web-app" in result["untrusted_data"]["suggestions"]
        return tool_call_response(("list_pull_requests", {"repo": "acme/web-app", "state": "open", "limit": 5}))

    aenv.model.script(
        tool_call_response(("list_pull_requests", {"repo": "acme/webapp", "state": "open", "limit": 5})),
        correct,
        text_response("There are no open pull requests in acme/web-app."),
    )
    await aenv.driver.mention("any open PRs in acme/webapp?", user="U1")
    await aenv.settle()
    [answer] = [c for c in aenv.slack.calls_to("chat.postMessage") if "AI agent" in text_of(c.params)]
    assert "What I tried" in text_of(answer.params) and "not_found" in text_of(answer.params)


async def test_restart_while_waiting_for_approval_resumes_without_repeating_calls(aenv: Harness) -> None:
    assert aenv.model is not None
    aenv.github.add_pr("acme/api", 21, "Release", author="ana")
    aenv.model.script(
        tool_call_response(("get_pull_request", {"repo": "acme/api", "number": 21})),
        tool_call_response(
            ("merge_pull_request", {"repo": "acme/api", "number": 21, "method": "merge", "commit_message": None})
        ),
        text_response("Merged #21."),
    )
    await aenv.driver.mention("merge pr 21 in acme/api please", user="U1")
    await aenv.settle()
    [card] = cards(aenv)
    pulls_fetched = pull_reads(aenv.github, 21)
    assert pulls_fetched >= 1  # the model's read, and the card's preflight
    await aenv.restart()
    await click(aenv, "opsbot.approve", card, "U2")
    assert len(aenv.github.merges) == 1
    assert len(aenv.model.requests) == 3  # no model call repeated after the restart
    after = pull_reads(aenv.github, 21)
    assert after - pulls_fetched <= 1  # only the merge's own preflight, never the completed read again
    assert final_answers(aenv) == ["Merged #21."]


async def test_rejection_goes_back_to_the_model(aenv: Harness) -> None:
    assert aenv.model is not None
    aenv.github.add_pr("acme/api", 22, "Risky", author="ana")

    def after_rejection(request: dict[str, Any]) -> dict[str, Any]:
        [result] = tool_results(request)
        assert result["untrusted_data"]["error"] == "rejected" and "not now" in result["untrusted_data"]["message"]
        return text_response("OK, I did not merge it.")

    aenv.model.script(
        tool_call_response(
            ("merge_pull_request", {"repo": "acme/api", "number": 22, "method": "merge", "commit_message": None})
        ),
        after_rejection,
    )
    await aenv.driver.mention("merge pr 22 in acme/api", user="U1")
    await aenv.settle()
    [card] = cards(aenv)
    metadata = json.dumps({"approval": approval_of(card), "channel": "C1"})
    await aenv.driver.submit_view(
        "opsbot.reject", {"reason": {"value": "not now"}}, as_user="U2", private_metadata=metadata
    )
    await aenv.settle()
    assert aenv.github.merges == [] and final_answers(aenv) == ["OK, I did not merge it."]


async def test_unknown_tools_in_a_parallel_answer_never_run(aenv: Harness) -> None:
    assert aenv.model is not None
    parallel = tool_call_response(
        ("get_weather", {"city": "Lisbon", "units": "c"}), ("get_stock_price", {"ticker": "ACME", "exchange": "NYSE"})
    )
    aenv.model.script(parallel, text_response("I can't check the weather."))
    await aenv.driver.mention("what's the weather in Lisbon and the ACME share price?", user="U1")
    await aenv.settle()
    second = aenv.model.requests[1].json
    results = tool_results(second)
    assert len(results) == 2 and all(r["untrusted_data"]["error"] == "unknown_tool" for r in results)
    assert final_answers(aenv) == ["I can't check the weather."]
    assert aenv.github.requests == [r for r in aenv.github.requests if r.method == "GET"]


async def test_refusal_and_length_cut_off_get_clear_messages(aenv: Harness) -> None:
    assert aenv.model is not None
    aenv.model.script(refusal_response("I can't help with that."), length_response())
    await aenv.driver.mention("do something odd", user="U1")
    await aenv.driver.mention("write a novel", user="U3", channel="C2")
    await aenv.settle()
    answers = " ".join(final_answers(aenv))
    assert "declined" in answers and "cut off" in answers


async def test_model_server_errors_are_retried_then_reported(aenv: Harness) -> None:
    assert aenv.model is not None
    aenv.model.script(Fault(429), text_response("Hello!"), Fault(500), Fault(500), Fault(503))
    await aenv.driver.mention("hi there", user="U1")
    await aenv.settle()
    await aenv.driver.mention("hi again", user="U1", channel="C2")
    await aenv.settle()
    answers = final_answers(aenv)
    assert answers[0] == "Hello!"
    assert "didn't answer" in answers[1] and "503" in answers[1]


async def test_a_second_request_in_a_busy_thread_waits_its_turn(aenv: Harness) -> None:
    assert aenv.model is not None
    aenv.github.add_pr("acme/api", 31, "One", author="ana")
    aenv.model.script(
        tool_call_response(
            ("merge_pull_request", {"repo": "acme/api", "number": 31, "method": "merge", "commit_message": None})
        ),
        text_response("Merged #31."),
        text_response("There is nothing else open."),
    )
    first = await aenv.driver.mention("merge pr 31 in acme/api", user="U1")
    await aenv.settle()
    thread = first.payload["event"]["ts"]
    await aenv.driver.mention("anything else?", user="U1", thread_ts=thread)
    await aenv.settle()
    assert len(aenv.model.requests) == 1  # the second request did not start a concurrent run
    assert any("right after" in c.params["text"] for c in aenv.slack.calls_to("chat.postMessage"))
    [card] = cards(aenv)
    await click(aenv, "opsbot.approve", card, "U2")
    assert final_answers(aenv) == ["Merged #31.", "There is nothing else open."]


async def test_turn_limit_and_hourly_quota_end_with_a_message(db_url: str) -> None:
    async with Harness(db_url, model=True, opsbot_agent_max_turns=2, opsbot_agent_requests_per_hour=1) as env:
        assert env.model is not None
        env.model.script(
            tool_call_response(("list_pull_requests", {"repo": "acme/api", "state": "open", "limit": 5})),
            tool_call_response(("list_pull_requests", {"repo": "acme/api", "state": "open", "limit": 5})),
        )
        await env.driver.mention("loop forever", user="U1")
        await env.settle()
        await env.driver.mention("and again", user="U1", channel="C2")
        await env.settle()
        texts = " ".join(c.params["text"] for c in env.slack.calls_to("chat.postMessage"))
        assert "stopped after 2 rounds" in texts and "limit of 1 requests an hour" in texts
        env.model.assert_script_consumed()


async def test_help_says_the_agent_is_active(aenv: Harness) -> None:
    await aenv.driver.command("help", user="U1")
    await aenv.settle()
    assert "AI agent" in text_of(aenv.slack.calls_to("response_url")[0].params)


async def test_exact_commands_still_use_the_grammar(aenv: Harness) -> None:
    aenv.github.add_pr("acme/api", 41, "Grammar path", author="ana")
    await aenv.driver.command("list prs acme/api", user="U1")
    await aenv.settle()
    assert aenv.model is not None and aenv.model.requests == []
    assert "Grammar path" in text_of(aenv.slack.calls_to("chat.postMessage")[0].params)
    assert buttons(aenv.slack.calls_to("chat.postMessage")[0].params) == []


async def test_a_model_that_times_out_gets_a_clear_message_and_no_tool_runs(db_url: str) -> None:
    from tests.fakes.openai_server import Delay

    async with Harness(db_url, model=True, opsbot_model_timeout_seconds=0.3) as env:
        assert env.model is not None
        late = tool_call_response(("merge_pull_request", {"repo": "acme/api", "number": 1, "method": "merge"}))
        env.model.script(*(step for _ in range(3) for step in (Delay(2), late)))  # three tries, all too late
        await env.driver.mention("merge pr 1 in acme/api", user="U1")
        await env.settle()
        [answer] = final_answers(env)
        assert "didn't answer in time" in answer
        assert cards(env) == [] and env.github.merges == []
        assert len(env.model.requests) == 3
